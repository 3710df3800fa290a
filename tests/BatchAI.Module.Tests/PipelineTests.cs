using BatchAI.ModuleTests.Support;

namespace BatchAI.ModuleTests;

/// <summary>The cmdlets in real PowerShell: from Import-Csv to Export-Csv, bad records, error ids, -WhatIf.</summary>
public sealed class PipelineTests : IDisposable
{
    private readonly PowerShellSession _session = new();

    public PipelineTests() => Environment.SetEnvironmentVariable("BATCHAI_EMULATOR_PROCESSING_SECONDS", "1");

    [Fact]
    public void FromImportCsvToExportCsvEveryTicketComesBackWithItsColumnsAndItsResult()
    {
        var out_ = _session.File("results.csv");
        var lines = _session.Lines($$"""
            Import-Csv -Path '{{PowerShellSession.Tickets}}' -Encoding UTF8 |
                New-BatchRequest -Prompt 'Triage: {subject}' -Model gpt-4o-mini -IdColumn ticket_id |
                Submit-AIBatch -Emulator -Name tickets -Confirm:$false |
                Wait-AIBatch |
                Receive-AIBatchResult |
                Export-Csv -Path '{{out_}}' -NoTypeInformation -Encoding UTF8
            $rows = Import-Csv -Path '{{out_}}' -Encoding UTF8
            $rows.Count
            ($rows[0].PSObject.Properties.Name) -join ','
            ($rows | Where-Object status -EQ 'Succeeded').Count
            $rows[2].customer
            """);

        Assert.Equal("18", lines[0]);
        Assert.Equal("ticket_id,received,customer,subject,body,custom_id,status,output,error,input_tokens,output_tokens", lines[1]);
        Assert.Equal("18", lines[2]);
        Assert.Equal("李雷", lines[3]);
    }

    [Fact]
    public void ABadRecordIsANonTerminatingErrorNamingItsRowAndFieldAndTheRestGoOn()
    {
        var run = _session.Run("""
            @{ subject = 'a' }, @{ other = 'b' }, @{ subject = 'c' } |
                New-BatchRequest -Prompt 'Triage: {subject}' -Model gpt-4o-mini
            """);

        Assert.Equal(2, run.Output.Count);
        var error = Assert.Single(run.Errors);
        Assert.StartsWith("ColumnMissing", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal("InvalidData", error.CategoryInfo.Category.ToString());
        Assert.Contains("row 2", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("subject", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ErrorActionStopStopsAtTheFirstBadRecord()
    {
        var run = _session.Run("""
            @{ other = 'b' }, @{ subject = 'c' } | New-BatchRequest -Prompt '{subject}' -Model gpt-4o-mini -ErrorAction Stop
            """);

        Assert.NotNull(run.Failure);
        Assert.Empty(run.Output);
    }

    [Fact]
    public void CompareAIBatchCostTellsPipedRequestsFromPipedCountsAndJobs()
    {
        var lines = _session.Lines($$"""
            $requests = Import-Csv -Path '{{PowerShellSession.Tickets}}' | New-BatchRequest -Prompt 'Triage: {subject}' -Model gpt-4o-mini
            ($requests | Compare-AIBatchCost -OutputTokens 50).Basis
            ($requests | Compare-AIBatchCost -OutputTokens 50).Requests
            ([pscustomobject]@{ Model = 'gpt-4o-mini'; Requests = 10; InputTokens = 100; OutputTokens = 10 } | Compare-AIBatchCost).Requests
            ($requests | Submit-AIBatch -Emulator -Confirm:$false | Wait-AIBatch | Compare-AIBatchCost).Basis
            $counted = 1..600 | ForEach-Object { [pscustomobject]@{ t = "text $_" } } | New-BatchRequest -Prompt 'Say {t}' -Model gpt-4o-mini | Compare-AIBatchCost -OutputTokens 5 -CountWithProvider -Emulator
            "$($counted.Requests) $($counted.TokensExact)"
            """);

        Assert.Equal(["planned", "18", "10", "actual", "600 True"], lines); // 600: counted in chunks, none lost or twice
    }

    [Fact]
    public void AnUnknownJobIsANotFoundErrorWithItsId()
    {
        var run = _session.Run("Get-AIBatch -Id no-such-job");

        var error = Assert.Single(run.Errors);
        Assert.StartsWith("JobNotFound", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal("ObjectNotFound", error.CategoryInfo.Category.ToString());
    }

    [Theory]
    [InlineData("Submit-AIBatch -Emulator -WhatIf", "[pscustomobject]@{ t = 'x' } | New-BatchRequest -Prompt '{t}' -Model gpt-4o-mini | ")]
    [InlineData("Invoke-AIRequest -Emulator -WhatIf", "[pscustomobject]@{ t = 'x' } | New-BatchRequest -Prompt '{t}' -Model gpt-4o-mini | ")]
    [InlineData("Set-AIBatchSpendingCap -PerJob 5 -WhatIf", "")]
    public void WhatIfSpendsNothingAndChangesNothing(string command, string input)
    {
        var run = _session.Run(input + command + "\n@(Get-AIBatch -NoRefresh).Count");

        run.ThrowIfFailed();
        Assert.Equal("0", Assert.Single(run.Output).ToString());
        Assert.False(File.Exists(Path.Combine(_session.Store, "spending-cap.json")));
    }

    [Fact]
    public void WhatIfOnAJobSendsWaitsCancelsAndWritesNothing()
    {
        Environment.SetEnvironmentVariable("BATCHAI_EMULATOR_PROCESSING_SECONDS", "3600");
        var lines = _session.Lines($$"""
            $job = [pscustomobject]@{ t = 'x' } | New-BatchRequest -Prompt '{t}' -Model gpt-4o-mini | Submit-AIBatch -Emulator -Confirm:$false
            @($job | Wait-AIBatch -WhatIf).Count
            @($job | Stop-AIBatch -PassThru -WhatIf).Count
            @($job | Update-AIBatch -OutFile '{{_session.File("out.csv")}}' -WhatIf).Count
            @($job | Resume-AIBatch -WhatIf).Count
            (Get-AIBatch -Id $job.Id -NoRefresh).State
            """);

        Assert.Equal(["0", "0", "0", "0", "Running"], lines);
        Assert.False(File.Exists(_session.File("out.csv")));
    }

    public void Dispose()
    {
        _session.Dispose();
        Environment.SetEnvironmentVariable("BATCHAI_EMULATOR_PROCESSING_SECONDS", null);
    }
}
