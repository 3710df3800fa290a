using System.Globalization;
using System.Text;
using BatchAI.IO;
using BatchAI.Providers;
using BatchAI.Requests;

namespace BatchAI.Jobs;

/// <summary>Where one record of a job stands.</summary>
public enum RecordState
{
    /// <summary>In a provider batch that is not submitted yet.</summary>
    Pending,

    /// <summary>In a provider batch that is submitted and has not returned its results yet.</summary>
    Submitted,

    Succeeded,

    Failed,

    Expired,

    Canceled,
}

/// <summary>How many of a job's records are in each state, and how many of the ended ones may be sent again.</summary>
public sealed class RecordCounts
{
    public long Pending { get; set; }

    public long Submitted { get; set; }

    public long Succeeded { get; set; }

    public long Failed { get; set; }

    public long Expired { get; set; }

    public long Canceled { get; set; }

    /// <summary>Failed (retryably), expired or canceled records that have attempts left: what a resubmit sends.</summary>
    public long Retryable { get; set; }

    /// <summary>Records whose answer is final: succeeded, or failed, expired or canceled with nothing left to try.</summary>
    public long Final => Succeeded + Failed + Expired + Canceled - Retryable;

    public long Total => Pending + Submitted + Succeeded + Failed + Expired + Canceled;

    internal void Add(RecordCounts other)
    {
        Pending += other.Pending;
        Submitted += other.Submitted;
        Succeeded += other.Succeeded;
        Failed += other.Failed;
        Expired += other.Expired;
        Canceled += other.Canceled;
        Retryable += other.Retryable;
    }

    internal void Add(RecordState state)
    {
        switch (state)
        {
            case RecordState.Pending: Pending++; break;
            case RecordState.Submitted: Submitted++; break;
            case RecordState.Succeeded: Succeeded++; break;
            case RecordState.Failed: Failed++; break;
            case RecordState.Expired: Expired++; break;
            default: Canceled++; break;
        }
    }

    public override string ToString()
    {
        var parts = new List<string>();
        void Add(string name, long value)
        {
            if (value > 0)
            {
                parts.Add(value.ToString("N0", CultureInfo.InvariantCulture) + " " + name);
            }
        }

        Add("pending", Pending);
        Add("submitted", Submitted);
        Add("succeeded", Succeeded);
        Add("failed", Failed);
        Add("expired", Expired);
        Add("canceled", Canceled);
        var text = parts.Count == 0 ? "no records" : string.Join(", ", parts);
        return Retryable > 0 ? text + " (" + Retryable.ToString("N0", CultureInfo.InvariantCulture) + " to retry)" : text;
    }
}

/// <summary>One record of a job as the ledger knows it: Get-AIBatchRecord and <c>batchai records</c>.</summary>
public sealed class JobRecord
{
    internal JobRecord(RecordStatus status)
    {
        CustomId = status.CustomId;
        State = status.State;
        Batch = status.Part.Index;
        BatchId = status.Part.BatchId;
        Held = status.Part.Held;
        Attempts = status.Attempts;
        Retryable = status.CanRetry;
        ErrorCode = status.State is RecordState.Pending or RecordState.Submitted ? null : status.Result?.ErrorCode;
        ErrorMessage = status.State is RecordState.Pending or RecordState.Submitted ? null : status.Result?.ErrorMessage;
    }

    public string CustomId { get; }

    public RecordState State { get; }

    /// <summary>The job's batch (part) the record was last sent in, numbered from 1.</summary>
    public int Batch { get; }

    /// <summary>The provider's id of that batch, once submitted.</summary>
    public string? BatchId { get; }

    /// <summary>Held back by a pilot until the job is released.</summary>
    public bool Held { get; }

    /// <summary>How many times the record was sent (or prepared to be).</summary>
    public int Attempts { get; }

    /// <summary>Whether a resubmit would send it again.</summary>
    public bool Retryable { get; }

    public string? ErrorCode { get; }

    public string? ErrorMessage { get; }

    public override string ToString() => CustomId + " " + State;
}

/// <summary>A line of a part's id list.</summary>
internal sealed class PartEntry(string id, string? schemaId)
{
    public string Id { get; } = id;

    public string? SchemaId { get; } = schemaId;
}

