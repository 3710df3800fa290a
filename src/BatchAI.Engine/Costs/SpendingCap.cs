using System.Globalization;
using System.Text.Json;

namespace BatchAI.Costs;

/// <summary>
/// Limits on what submits may spend, kept in the store's <c>config.json</c> (<c>batchai config</c>): per job, and per
/// calendar month (UTC) over every job submitted from the store. A submit whose estimated batch cost would pass either
/// is refused before anything is sent, with the figures, unless it is forced.
/// </summary>
public sealed class SpendingCap
{
    public const string FileName = "config.json";

    /// <summary>The output tokens a request is assumed to use when it sets no MaxTokens (for the estimate only).</summary>
    public const int AssumedOutputTokens = 1_000;

    public decimal? PerJobUsd { get; set; }

    public decimal? PerMonthUsd { get; set; }

    public bool IsSet => PerJobUsd is not null || PerMonthUsd is not null;

    public static SpendingCap Load(string store)
    {
        var path = Path.Combine(store, FileName);
        if (!File.Exists(path))
        {
            return new SpendingCap();
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            var cap = document.RootElement.TryGetProperty("spendingCap", out var c) && c.ValueKind == JsonValueKind.Object ? c : default;
            decimal? Number(string name) => cap.ValueKind == JsonValueKind.Object && cap.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDecimal() : null;
            return new SpendingCap { PerJobUsd = Number("perJobUsd"), PerMonthUsd = Number("perMonthUsd") };
        }
        catch (JsonException ex)
        {
            throw BatchAIException.InvalidInput("ConfigInvalid", $"The store's settings file '{path}' cannot be read: {ex.Message}");
        }
    }

    public void Save(string store)
    {
        if (PerJobUsd is < 0 || PerMonthUsd is < 0)
        {
            throw BatchAIException.InvalidInput("SpendingCapInvalid", "A spending cap cannot be negative.");
        }

        Directory.CreateDirectory(store);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("spendingCap");
            if (PerJobUsd is { } job)
            {
                writer.WriteNumber("perJobUsd", job);
            }

            if (PerMonthUsd is { } month)
            {
                writer.WriteNumber("perMonthUsd", month);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        IO.AtomicFile.WriteAllBytes(Path.Combine(store, FileName), buffer.ToArray());
    }

    /// <summary>Refuses a job whose estimate passes a cap, naming the figures and the ways out.</summary>
    public void Check(string job, decimal estimate, decimal spentThisMonth)
    {
        if (PerJobUsd is { } perJob && estimate > perJob)
        {
            throw new BatchAIException(ErrorKind.InvalidInput, "SpendingCapExceeded", string.Format(CultureInfo.InvariantCulture, "Job {0} would cost about {1:0.00##} USD at batch rates, over the per-job cap of {2:0.00##} USD. Nothing was sent. Split the input (or send a --pilot first), raise the cap (batchai config --job-cap), or force this one (--force, -Force).", job, estimate, perJob));
        }

        if (PerMonthUsd is { } perMonth && spentThisMonth + estimate > perMonth)
        {
            throw new BatchAIException(ErrorKind.InvalidInput, "SpendingCapExceeded", string.Format(CultureInfo.InvariantCulture, "Job {0} would cost about {1:0.00##} USD at batch rates; with the {2:0.00##} USD already submitted this month, that passes the monthly cap of {3:0.00##} USD. Nothing was sent. Split the input, raise the cap (batchai config --monthly-cap), or force this one (--force, -Force).", job, estimate, spentThisMonth, perMonth));
        }
    }
}
