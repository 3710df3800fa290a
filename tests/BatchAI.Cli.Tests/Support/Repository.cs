namespace BatchAI.Cli.Tests.Support;

/// <summary>The repository the tests were built from: for checks of files that ship beside the code.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string File(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "BatchAI.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("BatchAI.sln not found above " + AppContext.BaseDirectory);
    }
}
