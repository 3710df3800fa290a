using System.Globalization;
using BatchAI.Providers;
using BatchAI.Requests;

namespace BatchAI.Jobs;

/// <summary>
/// A job being prepared: requests are added one at a time and streamed to disk (the request file and the provider
/// batch files), never held in memory. Nothing is sent until the draft is submitted; a draft that is disposed without
/// being submitted leaves nothing behind.
/// </summary>
public sealed class JobDraft : IDisposable
{
    private readonly JobManifest _manifest;
    private readonly IBatchProvider _provider;
    private readonly string _stagingFolder;
    private readonly CustomIdMap _ids = new();
    private readonly PartBuilder _parts;
    private readonly ProviderLimits _limits;
    private readonly HashSet<string> _columnNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> _schemas = new(StringComparer.Ordinal);
    private readonly WriteBehind _writes = new();
    private readonly Stream _requests;
    private readonly RequestEncoder _encoder;
    private readonly EncodedChunk _single = new();
    private readonly List<RecordProblem> _rejections = [];
    private ColumnSet? _lastColumns;
    private SkippedLog? _skipped;
    private bool _closed;

    internal JobDraft(JobManifest manifest, IBatchProvider provider, ProviderLimits limits, string stagingFolder, string jobsFolder)
    {
        _limits = limits;
        _manifest = manifest;
        _provider = provider;
        _stagingFolder = stagingFolder;
        JobsFolder = jobsFolder;
        PrivateStore.Folder(Path.GetDirectoryName(stagingFolder)!);
        PrivateStore.Folder(stagingFolder);
        _parts = new PartBuilder(stagingFolder, limits, firstIndex: 1, attempt: 1, _writes);
        _encoder = CreateEncoder();
        _requests = _writes.Open(PrivateStore.Create(Path.Combine(stagingFolder, JobLedger.RequestsFile), FileMode.CreateNew));
    }

    public string JobId => _manifest.Id;

    public string? Name => _manifest.Name;

    public ProviderKind Provider => _manifest.Provider;

    /// <summary>Requests added so far.</summary>
    public long Count => _manifest.RequestCount;

    /// <summary>Requests refused so far (each reported as a <see cref="RecordProblem"/>).</summary>
    public long RejectedCount { get; private set; }

    /// <summary>
    /// Whether refused records are left out and the rest submitted (each listed in the job's <c>skipped.jsonl</c>),
    /// rather than nothing being sent. Off unless the job asked for it.
    /// </summary>
    public bool SkipsInvalidRecords { get; internal init; }

    /// <summary>With a pilot: how many requests go out first; the rest are held until the job is released.</summary>
    public long? PilotSize { get; internal init; }

    /// <summary>Whether a spending cap may stop this job (false when the submit was forced).</summary>
    public bool CheckSpendingCap { get; internal init; } = true;

    /// <summary>Running token totals per model, for the cost estimate the spending cap checks.</summary>
    internal Costs.CostPlanner Plan { get; } = new(null, Costs.SpendingCap.AssumedOutputTokens, useTokenizer: false);

    /// <summary>What problems with custom ids name as the field: the input's id column when the ids came from one.</summary>
    public string IdField { get; set; } = "CustomId";

    /// <summary>The provider batches the requests fill so far.</summary>
    public int PartCount => _parts.PartCount;

    internal string JobsFolder { get; }

    internal JobManifest Manifest => _manifest;

    internal IBatchProvider BatchProvider => _provider;

    /// <summary>Adds a request, or returns why it cannot be added (a duplicate custom id, a request too large for a batch).</summary>
    public IReadOnlyList<RecordProblem> Add(BatchRequest request)
    {
        if (request is null)
        {
            throw new ArgumentNullException(nameof(request));
        }

        if (_closed)
        {
            throw new InvalidOperationException("The draft has been submitted or discarded.");
        }

        _single.Clear();
        _encoder.Encode(request, _single);
        return Place(_single, 0);
    }

    /// <summary>A new encoder for this draft's provider, for a thread that encodes requests ahead of <see cref="Place"/>.</summary>
    internal RequestEncoder CreateEncoder() => new(_provider, _limits);

