using System.Globalization;
using BatchAI.Providers;
using BatchAI.Requests;

namespace BatchAI.Urgency;

/// <summary>
/// Reads workflow steps as people write them (a CSV row, PowerShell parameters): <c>PersonWaiting</c> yes/no/true/false,
/// <c>Trigger</c> live-user/event/schedule/backfill, deadlines as durations, <c>ItemCount</c>, <c>Provider</c>. A value
/// that cannot be read is an error naming the field, never guessed at.
/// </summary>
public static class UrgencySteps
{
    public static readonly IReadOnlyList<string> Columns = ["Step", "PersonWaiting", "Trigger", "ItemDeadline", "JobDeadline", "ItemCount", "Provider"];

    /// <summary>Builds the input from texts; each argument may be null or empty (unknown).</summary>
    /// <exception cref="BatchAIException">A value cannot be read (its field is named).</exception>
    public static UrgencyInput Parse(string? step, string? personWaiting, string? trigger, string? itemDeadline, string? jobDeadline, string? itemCount, string? provider) => new()
    {
        Step = string.IsNullOrWhiteSpace(step) ? null : step!.Trim(),
        PersonWaiting = ParseYesNo(personWaiting, "PersonWaiting"),
        Trigger = ParseTrigger(trigger),
        ItemDeadline = Duration(itemDeadline, "ItemDeadline"),
        JobDeadline = Duration(jobDeadline, "JobDeadline"),
        ItemCount = string.IsNullOrWhiteSpace(itemCount) ? null
            : long.TryParse(itemCount!.Trim().Replace(",", string.Empty).Replace("_", string.Empty), NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count
            : throw new StepFieldException("ItemCount", "ItemCountInvalid", $"'{itemCount}' is not a whole number of items"),
        Provider = string.IsNullOrWhiteSpace(provider) ? null : ProviderNames.Parse(provider!),
    };

    /// <summary>The steps of a file (CSV, TSV or JSONL), in order; a row that cannot be read is a problem naming its row and field.</summary>
    public static IEnumerable<(UrgencyInput? Step, RecordProblem? Problem)> Read(IRecordSource records)
    {
        if (records is null)
        {
            throw new ArgumentNullException(nameof(records));
        }

        foreach (var item in records.Read())
        {
            if (item.Problem is { } unreadable)
            {
                yield return (null, unreadable);
                continue;
            }

            var record = item.Record!;
            string? Text(string column) => record.Columns.Names.FirstOrDefault(n => string.Equals(n, column, StringComparison.OrdinalIgnoreCase)) is { } name
                && record.TryGetValue(name, out var value) && value is not null
                ? Convert.ToString(value, CultureInfo.InvariantCulture)
                : null;
            UrgencyInput? step = null;
            RecordProblem? problem = null;
            try
            {
                step = Parse(Text("Step"), Text("PersonWaiting"), Text("Trigger"), Text("ItemDeadline"), Text("JobDeadline"), Text("ItemCount"), Text("Provider"));
            }
            catch (StepFieldException error)
            {
                problem = RecordProblem.For(record, error.Field, error.ErrorId, error.Detail);
            }
            catch (BatchAIException error) when (error.ErrorId == "ProviderUnknown")
            {
                problem = RecordProblem.For(record, "Provider", error.ErrorId, error.Message);
            }

            yield return (step, problem);
        }
    }

    public static bool? ParseYesNo(string? text, string field)
    {
        var value = (text ?? string.Empty).Trim().ToUpperInvariant();
        return value switch
        {
            "" => null,
            "YES" or "Y" or "TRUE" or "1" => true,
            "NO" or "N" or "FALSE" or "0" => false,
            _ => throw new StepFieldException(field, "YesNoInvalid", $"'{text}' is not yes or no (also: true, false)"),
        };
    }

    public static StepTrigger? ParseTrigger(string? text)
    {
        var value = (text ?? string.Empty).Trim().Replace("-", string.Empty).Replace("_", string.Empty).Replace(" ", string.Empty).ToUpperInvariant();
        return value switch
        {
            "" => null,
            "LIVEUSER" or "USER" or "LIVE" => StepTrigger.LiveUser,
            "EVENT" => StepTrigger.Event,
            "SCHEDULE" or "SCHEDULED" => StepTrigger.Schedule,
            "BACKFILL" => StepTrigger.Backfill,
            _ => throw new StepFieldException("Trigger", "TriggerInvalid", $"'{text}' is not a trigger; use live-user, event, schedule or backfill"),
        };
    }

    private static TimeSpan? Duration(string? text, string field) =>
        Durations.TryParse(text, out var duration)
            ? duration
            : throw new StepFieldException(field, "DurationInvalid", $"'{text}' is not a duration; write it as 30s, 10m, 12h, 7d (or 1h30m), or leave it empty");
}

/// <summary>A step's field that cannot be read; the message names the field first.</summary>
public sealed class StepFieldException : BatchAIException
{
    public StepFieldException(string field, string errorId, string detail)
        : base(ErrorKind.InvalidInput, errorId, field + ": " + detail + ".")
    {
        Field = field;
        Detail = detail;
    }

    public string Field { get; }

    public string Detail { get; }
}