/// <summary>
/// A part's records while its results are downloaded: each one's schema, and the outcome of the line last written
/// for it (none yet, when the provider has not answered it), from which the part's records are counted. Held without
/// an object per record (a part has up to 50,000; objects that live as long as a download are
/// what the garbage collector pays for, copied from generation to generation).
/// </summary>
internal sealed class PartRoster
{
    private readonly CustomIdMap _ordinals; // id -> line in the part's id list
    private readonly List<string?> _schemas = []; // by line; the few distinct schema ids shared
    private byte[] _outcomes = []; // by line: 0 until a line is written for it, then 1 + its status, | RetryableFlag
    private long[] _lineStarts = []; // by line: where its latest line starts in the results file, -1 before one is written

    private PartRoster(int capacity) => _ordinals = new CustomIdMap(capacity);

    public bool HasSchemas { get; private set; }

    /// <summary>
    /// The part's id list, read as bytes: a million records of a large job are read this way once per download, and
    /// a string and an entry object per id were a tenth of it.
    /// </summary>
    public static PartRoster Read(JobLedger ledger, PartRecord part)
    {
        var roster = new PartRoster(part.Requests);
        var distinct = new Dictionary<string, string>(StringComparer.Ordinal);
        var file = PartBuilder.IdsFile(part);
        using var stream = new FileStream(Path.Combine(ledger.Folder, file), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        var lineNumber = 0;
        foreach (var view in LineFiles.View(stream, includeUnterminatedLast: true))
        {
            lineNumber++;
            var line = view.Bytes.Span;
            if (line.Length == 0)
            {
                continue;
            }

            var tab = line.IndexOf((byte)'\t');
            var id = tab < 0 ? line : line.Slice(0, tab);
            if (!CustomIds.IsValid(id))
            {
                throw new BatchAIException(ErrorKind.Protocol, "JobIdsCorrupt", string.Format(CultureInfo.InvariantCulture, "Line {0} of the job's id list {1} is damaged: {2}.", lineNumber, file, CustomIds.Explain(Encoding.UTF8.GetString(id.ToArray()))));
            }

            roster._ordinals.Set(id, roster._schemas.Count);
            var schemaId = tab < 0 ? null : Encoding.UTF8.GetString(line.Slice(tab + 1).ToArray());
            roster._schemas.Add(schemaId is null ? null : distinct.TryGetValue(schemaId, out var known) ? known : distinct[schemaId] = schemaId);
        }

        roster.HasSchemas = distinct.Count > 0;
        roster._outcomes = new byte[roster._schemas.Count];
        roster._lineStarts = new long[roster._schemas.Count];
        roster._lineStarts.AsSpan().Fill(-1);
        return roster;
    }

    private const byte RetryableFlag = 0x80;

    /// <summary>
    /// Finds the provider's answer for <paramref name="customId"/> in the part: its line in the id list (-1 when it is
    /// not one of ours), and the schema the answer must follow, if any.
    /// </summary>
    public int Answer(string customId, out string? schemaId)
    {
        if (!_ordinals.TryGetValue(customId, out var ordinal))
        {
            schemaId = null;
            return -1; // not one of ours: kept as the provider sent it
        }

        schemaId = _schemas[(int)ordinal];
        return (int)ordinal;
    }

    /// <summary>
    /// Notes the line written for the record at <paramref name="ordinal"/>: where it starts in the results file, and
    /// its outcome. A later line replaces an earlier one.
    /// </summary>
    public void Written(int ordinal, long lineStart, ResultStatus status, bool retryable)
    {
        _lineStarts[ordinal] = lineStart;
        _outcomes[ordinal] = (byte)((1 + (int)status) | (retryable ? RetryableFlag : 0));
    }

    /// <summary>
    /// Where each record's latest line starts in the results file, by its line in the id list (-1 when none was
    /// written): once the part is downloaded, what a join needs to find the part's results without an index by id.
    /// </summary>
    public long[] LineStarts => _lineStarts;

    /// <summary>The part's records no line was written for yet, in line order, with their line in the id list.</summary>
    public IEnumerable<(string Id, int Ordinal)> Unanswered(JobLedger ledger, PartRecord part)
    {
        if (Array.IndexOf(_outcomes, (byte)0) < 0)
        {
            yield break; // all answered, as nearly always: the id list is not read again
        }

        var ordinal = 0;
        foreach (var entry in JobRecords.PartEntries(ledger, part))
        {
            if (_outcomes[ordinal] == 0)
            {
                yield return (entry.Id, ordinal);
            }

            ordinal++;
        }
    }

    /// <summary>
    /// The part's records by state once its results are all written (each record's latest line), for a job whose
    /// records were each sent once: what <see cref="JobRecords.Count"/> would find for them, without reading the id
    /// list or looking up an id again.
    /// </summary>
    public RecordCounts Counts(PartRecord part, int maxAttempts)
    {
        var counts = new RecordCounts();
        foreach (var outcome in _outcomes)
        {
            var status = outcome == 0 ? (ResultStatus?)null : (ResultStatus)((outcome & ~RetryableFlag) - 1);
            var state = RecordStatus.StateOf(part, status);
            counts.Add(state);
            if (RecordStatus.CanRetryOf(state, (outcome & RetryableFlag) != 0, 1, maxAttempts))
            {
                counts.Retryable++;
            }
        }

        return counts;
    }
}

/// <summary>One record as the ledger knows it: its latest provider batch, its attempts, and its latest result.</summary>
internal sealed class RecordStatus(PartEntry entry, PartRecord part, int ordinal, int attempts, ResultLine? result, int maxAttempts)
{
    public string CustomId { get; } = entry.Id;

