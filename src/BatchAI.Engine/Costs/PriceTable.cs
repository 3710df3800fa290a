using System.Globalization;
using System.Text.Json;

namespace BatchAI.Costs;

/// <summary>
/// Per-model token prices: the dated snapshot shipped in the assembly (Costs/model-prices.json: source and date in
/// each price), overridden or extended by the user's own file in the same JSON shape (a <c>models</c> array of
/// <c>model</c>, <c>provider</c>, <c>input_per_mtok</c>, <c>output_per_mtok</c>, and optionally
/// <c>batch_input_per_mtok</c>, <c>batch_output_per_mtok</c> (half the standard price when left out),
/// <c>cached_input_per_mtok</c>). An unknown model is an error naming the closest known ones.
/// </summary>
public sealed class PriceTable
{
    private readonly Dictionary<string, ModelPrice> _byModel;

    private PriceTable(Dictionary<string, ModelPrice> byModel, string asOf, string source)
    {
        _byModel = byModel;
        AsOf = asOf;
        Source = source;
    }

    /// <summary>The shipped snapshot's date.</summary>
    public string AsOf { get; }

    /// <summary>The shipped snapshot's source.</summary>
    public string Source { get; }

    public IEnumerable<ModelPrice> Prices => _byModel.Values.OrderBy(p => p.Provider, StringComparer.Ordinal).ThenBy(p => p.Model, StringComparer.Ordinal);

