using System.Globalization;
using System.Text.Json;
using BatchAI.Emulator.Model;
using BatchAI.Emulator.State;

namespace BatchAI.Emulator.OpenAI;

/// <summary>
/// What OpenAI checks while a batch is <c>validating</c>: every line is a JSON object with a unique
/// <c>custom_id</c>, <c>method</c> POST, the batch's <c>url</c> and a <c>body</c>; at most 50,000 lines and 200 MB.
/// A file that fails makes the batch <c>failed</c> with <c>errors.data[]</c>. Request bodies the model would reject
/// are not validation errors: they become 400 lines in the error file.
/// </summary>
internal static class InputFileValidator
{
        public const long MaxBytes = 200L * 1024 * 1024;
    private const int MaxReportedErrors = 10;

    public static BatchValidation Validate(string contentPath, string endpoint, OpenAIFlavor flavor)
    {
        var validation = new BatchValidation();
        var length = new FileInfo(contentPath).Length;
        if (length > MaxBytes)
        {
            Add(validation, "invalid_request", "The input file is larger than 200 MB, the limit for one batch.", null, null);
            return validation;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var line in InputLines.Read(contentPath))
        {
            lineNumber = line.Number;
            var text = line.Text;
            if (text.Trim().Length == 0)
            {
                continue;
            }

            validation.Total++;
            if (validation.Total > flavor.MaxRequests)
            {
                Add(validation, "too_many_tasks", string.Format(CultureInfo.InvariantCulture, "The batch has more than {0:N0} requests, the limit for one batch.", flavor.MaxRequests), null, null);
                return validation;
            }

            CheckLine(validation, text, lineNumber, endpoint, seen, flavor);
        }

        if (validation.Total == 0)
        {
            Add(validation, "empty_file", "The input file is empty. Please ensure that the batch contains at least one request.", null, null);
        }

        return validation;
    }

    private static void CheckLine(BatchValidation validation, string text, int line, string endpoint, HashSet<string> seen, OpenAIFlavor flavor)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            Add(validation, "invalid_json_line", "This line is not parseable as valid JSON.", null, line);
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                Add(validation, "invalid_request", "Each line must be a JSON object.", null, line);
                return;
            }

            if (!root.TryGetProperty("custom_id", out var id) || id.ValueKind != JsonValueKind.String || id.GetString()!.Length == 0)
            {
                Add(validation, "invalid_request", "Missing required parameter: 'custom_id'.", "custom_id", line);
                return;
            }

            if (!seen.Add(id.GetString()!))
            {
                Add(validation, "duplicate_custom_id", "The custom_id for this request is a duplicate of another request. The custom_id parameter must be unique for each request in a batch.", "custom_id", line);
            }

            if (!root.TryGetProperty("method", out var method) || method.GetString() != "POST")
            {
                Add(validation, "invalid_request", "The method for this request must be POST.", "method", line);
            }

            if (!root.TryGetProperty("url", out var url) || url.ValueKind != JsonValueKind.String || flavor.Normalize(url.GetString()!) != flavor.Normalize(endpoint))
            {
                Add(validation, "url_mismatch", "The provided URL for this request does not match the batch endpoint.", "url", line);
            }

            if (!root.TryGetProperty("body", out var body) || body.ValueKind != JsonValueKind.Object)
            {
                Add(validation, "invalid_request", "Missing required parameter: 'body'.", "body", line);
                return;
            }

            if (EmulatedModel.Validate(body) is not null)
            {
                validation.InvalidRequests++;
            }
            else
            {
                validation.PromptTokens += EmulatedModel.PromptTokens(body);
                var model = body.GetProperty("model").GetString();
                if (flavor.OneModelPerFile && validation.Model is not null && validation.Model != model)
                {
                    Add(validation, "model_mismatch", $"The deployment '{model}' differs from '{validation.Model}' on an earlier line. All lines of a batch file must name the same Global Batch deployment.", "body.model", line);
                }

                validation.Model ??= model;
            }
        }
    }

    private static void Add(BatchValidation validation, string code, string message, string? param, int? line)
    {
        if (validation.Errors.Count < MaxReportedErrors)
        {
            validation.Errors.Add(new BatchErrorRecord { Code = code, Message = message, Param = param, Line = line });
        }
    }
}