    /// <summary>The schema the record's answer must follow, if any.</summary>
    public string? SchemaId { get; } = entry.SchemaId;

    /// <summary>The record's line number (0-based) in its part.</summary>
    public int Ordinal { get; } = ordinal;

    /// <summary>The part the record was last sent in.</summary>
    public PartRecord Part { get; } = part;

    public int Attempts { get; } = attempts;

    /// <summary>The result of the latest attempt, once its batch's results are in the ledger.</summary>
    public ResultLine? Result { get; } = result;

    public RecordState State => StateOf(Part, Result?.Status);

    /// <summary>
    /// A record's state from its latest part and the status of its latest result line, if any (a line counts only
    /// once its part's results are all in: a part downloaded in part is still submitted).
    /// </summary>
    public static RecordState StateOf(PartRecord part, ResultStatus? status) => status is null || !part.ResultsDownloaded
        ? (part.BatchId is null && part.State == BatchState.Pending ? RecordState.Pending : RecordState.Submitted)
        : status switch
        {
            ResultStatus.Succeeded => RecordState.Succeeded,
            ResultStatus.Expired => RecordState.Expired,
            ResultStatus.Canceled => RecordState.Canceled,
            _ => RecordState.Failed,
        };

    /// <summary>Ended in a way worth another try, with attempts left.</summary>
    public bool CanRetry => CanRetryOf(State, Result?.Retryable == true, Attempts, maxAttempts);

    public static bool CanRetryOf(RecordState state, bool retryable, int attempts, int maxAttempts) =>
        state is RecordState.Failed or RecordState.Expired or RecordState.Canceled && retryable && attempts < maxAttempts;
}

/// <summary>
/// The per-record view of a job's ledger. Every part lists its custom ids (<c>parts/part-NNNN.ids</c>); a record's
/// latest part is the last one listing it, and its result is the latest line for it in <c>results.jsonl</c> (each
/// download writes one line per record of the part, synthesizing one when the provider returned none). Only ids and
/// offsets are held in memory.
/// </summary>
internal static class JobRecords
{
    /// <summary>Every record, part by part in the order the parts were made; each record once, at its latest part.</summary>
    public static IEnumerable<RecordStatus> Read(JobLedger ledger, JobManifest manifest)
    {
        var index = ResultFile.Index(ledger.ResultsPath, manifest.RequestCount);
        using var results = File.Exists(ledger.ResultsPath) ? new RandomAccessLines(ledger.ResultsPath) : null;
        foreach (var (entry, part, ordinal, attempts) in Latest(ledger, manifest))
        {
            var line = results is not null && part.ResultsDownloaded && index.TryGetOffset(entry.Id, out var offset) ? ResultFile.Parse(results.ReadBytesAt(offset)) : null;
            yield return new RecordStatus(entry, part, ordinal, attempts, line, manifest.MaxAttempts);
        }
    }

