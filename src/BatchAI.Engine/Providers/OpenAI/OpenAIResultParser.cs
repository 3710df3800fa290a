using System.Globalization;
using System.Text.Json;

namespace BatchAI.Providers.OpenAI;

/// <summary>
/// Reads one line of an OpenAI batch output or error file. Three shapes occur: a success (<c>response.status_code</c>
/// 200), a request the endpoint rejected (another status, the error in <c>response.body.error</c>), and a request that
/// never ran (<c>response</c> null, <c>error.code</c> <c>batch_expired</c> or <c>batch_cancelled</c>).
/// </summary>
/// <remarks>
/// The line is read token by token, once, taking only the fields below: a million of them come back from a large
/// job, and a document per line cost more than half of a download. The rules are those of reading it as a document:
/// a field that is missing, null or of another type reads as null; the last of two equal names wins; a line that is
/// not one complete JSON value is refused (the tests hold it to a document reading, line shape by line shape).
/// </remarks>
internal static class OpenAIResultParser
{
    [ThreadStatic]
    private static RepeatedText? t_models;

    [ThreadStatic]
    private static RepeatedText? t_finishReasons;

    public static ResultLine Parse(ReadOnlyMemory<byte> line, string batchId)
    {
        LineFields fields;
        try
        {
            fields = Read(line.Span);
        }
        catch (JsonException ex)
        {
            throw new BatchAIException(ErrorKind.Protocol, "ProviderAnswerInvalid", $"A result line of batch {batchId} is not valid JSON: {ex.Message}");
        }

        var customId = fields.CustomId ?? throw ResultLines.Invalid(batchId, "has no custom_id");
        var details = new ResultDetails();
        if (fields.LineId is { } lineId)
        {
            details["line_id"] = lineId;
        }

        if (fields.Response is { } response)
        {
            return FromResponse(customId, batchId, response, details);
        }

        var code = fields.ErrorCode;
        var status = code switch
        {
            "batch_expired" => ResultStatus.Expired,
            "batch_cancelled" => ResultStatus.Canceled,
            _ => ResultStatus.Failed,
        };
        return new ResultLine
        {
            CustomId = customId,
            BatchId = batchId,
            Status = status,
            ErrorCode = code ?? "unknown_error",
            ErrorMessage = fields.ErrorMessage ?? "The provider returned neither a response nor an error for this request.",
            Retryable = status != ResultStatus.Failed || code == "request_timeout",
            Details = details,
        };
    }

    private static ResultLine FromResponse(string customId, string batchId, in ResponseFields response, ResultDetails details)
    {
        var statusCode = response.StatusCode;
        details["status_code"] = statusCode == 200 ? "200" : statusCode.ToString(CultureInfo.InvariantCulture); // nearly every line
        if (response.RequestId is { } requestId)
        {
            details["request_id"] = requestId;
        }

        var body = response.Body;
        if (statusCode != 200)
        {
            if (body.ErrorParam is { } param)
            {
                details["param"] = param;
            }

            return new ResultLine
            {
                CustomId = customId,
                BatchId = batchId,
                Status = ResultStatus.Failed,
                ErrorCode = body.ErrorCode ?? body.ErrorType ?? "http_" + statusCode.ToString(CultureInfo.InvariantCulture),
                ErrorMessage = body.ErrorMessage ?? "The request failed with HTTP status " + statusCode.ToString(CultureInfo.InvariantCulture) + ".",
                Retryable = statusCode is 408 or 409 or 429 || statusCode >= 500,
                Details = details,
            };
        }

        if (body.Model is { } model)
        {
            details["model"] = model;
        }

        if (body.Id is { } responseId)
        {
            details["response_id"] = responseId;
        }

        if (body.FinishReason is { } finish)
        {
            details["finish_reason"] = finish;
        }

        var text = body.Content;
        var refusal = body.Refusal;
        var (status, code, why) = refusal is not null
            ? (ResultStatus.Failed, "refusal", "The model refused: " + refusal)
            : text is null ? (ResultStatus.Failed, "empty_response", "The response has no message content.")
            : (ResultStatus.Succeeded, (string?)null, (string?)null);
        return new ResultLine
        {
            CustomId = customId,
            BatchId = batchId,
            Status = status,
            Text = text,
            ErrorCode = code,
            ErrorMessage = why,
            InputTokens = body.PromptTokens,
            CachedInputTokens = body.CachedTokens,
            OutputTokens = body.CompletionTokens,
            Details = details,
        };
    }

