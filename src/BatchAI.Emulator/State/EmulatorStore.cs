using System.Text.Json;
using BatchAI.IO;

namespace BatchAI.Emulator.State;

/// <summary>
/// The emulator's state on disk: <c>files/&lt;id&gt;.json</c> + <c>files/&lt;id&gt;.bin</c>, and
/// <c>batches/&lt;id&gt;.json</c>. On disk rather than in memory so that uploads stream, and so that several
/// processes (a submit now, a wait later) can share one emulated provider.
/// </summary>
internal sealed class EmulatorStore
{
    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private readonly string _files;
    private readonly string _batches;

    public EmulatorStore(string root)
    {
        Root = root;
        _files = Path.Combine(root, "files");
        _batches = Path.Combine(root, "batches");
        Directory.CreateDirectory(_files);
        Directory.CreateDirectory(_batches);
    }

    public string Root { get; }

    public string ContentPath(string fileId) => Path.Combine(_files, Safe(fileId) + ".bin");

    public void SaveFile(FileRecord file) => Save(Path.Combine(_files, Safe(file.Id) + ".json"), file);

    public FileRecord? GetFile(string fileId) => Load<FileRecord>(Path.Combine(_files, Safe(fileId) + ".json"));

    public IEnumerable<FileRecord> ListFiles() =>
        Directory.EnumerateFiles(_files, "*.json").Select(Load<FileRecord>).Where(f => f is not null).Select(f => f!);

    public bool DeleteFile(string fileId)
    {
        var meta = Path.Combine(_files, Safe(fileId) + ".json");
        if (!File.Exists(meta))
        {
            return false;
        }

        File.Delete(meta);
        File.Delete(ContentPath(fileId));
        return true;
    }

    public void SaveBatch(BatchRecord batch) => Save(Path.Combine(_batches, Safe(batch.Id) + ".json"), batch);

    public BatchRecord? GetBatch(string batchId) => Load<BatchRecord>(Path.Combine(_batches, Safe(batchId) + ".json"));

    public IEnumerable<BatchRecord> ListBatches() =>
        Directory.EnumerateFiles(_batches, "*.json").Select(Load<BatchRecord>).Where(b => b is not null).Select(b => b!);

    /// <summary>The path of a protocol's own data file, e.g. <c>anthropic/msgbatch_x.results.jsonl</c>.</summary>
    public string DataPath(string area, string id, string suffix)
    {
        var folder = Path.Combine(Root, area);
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, Safe(id) + suffix);
    }

    public void SaveRecord<T>(string area, string id, T value) => Save(DataPath(area, id, ".json"), value);

    public T? LoadRecord<T>(string area, string id)
        where T : class => Load<T>(DataPath(area, id, ".json"));

    /// <summary>
    /// The next number of an area's sequence (1, 2, 3, …), kept in its folder so that every process sharing the state
    /// counts on from the same place. Deleting records does not reuse numbers.
    /// </summary>
    public long NextSequence(string area)
    {
        var path = DataPath(area, "sequence", ".counter");
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                var buffer = new byte[32];
                var read = file.Read(buffer, 0, buffer.Length);
                var next = (read > 0 ? long.Parse(System.Text.Encoding.ASCII.GetString(buffer, 0, read), System.Globalization.CultureInfo.InvariantCulture) : 0) + 1;
                var text = System.Text.Encoding.ASCII.GetBytes(next.ToString(System.Globalization.CultureInfo.InvariantCulture));
                file.SetLength(0);
                file.Write(text, 0, text.Length);
                return next;
            }
            catch (IOException) when (attempt < 100)
            {
                Thread.Sleep(10); // another process holds the counter for a moment
            }
        }
    }

    public IEnumerable<T> ListRecords<T>(string area)
        where T : class
    {
        var folder = Path.Combine(Root, area);
        return Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "*.json").Select(Load<T>).Where(r => r is not null).Select(r => r!)
            : [];
    }

    public bool DeleteRecord(string area, string id)
    {
        var path = DataPath(area, id, ".json");
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        return true;
    }

    private static void Save<T>(string path, T value) => AtomicFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(value, JsonOptions));

    private static T? Load<T>(string path)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllBytes(path), JsonOptions);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Ids come from request paths: anything but the id alphabet would let a request reach outside the store.</summary>
    private static string Safe(string id)
    {
        foreach (var c in id)
        {
            if (!(char.IsLetterOrDigit(c) || c is '-' or '_') || c > 127)
            {
                return "invalid";
            }
        }

        return id.Length == 0 ? "invalid" : id;
    }
}
