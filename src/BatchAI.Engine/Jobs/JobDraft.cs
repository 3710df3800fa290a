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
    private readonly FileStream _requests;
    private readonly IO.JsonLine _line = new();
    private readonly IO.JsonLine _ledgerLine = new();
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
        _parts = new PartBuilder(stagingFolder, limits, firstIndex: 1, attempt: 1);
        _requests = PrivateStore.Create(Path.Combine(stagingFolder, JobLedger.RequestsFile), FileMode.CreateNew);
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

    /// <summary>
    /// Records a problem found before the request reached the draft (an unreadable row, a missing field), so a job
    /// that skips invalid records lists it, and one that does not is refused.
    /// </summary>
    public void Refuse(RecordProblem problem) => Reject(problem ?? throw new ArgumentNullException(nameof(problem)));

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

        if (_provider.Check(request) is { } refused)
        {
            return Reject(refused);
        }

        // Encode first: a request refused for its size must not claim its custom id.
        _line.Clear();
        _provider.WriteRequestLine(_line, request);
        if (_line.Length + 1 > _limits.MaxBytesPerBatch)
        {
            return Reject(RecordProblem.For(request.Source, null, "RequestTooLarge", string.Format(CultureInfo.InvariantCulture, "the request is {0:N0} bytes; one {1} batch holds at most {2:N0}", _line.Length, _provider.Kind, _limits.MaxBytesPerBatch)));
        }

        if (!_ids.TryAdd(request.CustomId, request.RowNumber, out var firstRow))
        {
            return Reject(RecordProblem.For(request.Source, IdField, "CustomIdDuplicate", string.Format(CultureInfo.InvariantCulture, "the custom id '{0}' was already used by row {1}", request.CustomId, firstRow)));
        }

        if (PilotSize is { } pilot && _manifest.RequestCount == pilot)
        {
            _parts.HoldFromHere();
        }

        var tokens = Plan.Add(request);
        var part = _parts.Add(request.Model, request.CustomId, request.Schema?.Id, _line.Buffer, _line.Length, tokens);
        _ledgerLine.Clear();
        RequestFile.Write(_ledgerLine, request, part.Index);
        _ledgerLine.EndLine();
        _requests.Write(_ledgerLine.Buffer, 0, _ledgerLine.Length);

        _manifest.RequestCount++;
        Remember(request);
        return [];
    }

    /// <summary>Discards the draft if it was not submitted, and releases its provider connection either way.</summary>
    public void Dispose()
    {
        if (!_closed)
        {
            Close();
            TryDelete(_stagingFolder);
        }

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

        Close();
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

    private void Remember(BatchRequest request)
    {
        if (!ReferenceEquals(request.Source.Columns, _lastColumns))
        {
            _lastColumns = request.Source.Columns;
            foreach (var name in request.Source.Columns.Names)
            {
                if (_columnNames.Add(name))
                {
                    _manifest.Columns.Add(name);
                }
            }
        }

        if (!_manifest.Models.Contains(request.Model))
        {
            _manifest.Models.Add(request.Model);
        }

        if (request.Schema is { } schema && _schemas.Add(schema.Id))
        {
            _manifest.SchemaNames[schema.Id] = schema.Name;
            var path = Path.Combine(_stagingFolder, "schemas", schema.Id + ".json");
            PrivateStore.Folder(Path.GetDirectoryName(path)!);
            using var file = PrivateStore.Create(path, FileMode.Create);
            var bytes = System.Text.Encoding.UTF8.GetBytes(schema.Json);
            file.Write(bytes, 0, bytes.Length);
        }
    }

    private void Close()
    {
        _closed = true;
        _skipped?.Dispose();
        _manifest.Parts.AddRange(_parts.Complete());
        _parts.Dispose();
        _requests.Flush(flushToDisk: true);
        _requests.Dispose();
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
