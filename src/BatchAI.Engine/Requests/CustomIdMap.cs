using System.Buffers.Binary;

namespace BatchAI.Requests;

/// <summary>
/// Custom ids mapped to a number: the row that first used an id (duplicate detection), or where an id's result
/// sits in a file (joining results back). Ids are ASCII (see <see cref="CustomIds"/>), so each entry is kept as bytes
/// in one growing buffer (its length, its id, its value), found through an open-addressing table whose slots hold
/// each entry's hash beside its place: no object per id. At a million ids every lookup misses the processor's
/// caches; this layout makes that two misses (the slot, then the entry), where an array per field made it five.
/// A million ids of about 10 characters take roughly 35 MB.
/// </summary>
internal sealed class CustomIdMap
{
    private const int MaxIdBytes = CustomIds.MaxLength;
    private const int ValueBytes = sizeof(long);

    private byte[] _entries; // per id: its length (1 byte), its bytes, its value (8 bytes, little-endian)
    private int _entryBytes;
    private int _count;
    private long[] _slots; // hash << 32 | (entry's place + 1); 0 = empty

    public CustomIdMap()
        : this(0)
    {
    }

    /// <summary>A map with room for <paramref name="capacity"/> ids before it has to grow (and rehash every id).</summary>
    public CustomIdMap(int capacity)
    {
        var entries = Math.Max(256, capacity);
        var slots = 512;
        while (slots < entries * 2)
        {
            slots *= 2;
        }

        _slots = new long[slots];
        _entries = new byte[entries * (1 + 10 + ValueBytes)];
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
            existing = ValueAt(slot);
            return false;
        }

        Insert(slot, id, hash, value);
        existing = value;
        return true;
    }

    /// <summary>Adds <paramref name="id"/> or replaces its value.</summary>
    /// <exception cref="ArgumentException">The id is not a valid custom id.</exception>
    public void Set(string id, long value) => Set(Ascii(id, stackalloc byte[MaxIdBytes]), value);

    /// <summary>As <see cref="Set(string, long)"/>, for an id given as its ASCII bytes, already known to be valid.</summary>
    public void Set(ReadOnlySpan<byte> id, long value)
    {
        var slot = Find(id, out var hash);
        if (_slots[slot] != 0)
        {
            BinaryPrimitives.WriteInt64LittleEndian(ValueSpan(slot), value);
        }
        else
        {
            Insert(slot, id, hash, value);
        }
    }

    public bool TryGetValue(string id, out long value)
    {
        if (TryAscii(id, stackalloc byte[MaxIdBytes], out var bytes))
        {
            var slot = Find(bytes, out _);
            if (_slots[slot] != 0)
            {
                value = ValueAt(slot);
                return true;
            }
        }

        value = 0;
        return false;
    }

    public bool Contains(string id) => TryGetValue(id, out _);

    /// <summary>A valid id's characters as bytes (they are ASCII), in <paramref name="buffer"/>.</summary>
    private static ReadOnlySpan<byte> Ascii(string id, Span<byte> buffer) =>
        TryAscii(id, buffer, out var bytes) ? bytes : throw new ArgumentException(CustomIds.Explain(id), nameof(id));

    /// <summary>Checks and copies in one pass (every download and join looks up a million ids); false when not a valid id.</summary>
    private static bool TryAscii(string? id, Span<byte> buffer, out ReadOnlySpan<byte> bytes)
    {
        bytes = default;
        if (id is null || id.Length is 0 or > MaxIdBytes)
        {
            return false;
        }

        for (var i = 0; i < id.Length; i++)
        {
            var c = id[i];
            if (!CustomIds.IsAllowed(c))
            {
                return false;
            }

            buffer[i] = (byte)c;
        }

        bytes = buffer.Slice(0, id.Length);
        return true;
    }

    /// <summary>The slot that holds <paramref name="id"/>, or the empty slot where it belongs.</summary>
    private int Find(ReadOnlySpan<byte> id, out int hash)
    {
        hash = Hash(id);
        var mask = _slots.Length - 1;
        var slot = hash & mask;
        while (_slots[slot] is var taken && taken != 0)
        {
            if ((int)(taken >> 32) == hash && Matches((int)taken - 1, id))
            {
                return slot;
            }

            slot = (slot + 1) & mask;
        }

        return slot;
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
        _entries[entry] == id.Length && id.SequenceEqual(new ReadOnlySpan<byte>(_entries, entry + 1, id.Length));

    private Span<byte> ValueSpan(int slot)
    {
        var entry = (int)_slots[slot] - 1;
        return new Span<byte>(_entries, entry + 1 + _entries[entry], ValueBytes);
    }

    private long ValueAt(int slot) => BinaryPrimitives.ReadInt64LittleEndian(ValueSpan(slot));

    private void Insert(int slot, ReadOnlySpan<byte> id, int hash, long value)
    {
        var size = 1 + id.Length + ValueBytes;
        if (_entryBytes + size > _entries.Length)
        {
            Array.Resize(ref _entries, (int)Math.Max(Math.Min(_entries.Length * 2L, 0x7FFFFFC7), _entryBytes + size)); // 0x7FFFFFC7: the largest byte array
        }

        var entry = _entryBytes;
        _entries[entry] = (byte)id.Length;
        id.CopyTo(new Span<byte>(_entries, entry + 1, id.Length));
        BinaryPrimitives.WriteInt64LittleEndian(new Span<byte>(_entries, entry + 1 + id.Length, ValueBytes), value);
        _entryBytes += size;
        _slots[slot] = ((long)hash << 32) | (uint)(entry + 1);
        _count++;
        if (_count * 2 > _slots.Length)
        {
            Rehash();
        }
    }

    /// <summary>Twice the slots; each entry's hash is in its slot, so no id is read again.</summary>
    private void Rehash()
    {
        var old = _slots;
        _slots = new long[old.Length * 2];
        var mask = _slots.Length - 1;
        foreach (var taken in old)
        {
            if (taken == 0)
            {
                continue;
            }

            var slot = (int)(taken >> 32) & mask;
            while (_slots[slot] != 0)
            {
                slot = (slot + 1) & mask;
            }

            _slots[slot] = taken;
        }
    }
}
