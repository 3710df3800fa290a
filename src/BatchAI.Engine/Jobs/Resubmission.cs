using BatchAI.IO;
using BatchAI.Providers;

namespace BatchAI.Jobs;

/// <summary>How to resubmit a job's retryable records.</summary>
public sealed class ResubmitOptions
{
    /// <summary>The bound on attempts a job starts with: the first submission and four more.</summary>
    public const int DefaultMaxAttempts = 5;

    /// <summary>How many times a record may be sent in all, the first time included; null keeps the job's (default 5).</summary>
    public int? MaxAttempts { get; set; }
}

/// <summary>What a resubmission sent.</summary>
public sealed class ResubmitSummary(BatchJob job, RecordCounts before, long resubmitted, int batches, long exhausted)
{
    public BatchJob Job { get; } = job;

    /// <summary>The records by state once the ended batches' results were in, before anything was sent again.</summary>
    public RecordCounts Before { get; } = before;

    /// <summary>Records sent again.</summary>
    public long Resubmitted { get; } = resubmitted;

    /// <summary>New provider batches they went out in.</summary>
    public int Batches { get; } = batches;

    /// <summary>Retryable records not sent again because they reached the bound on attempts.</summary>
    public long Exhausted { get; } = exhausted;
}

/// <summary>
/// Prepares the new parts of a resubmission: the records worth another try, each copied byte for byte from the part
/// it was last sent in (the request line is the provider's own encoding, so the retry asks exactly the same), into
/// new parts split by the provider's limits.
/// </summary>
internal static class Resubmission
{
    public static (List<PartRecord> Parts, long Resent, long Exhausted) Prepare(JobLedger ledger, JobManifest manifest, ProviderLimits limits)
    {
        var attempt = manifest.Parts.Max(p => p.Attempt) + 1;
        long resent = 0;
        long exhausted = 0;
        using var builder = new PartBuilder(ledger.Folder, limits.WithQueue(manifest.QueuedTokenLimit, manifest.QueuedRequestLimit), manifest.Parts.Max(p => p.Index) + 1, attempt);
        PartLines? lines = null;
        try
        {
            foreach (var record in JobRecords.Read(ledger, manifest))
            {
                if (!record.CanRetry)
                {
                    if (record.Result is { Retryable: true } && record.State is not (RecordState.Succeeded or RecordState.Pending or RecordState.Submitted))
                    {
                        exhausted++;
                    }

                    continue;
                }

                if (lines?.Part != record.Part)
                {
                    lines?.Dispose();
                    lines = new PartLines(ledger, record.Part);
                }

                var line = lines.ReadLine(record.Ordinal);
                // The line is copied, not rebuilt, so its tokens are its part's average (the estimate the part was queued with).
                var tokens = record.Part.Requests == 0 ? 0 : (record.Part.Tokens + record.Part.Requests - 1) / record.Part.Requests;
                builder.Add(record.Part.Model, record.CustomId, record.SchemaId, line, line.Length, tokens);
                resent++;
            }
        }
        finally
        {
            lines?.Dispose();
        }

        return (builder.Complete(), resent, exhausted);
    }

    /// <summary>Reads a part's lines forward, by their number (0-based), skipping those not asked for.</summary>
    private sealed class PartLines : IDisposable
    {
        private readonly FileStream _stream;
        private readonly IEnumerator<FileLine> _lines;
        private int _next;

        public PartLines(JobLedger ledger, PartRecord part)
        {
            Part = part;
            _stream = new FileStream(ledger.PartPath(part), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            _lines = LineFiles.Read(_stream, includeUnterminatedLast: true).Where(l => l.Bytes.Length > 0).GetEnumerator();
        }

        public PartRecord Part { get; }

        public byte[] ReadLine(int ordinal)
        {
            while (_next <= ordinal)
            {
                if (!_lines.MoveNext())
                {
                    throw new BatchAIException(ErrorKind.Protocol, "JobPartCorrupt", $"Part file {Part.File} has fewer lines than its list of custom ids.");
                }

                _next++;
            }

            return _lines.Current.Bytes;
        }

        public void Dispose()
        {
            _lines.Dispose();
            _stream.Dispose();
        }
    }
}
