namespace BatchAI.IO;

/// <summary>
/// Replaces files so that readers, in this or another process, see the old content or the new, never half.
/// Shared by the engine (the job ledger) and the emulator (its state), each compiling its own internal copy.
/// </summary>
internal static class AtomicFile
{
    public static void WriteAllBytes(string path, byte[] content)
    {
        var temp = TempPathFor(path);
        using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough))
        {
            stream.Write(content, 0, content.Length);
            stream.Flush(flushToDisk: true);
        }

        MoveIntoPlace(temp, path);
    }

    /// <summary>A unique sibling path to write a new version of <paramref name="path"/> into before moving it in place.</summary>
    public static string TempPathFor(string path) => path + "." + Guid.NewGuid().ToString("N") + ".tmp";

    /// <summary>Moves <paramref name="temp"/> over <paramref name="path"/>, replacing any existing file.</summary>
    public static void MoveIntoPlace(string temp, string path)
    {
        // netstandard2.0 has no File.Move(overwrite): Replace needs an existing target, Move needs a missing one, and
        // another process may create the target between the two, hence the retry.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if (File.Exists(path))
                {
                    File.Replace(temp, path, destinationBackupFileName: null, ignoreMetadataErrors: true);
                }
                else
                {
                    File.Move(temp, path);
                }

                return;
            }
            catch (IOException) when (attempt < 5)
            {
                Thread.Sleep(10 * (attempt + 1));
            }
            catch (UnauthorizedAccessException) when (attempt < 5)
            {
                // Windows refuses to replace a file another process has open for a moment; give it that moment.
                Thread.Sleep(10 * (attempt + 1));
            }
        }
    }
}
