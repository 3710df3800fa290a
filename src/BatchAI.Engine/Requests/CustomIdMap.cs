namespace BatchAI.Requests;

/// <summary>
/// Custom ids mapped to a number: the row that first used an id (duplicate detection), or where an id's result
/// sits in a file (joining results back). Ids are ASCII (see <see cref="CustomIds"/>), so they are kept as bytes in
/// one growing buffer with an open-addressing index into it, with each id's offset, length, value and hash in arrays
/// beside it: no object per id. A million ids of about 10 characters take roughly 40 MB, room to grow included.
/// </summary>
internal sealed class CustomIdMap
{
    private const int MaxIdBytes = CustomIds.MaxLength;

    private byte[] _bytes = new byte[4096];
    private int _byteCount;
    private int[] _offsets = new int[256];
    private byte[] _lengths = new byte[256];
    private long[] _values = new long[256];
    private int _count;
    private int[] _hashes = new int[256]; // each id's hash: a probe compares it before the bytes, and growing reads no bytes
    private int[] _slots = new int[512]; // index + 1 into the arrays above; 0 = empty.

    public CustomIdMap()
    {
    }

    /// <summary>A map with room for <paramref name="capacity"/> ids before it has to grow (and rehash every id).</summary>
    public CustomIdMap(int capacity)
    {
        var entries = Math.Max(256, capacity);
        _offsets = new int[entries];
        _lengths = new byte[entries];
        _values = new long[entries];
        _hashes = new int[entries];
        var slots = 512;
        while (slots < entries * 2)
        {
            slots *= 2;
        }

        _slots = new int[slots];
        _bytes = new byte[Math.Max(4096, entries * 10)];
    }

    public int Count => _count;

    /// <summary>Adds <paramref name="id"/>; when it was already present, returns false and leaves its value as it was.</summary>
    /// <exception cref="ArgumentException">The id is not a valid custom id.</exception>
    public bool TryAdd(string id, long value, out long existing) => TryAdd(Ascii(id, stackalloc byte[MaxIdBytes]), value, out existing);

    /// <summary>As <see cref="TryAdd(string, long, out long)"/>, for an id given as its ASCII bytes, already known to be valid.</summary>
    public bool TryAdd(ReadOnlySpan<byte> id, long value, out long existing)
    {
        var slot = Find(id, out var hash);
        if (_slots[slot] != 0)
        {
            existing = _values[_slots[slot] - 1];
            return false;
        }

        Insert(slot, id, hash, value);
        existing = value;
        return true;
    }

    /// <summary>Adds <paramref name="id"/> or replaces its value.</summary>
    public void Set(string id, long value)
    {
        var bytes = Ascii(id, stackalloc byte[MaxIdBytes]);
        var slot = Find(bytes, out var hash);
        if (_slots[slot] != 0)
        {
            _values[_slots[slot] - 1] = value;
        }
        else
        {
            Insert(slot, bytes, hash, value);
        }
    }

    public bool TryGetValue(string id, out long value)
    {
        if (CustomIds.IsValid(id))
        {
            var slot = Find(Ascii(id, stackalloc byte[MaxIdBytes]), out _);
            if (_slots[slot] != 0)
            {
                value = _values[_slots[slot] - 1];
                return true;
            }
        }

        value = 0;
        return false;
    }

    public bool Contains(string id) => TryGetValue(id, out _);

    /// <summary>A valid id's characters as bytes (they are ASCII), in <paramref name="buffer"/>.</summary>
    private static ReadOnlySpan<byte> Ascii(string id, Span<byte> buffer)
    {
        if (!CustomIds.IsValid(id))
        {
            throw new ArgumentException(CustomIds.Explain(id), nameof(id));
        }

        for (var i = 0; i < id.Length; i++)
        {
            buffer[i] = (byte)id[i];
        }

        return buffer.Slice(0, id.Length);
    }

    /// <summary>The slot that holds <paramref name="id"/>, or the empty slot where it belongs.</summary>
    private int Find(ReadOnlySpan<byte> id, out int hash)
    {
        hash = Hash(id);
        var mask = _slots.Length - 1;
        var slot = hash & mask;
        while (_slots[slot] != 0 && (_hashes[_slots[slot] - 1] != hash || !Matches(_slots[slot] - 1, id)))
        {
            slot = (slot + 1) & mask;
        }

        return slot;
    }

    private void Insert(int slot, ReadOnlySpan<byte> id, int hash, long value)
    {
        Append(id, value, hash);
        _slots[slot] = _count;
        if (_count * 2 > _slots.Length)
        {
            Rehash();
        }
    }

    private static int Hash(ReadOnlySpan<byte> id)
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

    private bool Matches(int entry, ReadOnlySpan<byte> id) =>
        _lengths[entry] == id.Length && id.SequenceEqual(new ReadOnlySpan<byte>(_bytes, _offsets[entry], id.Length));

    private void Append(ReadOnlySpan<byte> id, long value, int hash)
    {
        if (_byteCount + id.Length > _bytes.Length)
        {
            Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _byteCount + id.Length));
        }

        if (_count == _offsets.Length)
        {
            Array.Resize(ref _offsets, _count * 2);
            Array.Resize(ref _lengths, _count * 2);
            Array.Resize(ref _values, _count * 2);
            Array.Resize(ref _hashes, _count * 2);
        }

        _hashes[_count] = hash;
        id.CopyTo(new Span<byte>(_bytes, _byteCount, id.Length));
        _offsets[_count] = _byteCount;
        _lengths[_count] = (byte)id.Length;
        _values[_count] = value;
        _byteCount += id.Length;
        _count++;
    }

    private void Rehash()
    {
        _slots = new int[_slots.Length * 2];
        var mask = _slots.Length - 1;
        for (var entry = 0; entry < _count; entry++)
        {
            var slot = _hashes[entry] & mask;
            while (_slots[slot] != 0)
            {
                slot = (slot + 1) & mask;
            }

            _slots[slot] = entry + 1;
        }
    }
}
