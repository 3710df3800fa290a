namespace BatchAI.Tests;

/// <summary>
/// The repository the tests were built from, found by walking up from the test's folder to BatchAI.sln: for checks
/// of files that ship beside the code (README, recipes, help, scripts). Compiled into every test project.
/// </summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "BatchAI.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (BatchAI.sln) is not above " + AppContext.BaseDirectory);
    }
}
