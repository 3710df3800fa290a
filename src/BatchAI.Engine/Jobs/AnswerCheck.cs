using System.Globalization;
using System.Text.Json;
using BatchAI.Providers;
using Json.Schema;

namespace BatchAI.Jobs;

/// <summary>
/// Checks the answers of requests that carried a JSON schema, as they are downloaded, with a real JSON Schema
/// validator (JsonSchema.Net): an answer that is not JSON, or does not follow its schema, is kept (the text stays on
/// the result for review) but marked failed with the reason, never passed on as a success. Such a failure may be sent
/// again once: the second failure of the same record is final.
/// </summary>
internal sealed class AnswerCheck(Func<string, string> schemaText)
{
    public AnswerCheck(JobLedger ledger)
        : this(id => File.ReadAllText(ledger.SchemaPath(id)))
    {
    }

    /// <summary>A check of answers against one schema given as text (the real-time lane, which has no ledger).</summary>
    public static AnswerCheck ForSchemaText(string json) => new(_ => json);

    public const string NotJson = "invalid_json";
    public const string SchemaMismatch = "schema_mismatch";
    private const int MaxReasons = 5;
    private readonly Dictionary<string, JsonSchema> _schemas = new(StringComparer.Ordinal);

    public static bool IsAnswerCheckFailure(ResultLine line) => line.ErrorCode is NotJson or SchemaMismatch;

    /// <param name="failedBefore">Whether an earlier attempt of this record already failed the check.</param>
    public ResultLine Check(ResultLine line, string? schemaId, bool failedBefore)
    {
        if (schemaId is null || line.Status != ResultStatus.Succeeded)
        {
            return line;
        }

        var text = line.Text?.Trim() ?? string.Empty;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException ex)
        {
            var cutOff = line.Details.TryGetValue("finish_reason", out var finish) && finish is "length" or "max_tokens" or "MAX_TOKENS"
                ? " It was cut off at the output token limit; raise -MaxTokens / --max-tokens."
                : string.Empty;
            return Failed(line, NotJson, "The answer should follow the JSON schema but is not valid JSON: " + ex.Message + cutOff, failedBefore);
        }

        using (document)
        {
            var results = Schema(schemaId).Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            if (results.IsValid)
            {
                return line;
            }

            var reasons = (results.Details ?? [])
                .Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => Location(d.InstanceLocation.ToString()) + ": " + e.Value))
                .Distinct()
                .ToList();
            var reason = reasons.Count == 0 ? "it does not validate" : string.Join("; ", reasons.Take(MaxReasons)) + (reasons.Count > MaxReasons ? string.Format(CultureInfo.InvariantCulture, "; and {0} more", reasons.Count - MaxReasons) : string.Empty);
            return Failed(line, SchemaMismatch, "The answer does not follow the JSON schema: " + reason, failedBefore);
        }
    }

    private static string Location(string pointer) => pointer.Length == 0 ? "(the answer)" : pointer;

    private static ResultLine Failed(ResultLine line, string code, string message, bool failedBefore) => new()
    {
        CustomId = line.CustomId,
        Status = ResultStatus.Failed,
        Text = line.Text,
        InputTokens = line.InputTokens,
        CachedInputTokens = line.CachedInputTokens,
        OutputTokens = line.OutputTokens,
        ErrorCode = code,
        ErrorMessage = failedBefore ? message + " (It failed the check before, too: not sent again.)" : message,
        Retryable = !failedBefore,
        BatchId = line.BatchId,
        Details = line.Details,
    };

    private JsonSchema Schema(string schemaId)
    {
        if (!_schemas.TryGetValue(schemaId, out var schema))
        {
            // Built from text, not from a JsonDocument's element: the schema keeps referring to what it was built from.
            schema = JsonSchema.FromText(schemaText(schemaId));
            _schemas[schemaId] = schema;
        }

        return schema;
    }
}
