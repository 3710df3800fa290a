// The emulator's timing comes from process-wide environment variables, and each test sets them: one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
