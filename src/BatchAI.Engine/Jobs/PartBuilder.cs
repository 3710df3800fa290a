using System.Globalization;
using System.Text;
using BatchAI.Providers;

namespace BatchAI.Jobs;

/// <summary>
/// Fills provider batch input files ("parts") with encoded request lines: one model per part, a new part whenever the
/// provider's count or size limit would be passed, or the part would no longer fit the provider's queue on its own. Next to each <c>part-NNNN.jsonl</c> it writes
/// <c>part-NNNN.ids</c>, the custom ids in line order (each followed by a tab and its schema id when it has one), so
/// the ledger knows which part holds each record, and which schema its answer must follow, without reading provider
/// formats back. Used to prepare a job and to prepare its resubmissions.
/// </summary>
internal sealed class PartBuilder : IDisposable
{
    private readonly string _folder;
    private readonly ProviderLimits _limits;
    private readonly int _attempt;
    private readonly Dictionary<string, OpenPart> _open = new(StringComparer.Ordinal);
    private readonly List<PartRecord> _finished = [];
    private readonly WriteBehind _writes;
    private readonly bool _ownsWrites;
    private int _nextIndex;
    private bool _holding;

    /// <param name="folder">The job (or staging) folder; parts go under its <c>parts/</c>.</param>
    /// <param name="firstIndex">The index of the first part this builder starts.</param>
    /// <param name="attempt">1 for a job's first submission, 2 for its first resubmission, and so on.</param>
    /// <param name="writes">The writer the part files go through, when the caller shares its own; otherwise the builder has one.</param>
    public PartBuilder(string folder, ProviderLimits limits, int firstIndex, int attempt, WriteBehind? writes = null)
    {
        _folder = folder;
        _ownsWrites = writes is null;
        _writes = writes ?? new WriteBehind();
        _limits = limits;
        _nextIndex = firstIndex;
        _attempt = attempt;
        PrivateStore.Folder(Path.Combine(folder, "parts"));
    }

    /// <summary>Parts started so far.</summary>
    public int PartCount => _finished.Count + _open.Count;

    /// <summary>Appends one encoded request line (without its newline) and returns the part it went into.</summary>
    /// <param name="tokens">The request's input tokens, estimated: what it takes of the provider's queue.</param>
    public PartRecord Add(string model, string customId, string? schemaId, byte[] line, int count, long tokens) =>
        Add(model, Encoding.ASCII.GetBytes(customId), schemaId, line, 0, count, tokens);

    /// <summary>As <see cref="Add(string, string, string?, byte[], int, long)"/>, with the id as its ASCII bytes and the line at an offset.</summary>
    public PartRecord Add(string model, ReadOnlySpan<byte> customId, string? schemaId, byte[] line, int offset, int count, long tokens)
    {
        var part = PartFor(model, count + 1L, tokens);
        part.Lines.Write(line, offset, count);
        part.Lines.WriteByte((byte)'\n');
        part.WriteId(customId, schemaId);
        part.Record.Requests++;
        part.Record.Bytes += count + 1;
        part.Record.Tokens += tokens;
        return part.Record;
    }

    /// <summary>
    /// Closes the parts filled so far; the parts started from now on are held (a pilot: the first records go out,
    /// the rest waits for a release).
    /// </summary>
    public void HoldFromHere()
    {
        foreach (var part in _open.Values)
        {
            Finish(part);
        }

        _open.Clear();
        _holding = true;
    }

    /// <summary>Closes every part, waits until they (and all else handed to the same writer) are on disk, and returns them all, in index order.</summary>
    public List<PartRecord> Complete()
    {
        foreach (var part in _open.Values)
        {
            Finish(part);
        }

        _open.Clear();
        _writes.Drain();
        return _finished.OrderBy(p => p.Index).ToList();
    }

    /// <summary>Lets go of the parts; those not completed are not made durable (they are not used).</summary>
    public void Dispose()
    {
        if (_ownsWrites)
        {
            _writes.Dispose();
        }

        foreach (var part in _open.Values)
        {
            part.Dispose();
        }

        _open.Clear();
    }

    public static string IdsFile(PartRecord part) => Path.ChangeExtension(part.File, ".ids");

    private OpenPart PartFor(string model, long lineBytes, long tokens)
    {
        if (_open.TryGetValue(model, out var part)
            && part.Record.Requests < _limits.MaxRequestsPerBatch
            && part.Record.Bytes + lineBytes <= _limits.MaxBytesPerBatch
            && (_limits.MaxQueuedTokens is not { } queuedTokens || part.Record.Tokens + tokens <= queuedTokens)
            && (_limits.MaxQueuedRequests is not { } queuedRequests || part.Record.Requests < queuedRequests))
        {
            return part;
        }

        if (part is not null)
        {
            Finish(part);
        }

        // One model per batch: OpenAI does not document mixing models in a batch, and Azure rejects it.
        var index = _nextIndex++;
        var record = new PartRecord { Index = index, Attempt = _attempt, Held = _holding, Model = model, File = string.Format(CultureInfo.InvariantCulture, "parts/part-{0:0000}.jsonl", index) };
        part = new OpenPart(_writes, record, Path.Combine(_folder, record.File), Path.Combine(_folder, IdsFile(record)));
        _open[model] = part;
        return part;
    }

    private void Finish(OpenPart part)
    {
        // Both files are handed to the writer to be made durable; Complete waits for that.
        part.Dispose();
        _finished.Add(part.Record);
    }

    private sealed class OpenPart : IDisposable
    {
        private byte[] _idLine = new byte[128];

        public OpenPart(WriteBehind writes, PartRecord record, string linesPath, string idsPath)
        {
            Record = record;

            // Create, not CreateNew: a resubmission interrupted before its manifest was saved left files under these
            // names that nothing refers to; they are replaced.
            Lines = writes.Open(PrivateStore.Create(linesPath, FileMode.Create));
            Ids = writes.Open(PrivateStore.Create(idsPath, FileMode.Create));
        }

        public PartRecord Record { get; }

        public Stream Lines { get; }

        public Stream Ids { get; }

        /// <summary>Writes the id's line of the ids file: the id, then a tab and the schema id when there is one.</summary>
        public void WriteId(ReadOnlySpan<byte> customId, string? schemaId)
        {
            var length = customId.Length + 1 + (schemaId is null ? 0 : Encoding.UTF8.GetMaxByteCount(schemaId.Length) + 1);
            if (_idLine.Length < length)
            {
                _idLine = new byte[Math.Max(length, 2 * _idLine.Length)];
            }

            customId.CopyTo(_idLine);
            var used = customId.Length;
            if (schemaId is not null)
            {
                _idLine[used++] = (byte)'\t';
                used += Encoding.UTF8.GetBytes(schemaId, 0, schemaId.Length, _idLine, used);
            }

            _idLine[used++] = (byte)'\n';
            Ids.Write(_idLine, 0, used);
        }

        public void Dispose()
        {
            Ids.Dispose();
            Lines.Dispose();
        }
    }
}