    /// <summary>
    /// How many records are in each state. Done after every download, so it needs only each result's outcome: from
    /// <paramref name="index"/> when the caller has it (a download keeps it), else from one pass over the results file.
    /// </summary>
    /// <param name="counted">
    /// Parts whose records a download has just counted (see <see cref="PartRoster.Counts"/>), by part index: used as
    /// they are when every record was sent once (else a record's latest part decides, and each is looked up).
    /// </param>
    public static RecordCounts Count(JobLedger ledger, JobManifest manifest, ResultIndex? index = null, IReadOnlyDictionary<int, RecordCounts>? counted = null)
    {
        var counts = new RecordCounts();
        if (counted is not null && manifest.Parts.All(p => p.Attempt == 1 && counted.ContainsKey(p.Index)))
        {
            foreach (var part in manifest.Parts)
            {
                counts.Add(counted[part.Index]);
            }

            return counts;
        }

        index ??= ResultFile.Index(ledger.ResultsPath, manifest.RequestCount);
        foreach (var (entry, part, _, attempts) in Latest(ledger, manifest))
        {
            var known = index.TryGetOutcome(entry.Id, out var status, out var retryable);
            var state = RecordStatus.StateOf(part, known ? status : null);
            counts.Add(state);
            if (RecordStatus.CanRetryOf(state, known && retryable, attempts, manifest.MaxAttempts))
            {
                counts.Retryable++;
            }
        }

        return counts;
    }

    /// <summary>
    /// Every record at its latest part (the last part that lists it), with its line number in that part and how many
    /// parts listed it. Only ids and numbers are held in memory.
    /// </summary>
    private static IEnumerable<(PartEntry Entry, PartRecord Part, int Ordinal, int Attempts)> Latest(JobLedger ledger, JobManifest manifest)
    {
        EnsureIdFiles(ledger, manifest);
        if (manifest.Parts.All(p => p.Attempt == 1))
        {
            // Nothing was sent again (a custom id is unique in a job): each record is in one part, once.
            foreach (var part in manifest.Parts)
            {
                var ordinal = 0;
                foreach (var entry in PartEntries(ledger, part))
                {
                    yield return (entry, part, ordinal++, 1);
                }
            }

            yield break;
        }

        var latest = new CustomIdMap(); // id -> (attempts << 32) | part index
        foreach (var part in manifest.Parts)
        {
            foreach (var entry in PartEntries(ledger, part))
            {
                var attempts = latest.TryGetValue(entry.Id, out var known) ? (int)(known >> 32) : 0;
                latest.Set(entry.Id, ((long)(attempts + 1) << 32) | (uint)part.Index);
            }
        }

        foreach (var part in manifest.Parts)
        {
            var ordinal = -1;
            foreach (var entry in PartEntries(ledger, part))
            {
                ordinal++;
                latest.TryGetValue(entry.Id, out var value);
                if ((int)(value & 0xFFFFFFFF) == part.Index) // else sent again in a later part
                {
                    yield return (entry, part, ordinal, (int)(value >> 32));
                }
            }
        }
    }

    /// <summary>The records of a part, in line order: custom id, and schema id when the answer must follow one.</summary>
    public static IEnumerable<PartEntry> PartEntries(JobLedger ledger, PartRecord part)
    {
        using var reader = new StreamReader(Path.Combine(ledger.Folder, PartBuilder.IdsFile(part)), new UTF8Encoding(false));
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            if (line.Length == 0)
            {
                continue;
            }

            var tab = line.IndexOf('\t');
            yield return tab < 0 ? new PartEntry(line, null) : new PartEntry(line.Substring(0, tab), line.Substring(tab + 1));
        }
    }

    /// <summary>Jobs prepared before parts listed their ids: derive the lists from the request file once.</summary>
    private static void EnsureIdFiles(JobLedger ledger, JobManifest manifest)
    {
        var missing = manifest.Parts.Where(p => !File.Exists(Path.Combine(ledger.Folder, PartBuilder.IdsFile(p)))).ToDictionary(p => p.Index);
        if (missing.Count == 0)
        {
            return;
        }

        var temps = missing.ToDictionary(p => p.Key, p => AtomicFile.TempPathFor(Path.Combine(ledger.Folder, PartBuilder.IdsFile(p.Value))));
        var writers = temps.ToDictionary(p => p.Key, p => new StreamWriter(p.Value, append: false, new UTF8Encoding(false)));
        try
        {
            foreach (var request in RequestFile.ReadRecords(ledger.RequestsPath))
            {
                if (writers.TryGetValue(request.Part, out var writer))
                {
                    writer.Write(request.CustomId);
                    if (request.SchemaId is not null)
                    {
                        writer.Write('\t');
                        writer.Write(request.SchemaId);
                    }

                    writer.Write('\n');
                }
            }
        }
        finally
        {
            foreach (var writer in writers.Values)
            {
                writer.Dispose();
            }
        }

        foreach (var part in missing.Values)
        {
            var path = Path.Combine(ledger.Folder, PartBuilder.IdsFile(part));
            AtomicFile.MoveIntoPlace(temps[part.Index], path);
        }
    }
}
