using System.Globalization;
using System.Management.Automation;
using BatchAI.Infrastructure;
using BatchAI.Urgency;

namespace BatchAI.Commands;

/// <summary>
/// <para type="synopsis">Tests whether a person is waiting on each item of a workflow step: $true means real time, $false means batch.</para>
/// <para type="description">The rule is latency tolerance, never volume or model: a person blocked on this single
/// item's result, or an item deadline inside the provider's 24-hour batch window, means real time; otherwise batch.
/// Takes steps from the pipeline by property name, so Import-Csv steps.csv | Test-AIStepUrgency -Detailed is a
/// routing table. With -Detailed, returns a verdict: the lane, the reason in plain words, and the inputs.</para>
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "AIStepUrgency")]
[OutputType(typeof(bool), typeof(UrgencyVerdict))]
public sealed class TestAIStepUrgencyCommand : PSCmdlet
{
    /// <summary>The step's name, shown in the verdict.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    public string? Step { get; set; }

    /// <summary>Whether a person is blocked on a single item's result: $true/$false, or yes/no.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public object? PersonWaiting { get; set; }

    /// <summary>What starts the step: live-user, event, schedule or backfill.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(TriggerCompleter))]
    public string? Trigger { get; set; }

    /// <summary>How soon each item's result is needed: a TimeSpan, or 30s, 10m, 12h, 7d.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public object? ItemDeadline { get; set; }

    /// <summary>How soon the whole run must be done: a TimeSpan, or 30s, 10m, 12h, 7d.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public object? JobDeadline { get; set; }

    /// <summary>How many items a run has. It never changes the verdict; the reason says so.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public object? ItemCount { get; set; }

    /// <summary>The provider whose batch window the deadlines are measured against (default OpenAI).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProviderCompleter))]
    public string? Provider { get; set; }

    /// <summary>Return the verdict object (lane, reason, inputs) instead of $true/$false.</summary>
    [Parameter]
    public SwitchParameter Detailed { get; set; }

    protected override void ProcessRecord()
    {
        UrgencyInput input;
        try
        {
            input = UrgencySteps.Parse(Step, Text(PersonWaiting), Trigger, Text(ItemDeadline), Text(JobDeadline), Text(ItemCount), Provider);
        }
        catch (BatchAIException error)
        {
            WriteError(ErrorRecords.From(error, Step));
            return;
        }

        var verdict = UrgencyRule.Decide(input);
        WriteObject(Detailed ? verdict : verdict.UseRealtime);
    }

    /// <summary>PowerShell values as the engine reads them: a TimeSpan as hh:mm:ss, a bool as True/False.</summary>
    private static string? Text(object? value)
    {
        var raw = value is PSObject wrapped ? wrapped.BaseObject : value;
        return raw switch
        {
            null => null,
            TimeSpan span => span.ToString("c", CultureInfo.InvariantCulture),
            _ => Convert.ToString(raw, CultureInfo.InvariantCulture),
        };
    }
}
