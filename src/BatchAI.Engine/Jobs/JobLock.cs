using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace BatchAI.Jobs;

/// <summary>
/// One process at a time works on a job. The lock is the OS's own exclusive lock on the job's <c>lock</c> file (an
/// flock on Unix, a share-none handle on Windows), so it goes away with the process however that ends: a crashed or
/// killed run never leaves a job locked. Who holds it is written beside it, for the message the next process gets.
/// </summary>
internal sealed class JobLock : IDisposable
{
    private const string LockFile = "lock";
    private const string OwnerFile = "lock.owner";
    private readonly FileStream _handle;
    private readonly string _ownerPath;

    private JobLock(FileStream handle, string ownerPath)
    {
        _handle = handle;
        _ownerPath = ownerPath;
    }

    /// <summary>Takes the job's lock for <paramref name="operation"/>, or refuses with who holds it.</summary>
    public static JobLock Acquire(JobLedger ledger, string jobLabel, string operation, DateTimeOffset now)
    {
        var ownerPath = Path.Combine(ledger.Folder, OwnerFile);
        FileStream handle;
        try
        {
            handle = PrivateStore.Create(Path.Combine(ledger.Folder, LockFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1);
        }
        catch (IOException)
        {
            var holder = ReadOwner(ownerPath);
            throw new BatchAIException(
                ErrorKind.Conflict,
                "JobLocked",
                $"Job {jobLabel} is in use by another process{holder}. Two processes working on one job would race; wait for that one to end, or stop it, and try again.");
        }

        using (var process = Process.GetCurrentProcess())
        {
            var owner = string.Format(CultureInfo.InvariantCulture, "{0}\n{1}\n{2:o}\n", process.Id, operation, now);
            try
            {
                File.WriteAllText(ownerPath, owner, new UTF8Encoding(false));
                PrivateStore.File(ownerPath);
            }
            catch (IOException)
            {
                // Only the message of a refused process would miss it.
            }
        }

        return new JobLock(handle, ownerPath);
    }

    public void Dispose()
    {
        try
        {
            File.Delete(_ownerPath);
        }
        catch (IOException)
        {
            // A stale owner note is only read while the lock is held by someone.
        }

        _handle.Dispose();
    }

    private static string ReadOwner(string path)
    {
        try
        {
            var lines = File.ReadAllLines(path);
            return lines.Length >= 3 ? $" (process {lines[0]}, {lines[1]}, since {lines[2]})" : string.Empty;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }
}