    /// <summary>
    /// Adds the request a chunk holds at <paramref name="index"/>, encoded by <see cref="CreateEncoder"/>'s encoder,
    /// or refuses it: for the problems found while it was read, built or encoded, or for a duplicate custom id.
    /// Requests must be placed in input order.
    /// </summary>
    internal IReadOnlyList<RecordProblem> Place(EncodedChunk chunk, int index)
    {
        if (_closed)
        {
            throw new InvalidOperationException("The draft has been submitted or discarded.");
        }

        ref readonly var entry = ref chunk[index];
        if (entry.Problems is { } problems)
        {
            foreach (var problem in problems)
            {
                Reject(problem);
            }

            return problems;
        }

        var id = chunk.Bytes(entry.Id);
        if (!_ids.TryAdd(id, entry.Row, out var firstRow))
        {
            var text = System.Text.Encoding.ASCII.GetString(chunk.Buffer, entry.Id.Start, entry.Id.Length);
            return Reject(new RecordProblem(entry.Row, entry.Line, IdField, "CustomIdDuplicate", string.Format(CultureInfo.InvariantCulture, "the custom id '{0}' was already used by row {1}", text, firstRow)));
        }

        if (PilotSize is { } pilot && _manifest.RequestCount == pilot)
        {
            _parts.HoldFromHere();
        }

        Plan.AddApproximated(entry.Model, entry.MaxOutputTokens, entry.Tokens);
        var part = _parts.Add(entry.Model, id, entry.Schema?.Id, chunk.Buffer, entry.RequestLine.Start, entry.RequestLine.Length, entry.Tokens);
        _requests.Write(chunk.Buffer, entry.LedgerLine.Start, entry.LedgerLine.Length);
        RequestFile.EndWithPart(_requests, part.Index);

        _manifest.RequestCount++;
        Remember(entry.Columns, entry.Model, entry.Schema);
        return [];
    }

    /// <summary>Discards the draft if it was not submitted, and releases its provider connection either way.</summary>
    public void Dispose()
    {
        if (!_closed)
        {
            Close(keep: false);
            TryDelete(_stagingFolder);
        }

        _writes.Dispose();
        _provider.Dispose();
    }

    /// <summary>
    /// Throws when any request was refused: a job goes out whole or not at all. The exception carries the first
    /// refusals (each was also returned by <see cref="Add"/>).
    /// </summary>
    public void ThrowIfAnyRejected()
    {
        if (RejectedCount > 0 && !SkipsInvalidRecords)
        {
            throw new InvalidRecordsException(_rejections, RejectedCount);
        }
    }

    /// <summary>Closes the files and moves the job into the store, where it can be submitted (and resumed) from.</summary>
    internal JobLedger Complete()
    {
        if (RejectedCount > 0 && !SkipsInvalidRecords)
        {
            Dispose();
            ThrowIfAnyRejected();
        }

        if (_manifest.RequestCount == 0)
        {
            Dispose();
            throw BatchAIException.InvalidInput("JobEmpty", RejectedCount > 0
                ? $"None of the {RejectedCount:N0} request(s) could be used; nothing was submitted."
                : "There are no requests to submit: the input had no records.");
        }

        Close(keep: true);
        _manifest.SkippedCount = RejectedCount;
        _manifest.Parts = _manifest.Parts.OrderBy(p => p.Index).ToList();
        var ledger = new JobLedger(_stagingFolder);
        ledger.Save(_manifest);
        var folder = Path.Combine(JobsFolder, _manifest.Id);
        PrivateStore.Folder(JobsFolder);
        Directory.Move(_stagingFolder, folder);
        return new JobLedger(folder);
    }

    private IReadOnlyList<RecordProblem> Reject(RecordProblem problem)
    {
        RejectedCount++;
        if (SkipsInvalidRecords)
        {
            _skipped ??= new SkippedLog(Path.Combine(_stagingFolder, SkippedLog.FileName));
            _skipped.Add(problem);
        }

        if (_rejections.Count < RecordSubmission.MaxProblemsKept)
        {
            _rejections.Add(problem);
        }

        return [problem];
    }

    private void Remember(ColumnSet columns, string model, ResponseSchema? schema)
    {
        if (!ReferenceEquals(columns, _lastColumns))
        {
            _lastColumns = columns;
            foreach (var name in columns.Names)
            {
                if (_columnNames.Add(name))
                {
                    _manifest.Columns.Add(name);
                }
            }
        }

        if (!_manifest.Models.Contains(model))
        {
            _manifest.Models.Add(model);
        }

        if (schema is not null && _schemas.Add(schema.Id))
        {
            _manifest.SchemaNames[schema.Id] = schema.Name;
            var path = Path.Combine(_stagingFolder, "schemas", schema.Id + ".json");
            PrivateStore.Folder(Path.GetDirectoryName(path)!);
            using var file = PrivateStore.Create(path, FileMode.Create);
            var bytes = System.Text.Encoding.UTF8.GetBytes(schema.Json);
            file.Write(bytes, 0, bytes.Length);
        }
    }

    /// <param name="keep">True to make every file durable (the job goes into the store); false when the draft is discarded.</param>
    private void Close(bool keep)
    {
        _closed = true;
        if (!keep)
        {
            _writes.Dispose(); // the files are deleted next: nothing more needs writing
        }

        try
        {
            _skipped?.Dispose();
            _requests.Dispose();
            if (keep)
            {
                _manifest.Parts.AddRange(_parts.Complete()); // waits until the request file and every part are on disk
            }
        }
        finally
        {
            _parts.Dispose();
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover staging folder is harmless: it is never read as a job.
        }
    }
}
