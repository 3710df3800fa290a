using BatchAI.IO;

namespace BatchAI.Emulator.State;

/// <summary>The lines of an input file with their 1-based numbers and byte offsets (for re-reading in another order).</summary>
internal static class InputLines
{
    public static IEnumerable<FileLine> Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        foreach (var line in LineFiles.Read(stream, includeUnterminatedLast: true))
        {
            yield return line;
        }
    }
}
