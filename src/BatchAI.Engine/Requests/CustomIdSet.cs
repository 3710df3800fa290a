namespace BatchAI.Requests;

/// <summary>
/// The set of custom ids seen so far, and the row that first used each. Ids are ASCII (see <see cref="CustomIds"/>),
/// so they are kept as bytes in one growing buffer with an open-addressing index into it: about 20 bytes per id
/// instead of a string object and a hash-set node each. A million ids fit in roughly 30 MB.
/// </summary>
internal sealed class CustomIdSet
{
    private byte[] _bytes = new byte[4096];
    private int _byteCount;
    private int[] _offsets = new int[256];
    private byte[] _lengths = new byte[256];
    private long[] _rows = new long[256];
    private int _count;
    private int[] _slots = new int[512]; // index + 1 into the arrays above; 0 = empty.

    public int Count => _count;

    /// <summary>Adds <paramref name="id"/>; when it was already present, returns false and the row that used it first.</summary>
    /// <exception cref="ArgumentException">The id is not a valid custom id.</exception>
    public bool TryAdd(string id, long row, out long firstRow)
    {
        if (!CustomIds.IsValid(id))
        {
            throw new ArgumentException(CustomIds.Explain(id), nameof(id));
        }

        var hash = Hash(id);
        var mask = _slots.Length - 1;
        var slot = hash & mask;
        while (_slots[slot] != 0)
        {
            var entry = _slots[slot] - 1;
            if (Matches(entry, id))
            {
                firstRow = _rows[entry];
                return false;
            }

            slot = (slot + 1) & mask;
        }

        Append(id, row);
        _slots[slot] = _count;
        if (_count * 2 > _slots.Length)
        {
            Rehash();
        }

        firstRow = row;
        return true;
    }

    public bool Contains(string id)
    {
        if (!CustomIds.IsValid(id))
        {
            return false;
        }

        var mask = _slots.Length - 1;
        var slot = Hash(id) & mask;
        while (_slots[slot] != 0)
        {
            if (Matches(_slots[slot] - 1, id))
            {
                return true;
            }

            slot = (slot + 1) & mask;
        }

        return false;
    }

    private static int Hash(string id)
    {
        // FNV-1a over the ASCII bytes; good spread for short keys and cheap.
        unchecked
        {
            var hash = (int)2166136261;
            foreach (var c in id)
            {
                hash = (hash ^ c) * 16777619;
            }

            return hash & int.MaxValue;
        }
    }

    private bool Matches(int entry, string id)
    {
        if (_lengths[entry] != id.Length)
        {
            return false;
        }

        var offset = _offsets[entry];
        for (var i = 0; i < id.Length; i++)
        {
            if (_bytes[offset + i] != id[i])
            {
                return false;
            }
        }

        return true;
    }

    private void Append(string id, long row)
    {
        if (_byteCount + id.Length > _bytes.Length)
        {
            Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _byteCount + id.Length));
        }

        if (_count == _offsets.Length)
        {
            Array.Resize(ref _offsets, _count * 2);
            Array.Resize(ref _lengths, _count * 2);
            Array.Resize(ref _rows, _count * 2);
        }

        for (var i = 0; i < id.Length; i++)
        {
            _bytes[_byteCount + i] = (byte)id[i];
        }

        _offsets[_count] = _byteCount;
        _lengths[_count] = (byte)id.Length;
        _rows[_count] = row;
        _byteCount += id.Length;
        _count++;
    }

    private void Rehash()
    {
        _slots = new int[_slots.Length * 2];
        var mask = _slots.Length - 1;
        for (var entry = 0; entry < _count; entry++)
        {
            var slot = HashAt(entry) & mask;
            while (_slots[slot] != 0)
            {
                slot = (slot + 1) & mask;
            }

            _slots[slot] = entry + 1;
        }
    }

    private int HashAt(int entry)
    {
        // Same FNV-1a as Hash(string), read from the stored bytes so growing the index allocates no strings.
        unchecked
        {
            var hash = (int)2166136261;
            var end = _offsets[entry] + _lengths[entry];
            for (var i = _offsets[entry]; i < end; i++)
            {
                hash = (hash ^ _bytes[i]) * 16777619;
            }

            return hash & int.MaxValue;
        }
    }
}
