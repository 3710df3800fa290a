using System.Management.Automation;
using BatchAI.Costs;
using BatchAI.Infrastructure;

namespace BatchAI.Commands;

/// <summary>
/// <para type="synopsis">Sets the job store's spending caps: a submit whose estimated batch cost would pass one is refused before anything is sent.</para>
/// <para type="description">-PerJob caps one job; -PerMonth caps the estimated batch cost of every job submitted from
/// the store in the calendar month (UTC). -Clear removes both. Submit-AIBatch -Force goes over them once.</para>
/// </summary>
[Cmdlet(VerbsCommon.Set, "AIBatchSpendingCap", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = SetCaps)]
[OutputType(typeof(SpendingCap))]
public sealed class SetAIBatchSpendingCapCommand : JobCmdlet
{
    private const string SetCaps = "Set";
    private const string ClearCaps = "Clear";

    /// <summary>The most one job may cost at batch rates, in US dollars.</summary>
    [Parameter(ParameterSetName = SetCaps, ValueFromPipelineByPropertyName = true)]
    public decimal PerJob { get; set; }

    /// <summary>The most the store's jobs may cost in a calendar month, in US dollars.</summary>
    [Parameter(ParameterSetName = SetCaps, ValueFromPipelineByPropertyName = true)]
    public decimal PerMonth { get; set; }

    /// <summary>Remove both caps.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ClearCaps, ValueFromPipelineByPropertyName = true)]
    public SwitchParameter Clear { get; set; }

    protected override void ProcessRecord()
    {
        var cap = Clear ? new SpendingCap() : Service.SpendingCap;
        if (MyInvocation.BoundParameters.ContainsKey(nameof(PerJob)))
        {
            cap.PerJobUsd = PerJob;
        }

        if (MyInvocation.BoundParameters.ContainsKey(nameof(PerMonth)))
        {
            cap.PerMonthUsd = PerMonth;
        }

        if (!ShouldProcess(Service.StorePath, "Set the spending caps"))
        {
            return;
        }

        try
        {
            Service.SpendingCap = cap;
            WriteObject(cap);
        }
        catch (BatchAIException error)
        {
            WriteError(ErrorRecords.From(error, cap));
        }
    }
}
