using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using BatchAI.Providers;
using BatchAI.Requests;

namespace BatchAI.Jobs;

/// <summary>
/// The answers of a part's plain successes (see <see cref="SucceededRow.TakesAsItIs"/>), kept in memory by the download for a join into a CSV or TSV file: such a record's row is then written
/// from its stored request line and this (see <see cref="SucceededRow"/>), and its result line is not read back from
/// the ledger. Reading a million lines back and parsing them again was a third of that join's processor time.
/// </summary>
/// <remarks>
/// Kept as UTF-8 in blocks of <see cref="BlockSize"/> bytes rented from the shared pool, with no object per answer;
/// all parts together hold at most what their <see cref="AnswerBudget"/> allows, and a part gives its blocks back
/// when the join is past it. An answer that is not plain, does not fit a block, or finds the budget spent is simply
/// not kept: the join reads its line from the ledger, as it does for every record when nothing is kept.
/// </remarks>
internal sealed class KeptAnswers
{
    /// <summary>The size of a block; an answer (with its id) longer than this is not kept.</summary>
    public const int BlockSize = 1 << 20;

    /// <summary>The most the parts of one receive keep at once (a part of 50,000 short answers takes about 7 MB).</summary>
    public const long DefaultBudget = 32L << 20;

    private const int NotKept = -1;

    private static readonly Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly AnswerBudget _budget;
    private readonly int[] _places; // by ordinal: block << 20 | offset of its entry, NotKept when none
    private readonly int[] _inputTokens; // by ordinal, -1 when the line has none
    private readonly int[] _outputTokens;
    private readonly List<byte[]> _blocks = [];
    private int _used = BlockSize; // in the last block; a full "last block" before the first is rented
    private bool _spent; // the budget refused a block: nothing more is kept

    /// <param name="records">How many records the part has (its id list's lines).</param>
    /// <param name="budget">Shared by every part of the receive.</param>
    public KeptAnswers(int records, AnswerBudget budget)
    {
        _budget = budget;
        _places = new int[records];
        _places.AsSpan().Fill(NotKept);
        _inputTokens = new int[records];
        _outputTokens = new int[records];
    }

    /// <summary>
    /// Keeps <paramref name="line"/>'s answer for the record at <paramref name="ordinal"/> when it is plain and there is
    /// room; otherwise forgets whatever was kept for it before (a later line replaces an earlier one).
    /// </summary>
    public void Keep(int ordinal, ResultLine line)
    {
        _places[ordinal] = NotKept;
        if (_spent || !SucceededRow.TakesAsItIs(line))
        {
            return;
        }

        var text = line.Text!;

        // Its id (ASCII: the roster found it, so it is one of ours), then its text's length and bytes. The text is
        // measured only when the most it could take does not fit what is left of the block.
        var id = line.CustomId;
        if (_used + 1 + id.Length + sizeof(int) + StrictUtf8.GetMaxByteCount(text.Length) > BlockSize)
        {
            int size;
            try
            {
                size = 1 + id.Length + sizeof(int) + StrictUtf8.GetByteCount(text);
            }
            catch (EncoderFallbackException)
            {
                return; // a lone surrogate: the row is the general way's to write
            }

            if (size > BlockSize || !TryRoom(size))
            {
                return;
            }
        }

        var block = _blocks[_blocks.Count - 1];
        var at = _used;
        block[at] = (byte)id.Length;
        for (var i = 0; i < id.Length; i++)
        {
            block[at + 1 + i] = (byte)id[i];
        }

        var textAt = at + 1 + id.Length + sizeof(int);
        int length;
        try
        {
            length = StrictUtf8.GetBytes(text, 0, text.Length, block, textAt);
        }
        catch (EncoderFallbackException)
        {
            return; // a lone surrogate: the row is the general way's to write
        }

        BinaryPrimitives.WriteInt32LittleEndian(block.AsSpan(textAt - sizeof(int)), length);
        _used = textAt + length;
        _places[ordinal] = ((_blocks.Count - 1) << 20) | at;
        _inputTokens[ordinal] = line.InputTokens ?? -1;
        _outputTokens[ordinal] = line.OutputTokens ?? -1;
    }

    /// <summary>The answer kept for the record at <paramref name="ordinal"/>, if any.</summary>
    public bool TryGet(int ordinal, out KeptAnswer answer)
    {
        var place = (uint)ordinal < (uint)_places.Length ? _places[ordinal] : NotKept;
        if (place == NotKept)
        {
            answer = default;
            return false;
        }

        var block = _blocks[place >> 20];
        var at = place & (BlockSize - 1);
        var id = new ReadOnlySpan<byte>(block, at + 1, block[at]);
        var textAt = at + 1 + id.Length + sizeof(int);
        var text = new ReadOnlySpan<byte>(block, textAt, BinaryPrimitives.ReadInt32LittleEndian(new ReadOnlySpan<byte>(block, textAt - sizeof(int), sizeof(int))));
        answer = new KeptAnswer(id, text, _inputTokens[ordinal], _outputTokens[ordinal]);
        return true;
    }

    /// <summary>Gives the blocks back (to the pool and the budget); nothing is kept after this.</summary>
    public void Release()
    {
        _places.AsSpan().Fill(NotKept);
        foreach (var block in _blocks)
        {
            ArrayPool<byte>.Shared.Return(block);
        }

        _budget.Give(_blocks.Count * (long)BlockSize);
        _blocks.Clear();
        _used = BlockSize;
        _spent = true;
    }

    /// <summary>Room for <paramref name="bytes"/> in the last block, renting another when the budget allows.</summary>
    private bool TryRoom(int bytes)
    {
        if (_used + bytes <= BlockSize)
        {
            return true;
        }

        if (!_budget.TryTake(BlockSize))
        {
            _spent = true;
            return false;
        }

        _blocks.Add(ArrayPool<byte>.Shared.Rent(BlockSize));
        _used = 0;
        return true;
    }
}

/// <summary>An answer <see cref="KeptAnswers"/> kept: the record's custom id and text as UTF-8, its token counts (-1: none).</summary>
internal readonly ref struct KeptAnswer(ReadOnlySpan<byte> customId, ReadOnlySpan<byte> text, int inputTokens, int outputTokens)
{
    public ReadOnlySpan<byte> CustomId { get; } = customId;

    public ReadOnlySpan<byte> Text { get; } = text;

    public int InputTokens { get; } = inputTokens;

    public int OutputTokens { get; } = outputTokens;

    /// <summary>Whether this is the answer of <paramref name="customId"/>.</summary>
    public bool IsFor(string customId) => CustomIds.IsSame(CustomId, customId);
}

/// <summary>How many bytes the kept answers of one receive may still take; shared by its parts, taken and given back from two threads.</summary>
internal sealed class AnswerBudget(long bytes)
{
    private long _left = bytes;

    public bool TryTake(long bytes)
    {
        if (Interlocked.Add(ref _left, -bytes) >= 0)
        {
            return true;
        }

        Interlocked.Add(ref _left, bytes);
        return false;
    }

    public void Give(long bytes) => Interlocked.Add(ref _left, bytes);

    /// <summary>What is left (for tests).</summary>
    public long Left => Interlocked.Read(ref _left);
}