    private static LineFields Read(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line);
        var fields = default(LineFields);
        reader.Read();
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("custom_id"u8))
                {
                    fields.CustomId = StringOrNull(ref reader);
                }
                else if (reader.ValueTextEquals("id"u8))
                {
                    fields.LineId = StringOrNull(ref reader);
                }
                else if (reader.ValueTextEquals("response"u8))
                {
                    fields.Response = Object(ref reader) ? ReadResponse(ref reader) : null;
                }
                else if (reader.ValueTextEquals("error"u8))
                {
                    (fields.ErrorCode, fields.ErrorMessage) = Object(ref reader) ? TwoStrings(ref reader, "code"u8, "message"u8) : (null, null);
                }
                else
                {
                    SkipValue(ref reader);
                }
            }
        }
        else
        {
            reader.Skip();
        }

        _ = reader.Read(); // past the value: the reader throws when anything but white space follows it
        return fields;
    }

    private static ResponseFields ReadResponse(ref Utf8JsonReader reader)
    {
        var response = default(ResponseFields);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("status_code"u8))
            {
                response.StatusCode = Int32OrNull(ref reader) ?? 0;
            }
            else if (reader.ValueTextEquals("request_id"u8))
            {
                response.RequestId = StringOrNull(ref reader);
            }
            else if (reader.ValueTextEquals("body"u8))
            {
                response.Body = Object(ref reader) ? ReadBody(ref reader) : default;
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return response;
    }

    private static BodyFields ReadBody(ref Utf8JsonReader reader)
    {
        var body = default(BodyFields);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8))
            {
                body.Id = StringOrNull(ref reader);
            }
            else if (reader.ValueTextEquals("model"u8))
            {
                body.Model = (t_models ??= new()).Read(ref reader);
            }
            else if (reader.ValueTextEquals("choices"u8))
            {
                (body.Content, body.Refusal, body.FinishReason) = (null, null, null);
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    var first = true; // only the first choice counts
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (first && reader.TokenType == JsonTokenType.StartObject)
                        {
                            ReadChoice(ref reader, ref body);
                        }
                        else
                        {
                            reader.Skip();
                        }

                        first = false;
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                (body.PromptTokens, body.CompletionTokens, body.CachedTokens) = (null, null, null);
                if (Object(ref reader))
                {
                    ReadUsage(ref reader, ref body);
                }
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                (body.ErrorCode, body.ErrorType, body.ErrorMessage, body.ErrorParam) = (null, null, null, null);
                if (Object(ref reader))
                {
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        if (reader.ValueTextEquals("code"u8))
                        {
                            body.ErrorCode = StringOrNull(ref reader);
                        }
                        else if (reader.ValueTextEquals("type"u8))
                        {
                            body.ErrorType = StringOrNull(ref reader);
                        }
                        else if (reader.ValueTextEquals("message"u8))
                        {
                            body.ErrorMessage = StringOrNull(ref reader);
                        }
                        else if (reader.ValueTextEquals("param"u8))
                        {
                            body.ErrorParam = StringOrNull(ref reader);
                        }
                        else
                        {
                            SkipValue(ref reader);
                        }
                    }
                }
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return body;
    }

    /// <summary>The first choice, the reader at its start: the message's content or refusal, and why it finished.</summary>
    private static void ReadChoice(ref Utf8JsonReader reader, ref BodyFields body)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("message"u8))
            {
                (body.Content, body.Refusal) = Object(ref reader) ? TwoStrings(ref reader, "content"u8, "refusal"u8) : (null, null);
            }
            else if (reader.ValueTextEquals("finish_reason"u8))
            {
                body.FinishReason = (t_finishReasons ??= new()).Read(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }
    }

    private static void ReadUsage(ref Utf8JsonReader reader, ref BodyFields body)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("prompt_tokens"u8))
            {
                body.PromptTokens = Int32OrNull(ref reader);
            }
            else if (reader.ValueTextEquals("completion_tokens"u8))
            {
                body.CompletionTokens = Int32OrNull(ref reader);
            }
            else if (reader.ValueTextEquals("prompt_tokens_details"u8))
            {
                body.CachedTokens = null;
                if (Object(ref reader))
                {
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        if (reader.ValueTextEquals("cached_tokens"u8))
                        {
                            body.CachedTokens = Int32OrNull(ref reader);
                        }
                        else
                        {
                            SkipValue(ref reader);
                        }
                    }
                }
            }
            else
            {
                SkipValue(ref reader);
            }
        }
    }

    /// <summary>The two named string fields of the object the reader is in (left at its end); any other is skipped.</summary>
    private static (string? First, string? Second) TwoStrings(ref Utf8JsonReader reader, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        string? one = null, two = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(first))
            {
                one = StringOrNull(ref reader);
            }
            else if (reader.ValueTextEquals(second))
            {
                two = StringOrNull(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return (one, two);
    }

    /// <summary>Moves to a property's value: true, inside it, when it is an object; else past it, false.</summary>
    private static bool Object(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            return true;
        }

        reader.Skip();
        return false;
    }

    private static void SkipValue(ref Utf8JsonReader reader)
    {
        reader.Read();
        reader.Skip();
    }

    private static string? StringOrNull(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        reader.Skip();
        return null;
    }

    private static int? Int32OrNull(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var number))
        {
            return number;
        }

        reader.Skip();
        return null;
    }

    private struct LineFields
    {
        public string? CustomId;
        public string? LineId;
        public ResponseFields? Response;
        public string? ErrorCode;
        public string? ErrorMessage;
    }

    private struct ResponseFields
    {
        public int StatusCode;
        public string? RequestId;
        public BodyFields Body;
    }

    private struct BodyFields
    {
        public string? Id;
        public string? Model;
        public string? Content;
        public string? Refusal;
        public string? FinishReason;
        public int? PromptTokens;
        public int? CompletionTokens;
        public int? CachedTokens;
        public string? ErrorCode;
        public string? ErrorType;
        public string? ErrorMessage;
        public string? ErrorParam;
    }
}
