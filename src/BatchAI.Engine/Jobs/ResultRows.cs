namespace BatchAI.Jobs;

/// <summary>
/// The shape of a result row, the same in a results file and on the PowerShell pipeline: the source columns as they
/// were, then <c>custom_id, status, output, error, input_tokens, output_tokens</c>. Where a source column already has
/// one of those names (in any case), ours is prefixed <c>batchai_</c>, so no source value is ever hidden.
/// </summary>
public static class ResultRows
{
    public const string CollisionPrefix = "batchai_";

    public static readonly IReadOnlyList<string> OwnColumns = ["custom_id", "status", "output", "error", "input_tokens", "output_tokens"];

    /// <summary>The JSON answer column that JSONL files (and <c>-AsBatchResult</c> objects) add.</summary>
    public const string JsonColumn = "output_json";

    /// <summary>Our column names for rows whose source has <paramref name="sourceColumns"/>.</summary>
    public static IReadOnlyList<string> Names(IReadOnlyList<string> sourceColumns, bool withJson = false)
    {
        if (sourceColumns is null)
        {
            throw new ArgumentNullException(nameof(sourceColumns));
        }

        var own = withJson ? OwnColumns.Concat([JsonColumn]) : OwnColumns;
        return own.Select(n => sourceColumns.Contains(n, StringComparer.OrdinalIgnoreCase) ? CollisionPrefix + n : n).ToList();
    }

    /// <summary>The values of our columns for <paramref name="result"/>, in the order of <see cref="OwnColumns"/>.</summary>
    public static IReadOnlyList<object?> Values(BatchResult result)
    {
        if (result is null)
        {
            throw new ArgumentNullException(nameof(result));
        }

        return [result.CustomId, result.Status.ToString(), result.Output, result.Error, (long?)result.InputTokens, (long?)result.OutputTokens];
    }
}