    /// <summary>The shipped snapshot, with <paramref name="userFile"/>'s prices on top when given.</summary>
    public static PriceTable Load(string? userFile = null)
    {
        using var stream = typeof(PriceTable).Assembly.GetManifestResourceStream("BatchAI.Costs.model-prices.json")
            ?? throw new InvalidOperationException("The price snapshot is missing from the assembly.");
        using var snapshot = JsonDocument.Parse(stream);
        var root = snapshot.RootElement;
        var asOf = root.GetProperty("as_of").GetString()!;
        var source = root.GetProperty("source").GetString()!;
        var byModel = new Dictionary<string, ModelPrice>(StringComparer.OrdinalIgnoreCase);
        foreach (var price in Read(root, asOf, source, "the shipped price snapshot"))
        {
            byModel[price.Model] = price;
        }

        if (!string.IsNullOrWhiteSpace(userFile))
        {
            JsonDocument user;
            try
            {
                user = JsonDocument.Parse(File.ReadAllText(userFile!));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
            {
                throw BatchAIException.InvalidInput("PriceFileUnreadable", $"The price file '{userFile}' cannot be read: {ex.Message}");
            }

            using (user)
            {
                var userAsOf = user.RootElement.TryGetProperty("as_of", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : File.GetLastWriteTimeUtc(userFile!).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                foreach (var price in Read(user.RootElement, userAsOf, "the user's price file " + Path.GetFileName(userFile), "the price file '" + userFile + "'"))
                {
                    byModel[price.Model] = price;
                }
            }
        }

        return new PriceTable(byModel, asOf, source);
    }

    public bool TryFind(string model, out ModelPrice price) => _byModel.TryGetValue(model?.Trim() ?? string.Empty, out price!);

    /// <summary>The model's prices; an unknown model is an error naming the closest known ones and how to add prices.</summary>
    public ModelPrice Find(string model)
    {
        if (TryFind(model, out var price))
        {
            return price;
        }

        var closest = Closest(model, 3);
        throw new BatchAIException(
            ErrorKind.NotFound,
            "ModelPriceUnknown",
            $"There is no price for model '{model}' in the price table (as of {AsOf}). Closest known: {string.Join(", ", closest)}. "
            + "If it is a new model or an Azure deployment name, give its prices in a JSON file "
            + "({\"models\":[{\"model\":\"" + model + "\",\"provider\":\"openai\",\"input_per_mtok\":0.15,\"output_per_mtok\":0.6}]}) "
            + "with -PriceFile / --prices, or give -InputPrice and -OutputPrice (--input-price, --output-price) per million tokens.");
    }

    /// <summary>
    /// Prices given by hand (per million tokens; batch at half, as every provider's batch discount is) when both are
    /// given, else the table's.
    /// </summary>
    public ModelPrice Find(string model, decimal? inputPerMillion, decimal? outputPerMillion)
    {
        if (inputPerMillion is null && outputPerMillion is null)
        {
            return Find(model);
        }

        if (inputPerMillion is not { } input || outputPerMillion is not { } output || input < 0 || output < 0)
        {
            throw BatchAIException.InvalidInput("ModelPriceIncomplete", "Give both the input and the output price per million tokens (-InputPrice and -OutputPrice, --input-price and --output-price), 0 or more.");
        }

        return new ModelPrice
        {
            Model = model,
            Provider = TryFind(model, out var known) ? known.Provider : "user",
            InputPerMillion = input,
            OutputPerMillion = output,
            BatchInputPerMillion = input / 2,
            BatchOutputPerMillion = output / 2,
            BatchPriceBasis = "derived_50pct",
            AsOf = "given",
            Source = "given by hand",
        };
    }

    /// <summary>The known models nearest to <paramref name="model"/>: those sharing the longest prefix, then the smallest edit distance.</summary>
    public IReadOnlyList<string> Closest(string model, int count)
    {
        var wanted = (model ?? string.Empty).Trim().ToLowerInvariant();
        return _byModel.Keys
            .Select(k => (Name: k, Prefix: CommonPrefix(wanted, k.ToLowerInvariant()), Distance: EditDistance(wanted, k.ToLowerInvariant())))
            .OrderByDescending(c => c.Prefix >= 4 ? c.Prefix : 0)
            .ThenBy(c => c.Distance)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .Take(count)
            .Select(c => c.Name)
            .ToList();
    }

    private static IEnumerable<ModelPrice> Read(JsonElement root, string asOf, string source, string where)
    {
        if (!root.TryGetProperty("models", out var models) || models.ValueKind != JsonValueKind.Array)
        {
            throw BatchAIException.InvalidInput("PriceFileInvalid", $"{where} has no 'models' array.");
        }

        var index = 0;
        foreach (var item in models.EnumerateArray())
        {
            index++;
            if (item.TryGetProperty("mode", out var mode) && mode.ValueKind == JsonValueKind.String && mode.GetString() != "chat")
            {
                continue;
            }

            string Text(string name) => item.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString()!.Length > 0
                ? v.GetString()!
                : throw BatchAIException.InvalidInput("PriceFileInvalid", $"{where}: model {index} has no '{name}'.");
            decimal? Number(string name) => item.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number
                ? (v.GetDecimal() is >= 0 and var n ? n : throw BatchAIException.InvalidInput("PriceFileInvalid", $"{where}: model {index}'s '{name}' is negative."))
                : null;
            var input = Number("input_per_mtok") ?? throw BatchAIException.InvalidInput("PriceFileInvalid", $"{where}: model {index} has no 'input_per_mtok'.");
            var output = Number("output_per_mtok") ?? throw BatchAIException.InvalidInput("PriceFileInvalid", $"{where}: model {index} has no 'output_per_mtok'.");
            var batchInput = Number("batch_input_per_mtok");
            var batchOutput = Number("batch_output_per_mtok");
            yield return new ModelPrice
            {
                Model = Text("model"),
                Provider = Text("provider"),
                InputPerMillion = input,
                OutputPerMillion = output,
                BatchInputPerMillion = batchInput ?? input / 2,
                BatchOutputPerMillion = batchOutput ?? output / 2,
                CachedInputPerMillion = Number("cached_input_per_mtok"),
                BatchPriceBasis = item.TryGetProperty("batch_price_basis", out var basis) && basis.ValueKind == JsonValueKind.String ? basis.GetString()! : batchInput is null ? "derived_50pct" : "user",
                AsOf = asOf,
                Source = source,
            };
        }
    }

    private static int CommonPrefix(string a, string b)
    {
        var n = 0;
        while (n < a.Length && n < b.Length && a[n] == b[n])
        {
            n++;
        }

        return n;
    }

    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }
}
