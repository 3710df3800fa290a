using System.Text.Json;
using BatchAI.IO;

namespace BatchAI.Jobs;

/// <summary>
/// One job's folder: <c>manifest.json</c> (replaced atomically), <c>requests.jsonl</c> (written once, at submit),
/// <c>parts/</c> (the provider batches' input files, written once), <c>schemas/</c>, and <c>results.jsonl</c>
/// (append-only). Any process can pick a job up from its folder: submit in one scheduled task, receive in another.
/// </summary>
internal sealed class JobLedger
{
    public const string ManifestFile = "manifest.json";
    public const string RequestsFile = "requests.jsonl";
    public const string ResultsFile = "results.jsonl";

    public JobLedger(string folder)
    {
        Folder = folder;
    }

    public string Folder { get; }

    public string ManifestPath => Path.Combine(Folder, ManifestFile);

    public string RequestsPath => Path.Combine(Folder, RequestsFile);

    public string ResultsPath => Path.Combine(Folder, ResultsFile);

    public string SchemaPath(string schemaId) => Path.Combine(Folder, "schemas", schemaId + ".json");

    public string PartPath(PartRecord part) => Path.Combine(Folder, part.File);

    public JobManifest Load()
    {
        try
        {
            return JsonSerializer.Deserialize<JobManifest>(File.ReadAllBytes(ManifestPath), LedgerJson.Manifest)
                ?? throw new JsonException("The manifest is empty.");
        }
        catch (JsonException ex)
        {
            throw new BatchAIException(ErrorKind.Protocol, "JobManifestCorrupt", $"The manifest of the job in '{Folder}' cannot be read: {ex.Message}");
        }
    }

    public void Save(JobManifest manifest)
    {
        AtomicFile.WriteAllBytes(ManifestPath, JsonSerializer.SerializeToUtf8Bytes(manifest, LedgerJson.Manifest));
        PrivateStore.File(ManifestPath);
    }
}
