namespace BatchAI.Emulator.Gemini;

/// <summary>
/// A Gemini batch as created, plus its outcome once it ran. Its state is not stored: it follows from these fields and
/// the clock (pending for the first tenth of the processing time, then running, then succeeded; cancelled at once on
/// a cancel; expired, with no results, when processing would outlast the expiry). Times are Unix milliseconds.
/// </summary>
internal sealed class GeminiBatchRecord
{
    /// <summary>The id after <c>batches/</c>.</summary>
    public string Id { get; set; } = string.Empty;

    /// <summary>The model without the <c>models/</c> prefix.</summary>
    public string Model { get; set; } = string.Empty;

    public string DisplayName { get; set; } = string.Empty;

    /// <summary>The input file (<c>files/…</c>), or null when the requests came inline.</summary>
    public string? InputFile { get; set; }

    public long Priority { get; set; }

    /// <summary>The batch's sequence number in the emulator's state, which seeds its injected faults (see FaultPlan).</summary>
    public string? FaultKey { get; set; }

    public int Total { get; set; }

    public long CreatedAtMs { get; set; }

    public long ProcessingMs { get; set; }

    /// <summary>48 hours pending or running, then the batch expires without results.</summary>
    public long ExpiresAfterMs { get; set; }

    public long? CancelRequestedAtMs { get; set; }

    public GeminiOutcome? Outcome { get; set; }

    public string StateAt(long now)
    {
        if (CancelRequestedAtMs is { } cancel && (Outcome is null || Outcome.EndedAtMs > cancel))
        {
            return "BATCH_STATE_CANCELLED";
        }

        if (ProcessingMs > ExpiresAfterMs && now >= CreatedAtMs + ExpiresAfterMs)
        {
            return "BATCH_STATE_EXPIRED";
        }

        if (now < CreatedAtMs + (ProcessingMs / 10))
        {
            return "BATCH_STATE_PENDING";
        }

        if (now < CreatedAtMs + ProcessingMs)
        {
            return "BATCH_STATE_RUNNING";
        }

        return Outcome?.Error is null ? "BATCH_STATE_SUCCEEDED" : "BATCH_STATE_FAILED";
    }

    public static bool IsTerminal(string state) => state is "BATCH_STATE_SUCCEEDED" or "BATCH_STATE_FAILED" or "BATCH_STATE_CANCELLED" or "BATCH_STATE_EXPIRED";
}

internal sealed class GeminiOutcome
{
    public long EndedAtMs { get; set; }

    public int Succeeded { get; set; }

    public int Failed { get; set; }

    /// <summary>For a file-input batch: the generated responses file (<c>files/…</c>).</summary>
    public string? ResponsesFile { get; set; }

    /// <summary>Why the batch failed as a whole (its input could not be read), or null.</summary>
    public string? Error { get; set; }
}

/// <summary>A file of the Gemini Files API: uploaded (a batch input) or generated (a batch's responses).</summary>
internal sealed class GeminiFileRecord
{
    /// <summary>The id after <c>files/</c>: lower-case letters, digits and dashes.</summary>
    public string Id { get; set; } = string.Empty;

    public string DisplayName { get; set; } = string.Empty;

    public string MimeType { get; set; } = string.Empty;

    public long SizeBytes { get; set; }

    public long CreatedAtMs { get; set; }

    public string Sha256 { get; set; } = string.Empty;

    /// <summary><c>UPLOADED</c> or <c>GENERATED</c>.</summary>
    public string Source { get; set; } = "UPLOADED";
}

/// <summary>A resumable upload in progress: what the start request announced, and how many bytes have arrived.</summary>
internal sealed class GeminiUploadSession
{
    public string Id { get; set; } = string.Empty;

    public string DisplayName { get; set; } = string.Empty;

    public string MimeType { get; set; } = string.Empty;

    public long? DeclaredBytes { get; set; }

    public long ReceivedBytes { get; set; }
}
