using System.Reflection;

namespace BatchAI.Cmdlets.Tests;

/// <summary>The PowerShell conventions of ARCHITECTURE.md, checked on every cmdlet class from its metadata.</summary>
public class CmdletContractTests
{
    private static readonly CmdletMetadata Metadata = CmdletMetadata.Instance;

    public static TheoryData<string> Cmdlets => [.. CmdletMetadata.Instance.CmdletTypes.Select(t => t.Name)];

    private static Type Cmdlet(string className) => Metadata.CmdletTypes.Single(t => t.Name == className);

    [Fact]
    public void TheModuleHasTheCmdletsOfThePipelineAndOfRecovery()
    {
        Assert.Equal(
            ["Compare-AIBatchCost", "Get-AIBatch", "Get-AIBatchRecord", "Get-AIBatchReport", "Get-AIModelPrice", "Invoke-AIRequest", "New-BatchRequest", "Receive-AIBatchResult", "Resume-AIBatch", "Set-AIBatchSpendingCap", "Stop-AIBatch", "Submit-AIBatch", "Test-AIStepUrgency", "Update-AIBatch", "Wait-AIBatch"],
            Metadata.CmdletTypes.Select(CmdletMetadata.CmdletName).Order());
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void UsesAnApprovedVerbAndTheClassNamingConvention(string className)
    {
        var type = Cmdlet(className);
        var name = CmdletMetadata.CmdletName(type);
        var verb = name.Split('-')[0];

        Assert.Contains(verb, Metadata.ApprovedVerbs);
        Assert.Equal("BatchAI.Commands", type.Namespace);
        Assert.Equal(name.Replace("-", string.Empty, StringComparison.Ordinal) + "Command", type.Name);
        Assert.True(type.IsSealed, className + " should be sealed");
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void DeclaresItsOutputType(string className) =>
        Assert.NotEmpty(CmdletMetadata.OutputTypeNames(Cmdlet(className)));

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void EveryParameterSetTakesPipelineInput(string className)
    {
        var type = Cmdlet(className);
        var parameters = CmdletMetadata.Parameters(type).ToList();
        var sets = parameters.Select(p => CmdletMetadata.SetOf(p.Parameter)).Where(s => s != CmdletMetadata.AllSets).Distinct().ToList();
        if (sets.Count == 0)
        {
            sets.Add(CmdletMetadata.AllSets);
        }

        foreach (var set in sets)
        {
            var inSet = parameters.Where(p => CmdletMetadata.SetOf(p.Parameter) == set || CmdletMetadata.SetOf(p.Parameter) == CmdletMetadata.AllSets);
            Assert.True(
                inSet.Any(p => CmdletMetadata.Named<bool>(p.Parameter, "ValueFromPipeline") || CmdletMetadata.Named<bool>(p.Parameter, "ValueFromPipelineByPropertyName")),
                $"{className}: parameter set '{set}' takes no pipeline input");
        }
    }

    [Theory]
    [InlineData("SubmitAIBatchCommand", true)]
    [InlineData("StopAIBatchCommand", true)]
    [InlineData("ResumeAIBatchCommand", true)]
    [InlineData("NewBatchRequestCommand", false)]
    [InlineData("GetAIBatchCommand", false)]
    [InlineData("GetAIBatchRecordCommand", false)]
    [InlineData("TestAIStepUrgencyCommand", false)]
    [InlineData("GetAIModelPriceCommand", false)]
    [InlineData("CompareAIBatchCostCommand", false)]
    [InlineData("InvokeAIRequestCommand", true)]
    [InlineData("GetAIBatchReportCommand", false)]
    [InlineData("SetAIBatchSpendingCapCommand", true)]
    [InlineData("WaitAIBatchCommand", true)] // it submits batches waiting for room in the queue
    [InlineData("ReceiveAIBatchResultCommand", false)]
    [InlineData("UpdateAIBatchCommand", true)]
    public void WhatSpendsMoneyOrChangesStateSupportsShouldProcess(string className, bool expected)
    {
        var cmdlet = CmdletMetadata.Attribute(Cmdlet(className), "CmdletAttribute")!;

        Assert.Equal(expected, CmdletMetadata.Named<bool>(cmdlet, "SupportsShouldProcess"));
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void TheDefaultParameterSetExists(string className)
    {
        var type = Cmdlet(className);
        var declared = CmdletMetadata.Named<string>(CmdletMetadata.Attribute(type, "CmdletAttribute")!, "DefaultParameterSetName");
        if (declared is null)
        {
            return;
        }

        Assert.Contains(declared, CmdletMetadata.Parameters(type).Select(p => CmdletMetadata.SetOf(p.Parameter)));
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void ParametersAreSettablePropertiesWithDistinctNamesAndAliases(string className)
    {
        var type = Cmdlet(className);
        var properties = CmdletMetadata.Parameters(type).Select(p => p.Property).Distinct().ToList();
        var names = properties.Select(p => p.Name)
            .Concat(properties.SelectMany(p => CmdletMetadata.Attributes(p, "AliasAttribute")).SelectMany(a => ((IEnumerable<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value!).Select(v => (string)v.Value!)))
            .ToList();

        Assert.All(properties, p => Assert.True(p.CanWrite && p.SetMethod!.IsPublic, p.Name));
        Assert.Equal(names.Count, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public void JobCmdletsAddressJobsByIdFromThePipelineByPropertyName()
    {
        foreach (var className in new[] { "GetAIBatchCommand", "WaitAIBatchCommand", "ReceiveAIBatchResultCommand", "StopAIBatchCommand", "ResumeAIBatchCommand", "SubmitAIBatchCommand", "GetAIBatchRecordCommand", "GetAIBatchReportCommand", "UpdateAIBatchCommand" })
        {
            var id = CmdletMetadata.Parameters(Cmdlet(className)).Single(p => p.Property.Name == "Id").Parameter;
            Assert.True(CmdletMetadata.Named<bool>(id, "ValueFromPipelineByPropertyName"), className);
            Assert.Equal(0, CmdletMetadata.Named<int>(id, "Position"));
        }
    }

    [Fact]
    public void WaitMirrorsWaitJobsTimeoutParameter()
    {
        var timeout = CmdletMetadata.Parameters(Cmdlet("WaitAIBatchCommand")).Single(p => p.Property.Name == "Timeout");
        var aliases = CmdletMetadata.Attributes(timeout.Property, "AliasAttribute").SelectMany(a => ((IEnumerable<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value!).Select(v => (string)v.Value!));

        Assert.Contains("TimeoutSec", aliases);
        Assert.Contains(CmdletMetadata.Parameters(Cmdlet("WaitAIBatchCommand")), p => p.Property.Name == "Any");
    }

    [Fact]
    public void TheApiKeyParameterIsASecureString()
    {
        foreach (var type in Metadata.CmdletTypes)
        {
            foreach (var (property, _) in CmdletMetadata.Parameters(type).Where(p => p.Property.Name == "ApiKey"))
            {
                Assert.Equal("System.Security.SecureString", property.PropertyType.FullName);
            }
        }
    }

    [Fact]
    public void EveryJobCmdletReadsTheKeyFromAVaultByName()
    {
        foreach (var type in Metadata.CmdletTypes.Where(t => t.BaseType?.Name == "JobCmdlet"))
        {
            var parameters = CmdletMetadata.Parameters(type).Select(p => p.Property).ToList();
            Assert.Contains(parameters, p => p.Name == "ApiKeySecret" && p.PropertyType.FullName == "System.String");
            Assert.Contains(parameters, p => p.Name == "Vault" && p.PropertyType.FullName == "System.String");
        }
    }

    [Fact]
    public void SubmitChoosesAnyOfTheFourProvidersInBothParameterSets()
    {
        var provider = CmdletMetadata.Parameters(Cmdlet("SubmitAIBatchCommand")).Where(p => p.Property.Name == "Provider").ToList();

        Assert.Equal(["Emulator", "Provider"], provider.Select(p => CmdletMetadata.SetOf(p.Parameter)).Order());
        Assert.Contains(CmdletMetadata.Parameters(Cmdlet("SubmitAIBatchCommand")), p => p.Property.Name == "ApiVersion");
    }

    [Fact]
    public void EveryProviderParameterOffersExactlyTheEnginesProviders()
    {
        var kinds = Metadata.Engine.GetType("BatchAI.Providers.ProviderKind")!.GetFields().Where(f => f.IsStatic).Select(f => f.Name).ToList();
        var checkedCmdlets = new List<string>();
        foreach (var type in Metadata.CmdletTypes)
        {
            foreach (var property in CmdletMetadata.Parameters(type).Select(p => p.Property).Where(p => p.Name == "Provider" && p.PropertyType.FullName == "System.String").Distinct())
            {
                // Test-AIStepUrgency takes any name (with a completer); Get-AIModelPrice filters the price table's sources.
                if (CmdletMetadata.Attribute(property, "ValidateSetAttribute") is not { } set || type.Name == "GetAIModelPriceCommand")
                {
                    continue;
                }

                var values = ((IEnumerable<CustomAttributeTypedArgument>)set.ConstructorArguments[0].Value!).Select(v => (string)v.Value!);
                Assert.Equal(kinds, values);
                checkedCmdlets.Add(type.Name);
            }
        }

        Assert.Equal(["CompareAIBatchCostCommand", "InvokeAIRequestCommand", "SubmitAIBatchCommand"], checkedCmdlets.Order());
    }

    /// <summary>
    /// PowerShell lays out every cmdlet class when it imports the module, before the module's initializer puts the
    /// engine within reach: a field of an engine value type (an enum parameter) would make the import fail.
    /// </summary>
    [Fact]
    public void NoCmdletAssemblyTypeNeedsTheEngineToBeLaidOut()
    {
        var offending = Metadata.Cmdlets.GetTypes()
            .SelectMany(t => t.GetFields(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly).Select(f => (Type: t, Field: f)))
            .Where(x => x.Field.FieldType.IsValueType && x.Field.FieldType.Assembly != Metadata.Cmdlets && x.Field.FieldType.Assembly.GetName().Name!.StartsWith("BatchAI.", StringComparison.Ordinal))
            .Select(x => x.Type.Name + "." + x.Field.Name)
            .ToList();

        Assert.Empty(offending);
    }

    [Fact]
    public void SubmitRetriesAJobByIdInItsOwnParameterSet()
    {
        var parameters = CmdletMetadata.Parameters(Cmdlet("SubmitAIBatchCommand")).ToList();
        string[] SetsOf(string name) => [.. parameters.Where(p => p.Property.Name == name).Select(p => CmdletMetadata.SetOf(p.Parameter)).Order()];

        Assert.Equal(["Retry"], SetsOf("Retry"));
        Assert.Equal(["Retry"], SetsOf("Id"));
        Assert.Equal(["Retry"], SetsOf("MaxAttempts"));
        Assert.Equal(["Emulator", "Provider"], SetsOf("Request"));
        Assert.Equal(["Emulator", "Provider"], SetsOf("Name"));
        Assert.True(CmdletMetadata.Named<bool>(parameters.Single(p => p.Property.Name == "Retry").Parameter, "Mandatory"));
    }

    [Fact]
    public void SubmitCanPilotSkipAndKeepFilesAndResumeCanRelease()
    {
        var submit = CmdletMetadata.Parameters(Cmdlet("SubmitAIBatchCommand")).ToList();
        string[] SetsOf(string name) => [.. submit.Where(p => p.Property.Name == name).Select(p => CmdletMetadata.SetOf(p.Parameter)).Order()];

        foreach (var name in new[] { "Pilot", "SkipInvalid", "KeepProviderFiles", "BatchSize" })
        {
            Assert.Equal(["Emulator", "Provider"], SetsOf(name));
        }

        Assert.Contains(CmdletMetadata.Parameters(Cmdlet("ResumeAIBatchCommand")), p => p.Property.Name == "Release" && p.Property.PropertyType.Name == "SwitchParameter");
    }

    [Fact]
    public void TestAIStepUrgencyTakesEveryStepColumnByPropertyNameAndReturnsABoolOrAVerdict()
    {
        var type = Cmdlet("TestAIStepUrgencyCommand");
        var parameters = CmdletMetadata.Parameters(type).ToList();

        foreach (var column in new[] { "Step", "PersonWaiting", "Trigger", "ItemDeadline", "JobDeadline", "ItemCount", "Provider" })
        {
            Assert.True(CmdletMetadata.Named<bool>(parameters.Single(p => p.Property.Name == column).Parameter, "ValueFromPipelineByPropertyName"), column);
        }

        Assert.Contains(parameters, p => p.Property.Name == "Detailed" && p.Property.PropertyType.Name == "SwitchParameter");
        Assert.Equal(["BatchAI.Urgency.UrgencyVerdict", "System.Boolean"], CmdletMetadata.OutputTypeNames(type).Order());
    }

    [Fact]
    public void ModelNamesTabComplete()
    {
        var model = CmdletMetadata.Parameters(Cmdlet("NewBatchRequestCommand")).Single(p => p.Property.Name == "Model").Property;
        var completer = Assert.Single(CmdletMetadata.Attributes(model, "ArgumentCompleterAttribute"));
        var type = (Type)completer.ConstructorArguments[0].Value!;

        Assert.Equal("BatchAI.Infrastructure.ModelCompleter", type.FullName);
        Assert.Contains(type.GetInterfaces(), i => i.FullName == "System.Management.Automation.IArgumentCompleter");
    }

    [Fact]
    public void EveryJobModelAndProviderArgumentTabCompletes()
    {
        var checkedParameters = new List<string>();
        foreach (var type in Metadata.CmdletTypes)
        {
            foreach (var property in CmdletMetadata.Parameters(type).Select(p => p.Property).Distinct())
            {
                var expected = property.Name switch
                {
                    "Id" when type.BaseType?.Name == "JobCmdlet" || type.Name == "CompareAIBatchCostCommand" => "BatchAI.Infrastructure.JobCompleter",
                    "Model" => "BatchAI.Infrastructure.ModelCompleter",
                    // An enum or a ValidateSet completes without help; a free string needs the completer.
                    "Provider" when property.PropertyType.FullName == "System.String" && !CmdletMetadata.Attributes(property, "ValidateSetAttribute").Any() => "BatchAI.Infrastructure.ProviderCompleter",
                    _ => null,
                };
                if (expected is null)
                {
                    continue;
                }

                var completer = Assert.Single(CmdletMetadata.Attributes(property, "ArgumentCompleterAttribute"));
                Assert.Equal(expected, ((Type)completer.ConstructorArguments[0].Value!).FullName);
                checkedParameters.Add(type.Name + "." + property.Name);
            }
        }

        Assert.Contains("UpdateAIBatchCommand.Id", checkedParameters);
        Assert.Contains("GetAIBatchCommand.Id", checkedParameters);
        Assert.Contains("NewBatchRequestCommand.Model", checkedParameters);
        Assert.Contains("TestAIStepUrgencyCommand.Provider", checkedParameters);
    }
}
