#Requires -Version 5.1
# The module through real PowerShell (Pester 5), against the in-process emulator: every cmdlet, its errors and
# their ids, -WhatIf, and the pipeline from Import-Csv to Export-Csv. It runs wherever PowerShell is installed;
# ./build.ps1 -Task Test builds out/BatchAI first, then runs it.
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSAvoidUsingConvertToSecureStringWithPlainText', '', Justification = 'A made-up key, to prove keys never reach the store.')]
param()

BeforeAll {
    $repository = Split-Path -Path (Split-Path -Path $PSScriptRoot -Parent) -Parent
    # The module build.ps1 assembled, or the one named by BATCHAI_MODULE (the .NET tests run this suite that way).
    $manifest = if ($env:BATCHAI_MODULE) { $env:BATCHAI_MODULE } else { Join-Path -Path $repository -ChildPath 'out/BatchAI/BatchAI.psd1' }
    if (-not (Test-Path -LiteralPath $manifest)) {
        throw 'Build the module first: ./build.ps1 -Task Build'
    }

    Import-Module -Name $manifest -Force
    $script:PreviousProcessing = $env:BATCHAI_EMULATOR_PROCESSING_SECONDS
    $env:BATCHAI_EMULATOR_PROCESSING_SECONDS = '1'
    $script:Tickets = Join-Path -Path $repository -ChildPath 'src/BatchAI.Cli/samples/tickets.csv'
    $script:Schema = Join-Path -Path $repository -ChildPath 'src/BatchAI.Cli/samples/ticket-triage.schema.json'
    $script:Categories = @('billing', 'bug', 'account', 'feature_request', 'question', 'other')

    function New-TestStore {
        Join-Path -Path $TestDrive -ChildPath ([guid]::NewGuid().ToString('N'))
    }

    # The sample tickets submitted, waited for and received: a finished job whose results are in the store.
    function New-ReceivedJob {
        param([string] $Store)

        $job = Import-Csv -Path $script:Tickets -Encoding UTF8 |
            New-BatchRequest -Prompt 'Triage: {subject}' -Model 'gpt-4o-mini' -IdColumn 'ticket_id' |
            Submit-AIBatch -Emulator -Store $Store -Confirm:$false |
            Wait-AIBatch -Store $Store
        $null = $job | Receive-AIBatchResult -Store $Store
        $job
    }

    # A hook script this platform runs without PowerShell on PATH: a .cmd on Windows, a .sh elsewhere.
    function New-Hook {
        param([string] $Name, [string] $Shell, [string] $Cmd)

        $onWindows = [System.Runtime.InteropServices.RuntimeInformation]::IsOSPlatform([System.Runtime.InteropServices.OSPlatform]::Windows)
        $path = Join-Path -Path $TestDrive -ChildPath ($Name + $(if ($onWindows) { '.cmd' } else { '.sh' }))
        Set-Content -LiteralPath $path -Value $(if ($onWindows) { $Cmd } else { $Shell }) -Encoding ascii
        $path
    }

    function New-SlowJob {
        param([string] $Store, [string] $Name = 'slow')

        $env:BATCHAI_EMULATOR_PROCESSING_SECONDS = '3600'
        try {
            [pscustomobject]@{ text = 'hello' } |
                New-BatchRequest -Prompt 'Say {text}' -Model 'gpt-4o-mini' |
                Submit-AIBatch -Emulator -Name $Name -Store $Store -Confirm:$false
        }
        finally {
            $env:BATCHAI_EMULATOR_PROCESSING_SECONDS = '1'
        }
    }
}

AfterAll {
    Remove-Module -Name BatchAI -ErrorAction SilentlyContinue
    $env:BATCHAI_EMULATOR_PROCESSING_SECONDS = $script:PreviousProcessing
}

Describe 'The BatchAI module' {
    It 'exports the cmdlets of the batch pipeline, of recovery, of scheduling and of costs' {
        $names = @(Get-Command -Module BatchAI | Sort-Object -Property Name | ForEach-Object { $_.Name })
        $names | Should -Be @(
            'Compare-AIBatchCost', 'Get-AIBatch', 'Get-AIBatchRecord', 'Get-AIBatchReport', 'Get-AIModelPrice',
            'Invoke-AIRequest', 'New-BatchRequest', 'Receive-AIBatchResult', 'Resume-AIBatch', 'Set-AIBatchSpendingCap',
            'Stop-AIBatch', 'Submit-AIBatch', 'Test-AIStepUrgency', 'Update-AIBatch', 'Wait-AIBatch')
    }
}

Describe 'New-BatchRequest' {
    It 'makes one request per Import-Csv row and keeps the row' {
        $requests = @(Import-Csv -Path $script:Tickets -Encoding UTF8 | New-BatchRequest -Prompt 'Triage: {subject}' -Model 'gpt-4o-mini' -IdColumn 'ticket_id')

        $requests.Count | Should -Be 18
        $requests[0].CustomId | Should -Be 'T-1001'
        $requests[0].Prompt | Should -Be 'Triage: Charged twice for November'
        $requests[0].RowNumber | Should -Be 1
        $requests[2].Source.Values[2] | Should -Be ([string][char]0x674E + [char]0x96F7)
    }

    It 'takes hashtables and a prompt property' {
        $request = @{ question = 'What is 2+2?' } | New-BatchRequest -PromptColumn 'question' -Model 'gpt-4o-mini' -MaxTokens 20 -Temperature 0

        $request.Prompt | Should -Be 'What is 2+2?'
        $request.CustomId | Should -Be 'row-1'
        $request.MaxOutputTokens | Should -Be 20
    }

    It 'writes a non-terminating error naming the row and the field for a bad record' {
        $rows = @(
            [pscustomobject]@{ id = 'ok-1'; text = 'fine' }
            [pscustomobject]@{ id = 'bad id'; text = 'x' }
            [pscustomobject]@{ id = 'ok-3'; text = 'y' }
        )

        $requests = @($rows | New-BatchRequest -Prompt '{text}' -Model 'm' -IdColumn 'id' -ErrorVariable problems -ErrorAction SilentlyContinue)

        $requests.Count | Should -Be 2
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'CustomIdInvalid*'
        $problems[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $problems[0].Exception.Message | Should -BeLike "row 2, field 'id': *"
        $problems[0].TargetObject.id | Should -Be 'bad id'
    }

    It 'stops at the first bad record with -ErrorAction Stop' {
        $rows = @([pscustomobject]@{ text = '' }, [pscustomobject]@{ text = 'never reached' })

        { $rows | New-BatchRequest -Prompt '{text}' -Model 'm' -ErrorAction Stop } | Should -Throw -ErrorId 'PromptEmpty*'
    }

    It 'rejects a broken template before reading any record' {
        { [pscustomobject]@{ a = 1 } | New-BatchRequest -Prompt 'Hello {a' -Model 'm' } | Should -Throw -ErrorId 'PromptTemplateInvalid*'
    }

    It 'reads a JSON schema from a file' {
        $request = [pscustomobject]@{ a = 1 } | New-BatchRequest -Prompt 'x {a}' -Model 'm' -SchemaPath $script:Schema

        $request.Schema.Name | Should -Be 'ticket_triage'
    }
}

Describe 'Submit-AIBatch' {
    It 'submits nothing under -WhatIf' {
        $store = New-TestStore

        Import-Csv -Path $script:Tickets -Encoding UTF8 | New-BatchRequest -Prompt 'Triage: {subject}' -Model 'gpt-4o-mini' | Submit-AIBatch -Emulator -Store $store -WhatIf

        Get-AIBatch -Store $store | Should -BeNullOrEmpty
    }

    It 'submits the requests as a job and returns it' {
        $store = New-TestStore

        $job = Import-Csv -Path $script:Tickets -Encoding UTF8 | New-BatchRequest -Prompt 'Triage: {subject}' -Model 'gpt-4o-mini' | Submit-AIBatch -Emulator -Name 'tickets' -Store $store -Confirm:$false

        $job.Id | Should -Match '^job-'
        $job.Name | Should -Be 'tickets'
        $job.RequestCount | Should -Be 18
        $job.Batches.Count | Should -Be 1
        $job.Emulated | Should -BeTrue
        $job.PSObject.TypeNames[0] | Should -Be 'BatchAI.Jobs.BatchJob'
    }

    It 'submits nothing when two requests share a custom id' {
        $store = New-TestStore
        $first = [pscustomobject]@{ id = 'same'; text = 'x' } | New-BatchRequest -Prompt '{text}' -Model 'm' -IdColumn 'id'
        $second = [pscustomobject]@{ id = 'same'; text = 'y' } | New-BatchRequest -Prompt '{text}' -Model 'm' -IdColumn 'id'

        { @($first, $second) | Submit-AIBatch -Emulator -Store $store -Confirm:$false -ErrorAction SilentlyContinue } | Should -Throw -ErrorId 'RecordsInvalid*'
        Get-AIBatch -Store $store | Should -BeNullOrEmpty
    }

    It 'keeps a job within -MaxQueuedTokens, and Wait-AIBatch submits the rest as batches finish' {
        $store = New-TestStore

        $job = Import-Csv -Path $script:Tickets -Encoding UTF8 | New-BatchRequest -Prompt 'Triage: {subject}' -Model 'gpt-4o-mini' |
            Submit-AIBatch -Emulator -MaxQueuedTokens 150 -Store $store -Confirm:$false -WarningVariable queued -WarningAction SilentlyContinue

        $job.QueuedTokenLimit | Should -Be 150
        $job.Batches.Count | Should -BeGreaterThan 1
        @($job.Batches | Where-Object AwaitsQueue).Count | Should -Be ($job.Batches.Count - 1)
        "$queued" | Should -Match 'wait for room in the provider''s queue'
        $done = $job | Wait-AIBatch -Store $store
        $done.State | Should -Be 'Finished'
        @($done | Receive-AIBatchResult -Store $store | Where-Object status -EQ 'Succeeded').Count | Should -Be 18
    }

    It 'never writes the API key to the store' {
        $store = New-TestStore
        $key = ConvertTo-SecureString -String 'sk-pester-made-up-key-0123456789' -AsPlainText -Force

        $job = [pscustomobject]@{ text = 'x' } | New-BatchRequest -Prompt '{text}' -Model 'm' | Submit-AIBatch -Emulator -ApiKey $key -Store $store -Confirm:$false
        $job | Wait-AIBatch -ApiKey $key -Store $store | Receive-AIBatchResult -ApiKey $key -Store $store | Out-Null

        Get-ChildItem -LiteralPath $store -Recurse -File | Select-String -SimpleMatch 'made-up-key' | Should -BeNullOrEmpty
    }
}

Describe 'From Import-Csv to Export-Csv' {
    It 'gives one row per ticket, every column as it was, then the result' {
        $store = New-TestStore
        $out = Join-Path -Path $TestDrive -ChildPath 'results.csv'

        Import-Csv -Path $script:Tickets -Encoding UTF8 |
            New-BatchRequest -Prompt "Triage this ticket.`nSubject: {subject}`n{body}" -Model 'gpt-4o-mini' -IdColumn 'ticket_id' -SchemaPath $script:Schema |
            Submit-AIBatch -Emulator -Store $store -Confirm:$false |
            Wait-AIBatch -Store $store |
            Receive-AIBatchResult -Store $store |
            Export-Csv -Path $out -NoTypeInformation -Encoding UTF8

        $in = @(Import-Csv -Path $script:Tickets -Encoding UTF8)
        $results = @(Import-Csv -Path $out -Encoding UTF8)
        $columns = @($in[0].PSObject.Properties | ForEach-Object { $_.Name })
        $expected = $columns + @('custom_id', 'status', 'output', 'error', 'input_tokens', 'output_tokens')
        $results.Count | Should -Be $in.Count
        @($results[0].PSObject.Properties | ForEach-Object { $_.Name }) | Should -Be $expected
        for ($i = 0; $i -lt $in.Count; $i++) {
            foreach ($column in $columns) {
                $results[$i].$column | Should -BeExactly $in[$i].$column
            }

            $results[$i].custom_id | Should -Be $in[$i].ticket_id
            $results[$i].status | Should -Be 'Succeeded'
            ($results[$i].output | ConvertFrom-Json).category | Should -BeIn $script:Categories
        }
    }

    It 'works the same whichever provider runs it: <Provider>' -ForEach @(
        @{ Provider = 'OpenAI'; Model = 'gpt-4o-mini' }
        @{ Provider = 'Anthropic'; Model = 'claude-haiku-4-5' }
        @{ Provider = 'Gemini'; Model = 'gemini-2.5-flash-lite' }
        @{ Provider = 'AzureOpenAI'; Model = 'gpt-4o-mini-batch' }
    ) {
        $store = New-TestStore
        $results = @(
            Import-Csv -Path $script:Tickets -Encoding UTF8 |
                New-BatchRequest -Prompt 'Triage: {subject}' -Model $Model -IdColumn 'ticket_id' -SchemaPath $script:Schema |
                Submit-AIBatch -Emulator -Provider $Provider -Store $store -Confirm:$false |
                Wait-AIBatch -Store $store |
                Receive-AIBatchResult -Store $store
        )

        $in = @(Import-Csv -Path $script:Tickets -Encoding UTF8)
        $results.Count | Should -Be $in.Count
        $results.custom_id | Should -Be $in.ticket_id
        $results.status | Should -Be (@('Succeeded') * $in.Count)
        (Get-AIBatch -Store $store -NoRefresh).Provider | Should -Be $Provider
    }
}

Describe 'Wait-AIBatch' {
    It 'returns the job once every batch is final' {
        $store = New-TestStore
        $job = [pscustomobject]@{ text = 'x' } | New-BatchRequest -Prompt '{text}' -Model 'm' | Submit-AIBatch -Emulator -Store $store -Confirm:$false

        $done = Wait-AIBatch -Id $job.Id -Store $store

        $done.State | Should -Be 'Finished'
        $done.Batches[0].State | Should -Be 'Completed'
    }

    It 'writes a timeout error for a job still running, and returns nothing for it' {
        $store = New-TestStore
        $job = New-SlowJob -Store $store

        $finished = $job | Wait-AIBatch -Store $store -Timeout 1 -ErrorVariable waitErrors -ErrorAction SilentlyContinue

        $finished | Should -BeNullOrEmpty
        $waitErrors.Count | Should -Be 1
        $waitErrors[0].FullyQualifiedErrorId | Should -BeLike 'AIBatchWaitTimeout*'
        $waitErrors[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
    }

    It 'waits for nothing and submits nothing under -WhatIf' {
        $store = New-TestStore
        $job = New-SlowJob -Store $store

        $job | Wait-AIBatch -Store $store -WhatIf | Should -BeNullOrEmpty
    }

    It 'takes TimeoutSec like Wait-Job' {
        $store = New-TestStore
        $job = New-SlowJob -Store $store

        $job | Wait-AIBatch -Store $store -TimeoutSec 0 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}

Describe 'Update-AIBatch' {
    It 'says a running job is running, exit code 3, and writes nothing' {
        $store = New-TestStore
        $job = New-SlowJob -Store $store
        $out = Join-Path -Path $TestDrive -ChildPath 'running.csv'

        $step = $job | Update-AIBatch -OutFile $out -Store $store -Confirm:$false

        $step.Outcome | Should -Be 'Running'
        $step.ExitCode | Should -Be 3
        Test-Path -LiteralPath $out | Should -BeFalse
    }

    It 'writes the results of a finished job once, runs the hook once, and ends with exit code 0' {
        $store = New-TestStore
        $job = Import-Csv -Path $script:Tickets -Encoding UTF8 |
            New-BatchRequest -Prompt 'Triage: {subject}' -Model 'gpt-4o-mini' -IdColumn 'ticket_id' |
            Submit-AIBatch -Emulator -Name 'nightly' -Store $store -Confirm:$false |
            Wait-AIBatch -Store $store
        $out = Join-Path -Path $TestDrive -ChildPath 'nightly-{job}.csv'
        $ran = Join-Path -Path $TestDrive -ChildPath 'hook-ran.txt'
        $hook = New-Hook -Name 'hook' -Shell "echo `"`$BATCHAI_OUTCOME `$BATCHAI_SUCCEEDED`" >> '$ran'" -Cmd "@echo %BATCHAI_OUTCOME% %BATCHAI_SUCCEEDED%>> `"$ran`""

        $first = Update-AIBatch -Id 'nightly' -OutFile $out -Hook $hook -Store $store -Confirm:$false
        $second = Update-AIBatch -Id 'nightly' -OutFile $out -Hook $hook -Store $store -Confirm:$false

        $first.Outcome | Should -Be 'Finished'
        $first.ExitCode | Should -Be 0
        $first.Exported | Should -BeTrue
        $first.HookRan | Should -BeTrue
        $first.OutputPath | Should -Be (Join-Path -Path $TestDrive -ChildPath "nightly-$($job.Id).csv")
        @(Import-Csv -Path $first.OutputPath).Count | Should -Be 18
        $second.Exported | Should -BeFalse
        $second.HookRan | Should -BeFalse
        @(Get-Content -LiteralPath $ran) | Should -Be @('finished 18')
    }

    It 'does nothing under -WhatIf' {
        $store = New-TestStore
        $job = New-ReceivedJob -Store $store
        $out = Join-Path -Path $TestDrive -ChildPath 'whatif.csv'

        $job | Update-AIBatch -OutFile $out -Store $store -WhatIf | Should -BeNullOrEmpty

        Test-Path -LiteralPath $out | Should -BeFalse
    }

    It 'writes an error with the hook''s id when the hook fails, and runs it again next time' {
        $store = New-TestStore
        $job = New-ReceivedJob -Store $store
        $marker = Join-Path -Path $TestDrive -ChildPath 'second-time'
        $hook = New-Hook -Name 'flaky' -Shell "if [ -f '$marker' ]; then exit 0; fi; touch '$marker'; exit 3" -Cmd "@if exist `"$marker`" exit /b 0`r`n@echo x> `"$marker`"`r`n@exit /b 3"
        $out = Join-Path -Path $TestDrive -ChildPath 'flaky.csv'

        $job | Update-AIBatch -OutFile $out -Hook $hook -Store $store -Confirm:$false -ErrorVariable hookErrors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $retried = $job | Update-AIBatch -OutFile $out -Hook $hook -Store $store -Confirm:$false

        $hookErrors[0].FullyQualifiedErrorId | Should -BeLike 'JobHookFailed*'
        $hookErrors[0].CategoryInfo.Category | Should -Be 'InvalidResult'
        $retried.HookRan | Should -BeTrue
    }
}

Describe 'Tab completion' {
    BeforeAll {
        $script:CompletionStore = New-TestStore
        $script:Completed = New-SlowJob -Store $script:CompletionStore -Name 'nightly-leads'
    }

    It 'completes job names and ids from the store given with -Store' {
        $line = "Get-AIBatch -Store '$($script:CompletionStore)' -Id night"
        $names = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | ForEach-Object { $_.CompletionText }

        $names | Should -Contain 'nightly-leads'

        $line = "Update-AIBatch -Store '$($script:CompletionStore)' -Id job-"
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain $script:Completed.Id
    }

    It 'completes model names for the provider given' {
        $line = 'New-BatchRequest -Prompt x -Model claude'
        $models = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | ForEach-Object { $_.CompletionText }

        $models | Should -Not -BeNullOrEmpty
        $models | ForEach-Object { $_ | Should -BeLike 'claude*' }
    }
}

Describe 'Receive-AIBatchResult' {
    It 'refuses a job that is not finished, with an error saying so' {
        $store = New-TestStore
        $job = New-SlowJob -Store $store

        $rows = $job | Receive-AIBatchResult -Store $store -ErrorVariable receiveErrors -ErrorAction SilentlyContinue

        $rows | Should -BeNullOrEmpty
        $receiveErrors[0].FullyQualifiedErrorId | Should -BeLike 'JobNotFinished*'
        $receiveErrors[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
    }

    It 'gives full result objects with -AsBatchResult' {
        $store = New-TestStore
        $job = [pscustomobject]@{ text = 'x' } | New-BatchRequest -Prompt '{text}' -Model 'm' -SchemaPath $script:Schema | Submit-AIBatch -Emulator -Store $store -Confirm:$false

        $result = $job | Wait-AIBatch -Store $store | Receive-AIBatchResult -Store $store -AsBatchResult

        $result.PSObject.TypeNames[0] | Should -Be 'BatchAI.Jobs.BatchResult'
        $result.Status | Should -Be 'Succeeded'
        $result.ParseJson()['category'] | Should -BeIn $script:Categories
        $result.Source.RowNumber | Should -Be 1
    }
}

Describe 'Get-AIBatch' {
    BeforeAll {
        $script:GetStore = New-TestStore
        $script:Nightly = New-SlowJob -Store $script:GetStore -Name 'nightly'
    }

    It 'lists the jobs in the store' {
        @(Get-AIBatch -Store $script:GetStore).Count | Should -Be 1
    }

    It 'finds a job by name, with wildcards' {
        (Get-AIBatch -Id 'night*' -Store $script:GetStore).Id | Should -Be $script:Nightly.Id
    }

    It 'writes a not-found error for an unknown job' {
        Get-AIBatch -Id 'no-such-job' -Store $script:GetStore -ErrorVariable getErrors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

        $getErrors[0].FullyQualifiedErrorId | Should -BeLike 'JobNotFound*'
        $getErrors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'shows a table whose columns answer where the job stands' {
        $table = Get-AIBatch -Store $script:GetStore -NoRefresh | Format-Table | Out-String

        $table | Should -Match 'Requests'
        $table | Should -Match ([regex]::Escape($script:Nightly.Id))
    }
}

Describe 'Stop-AIBatch' {
    It 'changes nothing under -WhatIf' {
        $store = New-TestStore
        $job = New-SlowJob -Store $store

        Stop-AIBatch -Id $job.Id -Store $store -WhatIf

        (Get-AIBatch -Id $job.Id -Store $store).State | Should -Not -Be 'Canceling'
    }

    It 'cancels the unfinished batches and, with -PassThru, returns the job' {
        $store = New-TestStore
        $job = New-SlowJob -Store $store

        $canceled = $job | Stop-AIBatch -Store $store -Confirm:$false -PassThru
        $done = $canceled | Wait-AIBatch -Store $store

        $canceled.State | Should -Be 'Canceling'
        $done.Batches[0].State | Should -Be 'Canceled'
    }
}

Describe 'Submit-AIBatch -Retry and Resume-AIBatch' {
    BeforeAll {
        $script:PreviousErrorRate = $env:BATCHAI_EMULATOR_ERROR_RATE
        $script:PreviousExpireRate = $env:BATCHAI_EMULATOR_EXPIRE_RATE
        $script:PreviousSeed = $env:BATCHAI_EMULATOR_SEED
    }

    AfterAll {
        $env:BATCHAI_EMULATOR_ERROR_RATE = $script:PreviousErrorRate
        $env:BATCHAI_EMULATOR_EXPIRE_RATE = $script:PreviousExpireRate
        $env:BATCHAI_EMULATOR_SEED = $script:PreviousSeed
    }

    It 'sends expired and retryably failed records again until only invalid ones are left' {
        $store = New-TestStore
        $env:BATCHAI_EMULATOR_ERROR_RATE = '0.1'
        $env:BATCHAI_EMULATOR_EXPIRE_RATE = '0.3'
        $env:BATCHAI_EMULATOR_SEED = '4'
        try {
            $job = 1..200 | ForEach-Object { [pscustomobject]@{ n = $_ } } |
                New-BatchRequest -Prompt 'Say {n}' -Model 'gpt-4o-mini' |
                Submit-AIBatch -Emulator -Name 'flaky' -Store $store -Confirm:$false
            $job = $job | Wait-AIBatch -Store $store
            for ($round = 0; $round -lt 10; $round++) {
                $job = $job | Submit-AIBatch -Retry -MaxAttempts 10 -Store $store -Confirm:$false | Wait-AIBatch -Store $store
                if ($job.Records.Retryable -eq 0 -and $job.Records.Submitted -eq 0) { break }
            }

            $results = @($job | Receive-AIBatchResult -Store $store -AsBatchResult)
        }
        finally {
            $env:BATCHAI_EMULATOR_ERROR_RATE = ''
            $env:BATCHAI_EMULATOR_EXPIRE_RATE = ''
            $env:BATCHAI_EMULATOR_SEED = ''
        }

        $results.Count | Should -Be 200
        @($results.CustomId | Sort-Object -Unique).Count | Should -Be 200
        @($results | Where-Object { $_.Status -ne 'Succeeded' -and $_.Retryable }).Count | Should -Be 0
        @($results | Where-Object { $_.Status -ne 'Succeeded' }) | ForEach-Object { $_.ErrorCode | Should -Be 'invalid_request' }
        @((Get-AIBatch -Id 'flaky' -Store $store -NoRefresh).Batches).Count | Should -BeGreaterThan 1
    }

    It 'resubmits nothing under -WhatIf' {
        $store = New-TestStore
        $job = New-SlowJob -Store $store

        $job | Submit-AIBatch -Retry -Store $store -WhatIf

        @((Get-AIBatch -Id $job.Id -Store $store -NoRefresh).Batches).Count | Should -Be 1
    }

    It 'resumes a job and returns it, with its records counted' {
        $store = New-TestStore
        $job = [pscustomobject]@{ text = 'hello' } |
            New-BatchRequest -Prompt 'Say {text}' -Model 'gpt-4o-mini' |
            Submit-AIBatch -Emulator -Name 'resumable' -Store $store -Confirm:$false
        Start-Sleep -Seconds 2

        $resumed = $job | Resume-AIBatch -Store $store -Confirm:$false

        $resumed.State | Should -Be 'Finished'
        $resumed.Records.Succeeded | Should -Be 1
    }
}

Describe 'The API key from a SecretManagement vault' -Skip:(-not (Get-Module -ListAvailable -Name Microsoft.PowerShell.SecretManagement)) {
    BeforeAll {
        # A throwaway extension vault in TestDrive that holds one secret, so no real vault is touched.
        $vaultRoot = Join-Path -Path $TestDrive -ChildPath 'BatchAITestVault'
        $extension = Join-Path -Path $vaultRoot -ChildPath 'BatchAITestVault.Extension'
        New-Item -ItemType Directory -Path $extension -Force | Out-Null
        Set-Content -Path (Join-Path -Path $vaultRoot -ChildPath 'BatchAITestVault.psd1') -Value "@{ ModuleVersion = '1.0.0'; NestedModules = @('.\BatchAITestVault.Extension') }"
        Set-Content -Path (Join-Path -Path $extension -ChildPath 'BatchAITestVault.Extension.psd1') -Value "@{ ModuleVersion = '1.0.0'; RootModule = 'BatchAITestVault.Extension.psm1'; FunctionsToExport = @('Get-Secret', 'Set-Secret', 'Remove-Secret', 'Get-SecretInfo', 'Test-SecretVault') }"
        Set-Content -Path (Join-Path -Path $extension -ChildPath 'BatchAITestVault.Extension.psm1') -Value @'
function Get-Secret { param([string] $Name, [string] $VaultName, [hashtable] $AdditionalParameters) if ($Name -eq 'batchai-test-key') { ConvertTo-SecureString -String 'sk-from-the-vault' -AsPlainText -Force } }
function Set-Secret { param([string] $Name, [object] $Secret, [string] $VaultName, [hashtable] $AdditionalParameters) $false }
function Remove-Secret { param([string] $Name, [string] $VaultName, [hashtable] $AdditionalParameters) $false }
function Get-SecretInfo { param([string] $Filter, [string] $VaultName, [hashtable] $AdditionalParameters) }
function Test-SecretVault { param([string] $VaultName, [hashtable] $AdditionalParameters) $true }
'@
        Import-Module -Name Microsoft.PowerShell.SecretManagement
        Register-SecretVault -Name 'BatchAITestVault' -ModuleName $vaultRoot -AllowClobber
        $script:PreviousRequiredKey = $env:BATCHAI_EMULATOR_REQUIRE_KEY
        $env:BATCHAI_EMULATOR_REQUIRE_KEY = 'sk-from-the-vault'
    }

    AfterAll {
        $env:BATCHAI_EMULATOR_REQUIRE_KEY = $script:PreviousRequiredKey
        Unregister-SecretVault -Name 'BatchAITestVault' -ErrorAction SilentlyContinue
    }

    It 'submits with the key read from the vault' {
        $store = New-TestStore
        $job = [pscustomobject]@{ text = 'hello' } |
            New-BatchRequest -Prompt 'Say {text}' -Model 'gpt-4o-mini' |
            Submit-AIBatch -Emulator -ApiKeySecret 'batchai-test-key' -Vault 'BatchAITestVault' -Store $store -Confirm:$false

        $job.Batches[0].BatchId | Should -Not -BeNullOrEmpty
        Get-ChildItem -Path $store -Recurse -File | Select-String -SimpleMatch 'sk-from-the-vault' | Should -BeNullOrEmpty
    }

    It 'is refused by the provider without it' {
        $store = New-TestStore
        {
            [pscustomobject]@{ text = 'hello' } |
                New-BatchRequest -Prompt 'Say {text}' -Model 'gpt-4o-mini' |
                Submit-AIBatch -Emulator -Store $store -Confirm:$false -ErrorAction Stop
        } | Should -Throw -ErrorId 'ProviderAuthenticationFailed*'
    }

    It 'names the secret when it is not in the vault' {
        { Get-AIBatch -ApiKeySecret 'no-such-secret' -Vault 'BatchAITestVault' -Store (New-TestStore) -ErrorAction Stop } | Should -Throw
    }
}

Describe 'Submit-AIBatch -Pilot and Resume-AIBatch -Release' {
    It 'sends the first records, lets them be received, then sends the rest of the same job' {
        $store = New-TestStore
        $job = Import-Csv -Path $script:Tickets -Encoding UTF8 |
            New-BatchRequest -Prompt 'Triage: {subject}' -Model 'gpt-4o-mini' -IdColumn 'ticket_id' |
            Submit-AIBatch -Emulator -Pilot 5 -BatchSize 5 -Name 'pilot' -Store $store -Confirm:$false

        $pilot = @($job | Wait-AIBatch -Store $store | Receive-AIBatchResult -Store $store -WarningVariable held -WarningAction SilentlyContinue)
        $released = $job | Resume-AIBatch -Release -Store $store -Confirm:$false
        $all = @($released | Wait-AIBatch -Store $store | Receive-AIBatchResult -Store $store)

        $pilot.Count | Should -Be 5
        $held | Should -Match 'held back'
        @($released.Batches | Where-Object { $_.Held }).Count | Should -Be 0
        $all.Count | Should -Be @(Import-Csv -Path $script:Tickets -Encoding UTF8).Count
    }

    It 'releases nothing under -WhatIf' {
        $store = New-TestStore
        $job = 1..4 | ForEach-Object { [pscustomobject]@{ n = $_ } } |
            New-BatchRequest -Prompt 'Say {n}' -Model 'gpt-4o-mini' |
            Submit-AIBatch -Emulator -Pilot 1 -Store $store -Confirm:$false

        $job | Resume-AIBatch -Release -Store $store -WhatIf

        @((Get-AIBatch -Id $job.Id -Store $store -NoRefresh).Batches | Where-Object { $_.Held }).Count | Should -Be 1
    }
}

Describe 'Get-AIBatchRecord' {
    It 'lists every record of a job with its state, and filters by state' {
        $store = New-TestStore
        $job = New-ReceivedJob -Store $store

        $records = @($job | Get-AIBatchRecord -Store $store)
        $failed = @(Get-AIBatchRecord -Id $job.Id -State Failed -Store $store)

        $records.Count | Should -Be @(Import-Csv -Path $script:Tickets -Encoding UTF8).Count
        $records.State | Sort-Object -Unique | Should -Be 'Succeeded'
        $failed.Count | Should -Be 0
        ($records | Format-Table | Out-String) | Should -Match 'CustomId'
    }
}

Describe 'Test-AIStepUrgency' {
    BeforeAll {
        $script:Steps = Join-Path -Path (Split-Path -Path (Split-Path -Path $PSScriptRoot -Parent) -Parent) -ChildPath 'src/BatchAI.Cli/samples/steps.csv'
    }

    It 'returns $true when a person is waiting and $false when nobody is' {
        Test-AIStepUrgency -Step 'chat reply' -PersonWaiting $true | Should -BeTrue
        Test-AIStepUrgency -Step 'nightly summary' -Trigger schedule -JobDeadline '12h' | Should -BeFalse
    }

    It 'takes a TimeSpan as a deadline' {
        Test-AIStepUrgency -PersonWaiting no -ItemDeadline (New-TimeSpan -Minutes 10) | Should -BeTrue
    }

    It 'turns a steps file into a routing table with -Detailed' {
        $table = @(Import-Csv -Path $script:Steps | Test-AIStepUrgency -Detailed)

        $table.Count | Should -Be 9
        ($table | ForEach-Object { $_.Lane.ToString() }) | Should -Be @('Realtime', 'Realtime', 'Realtime', 'Realtime', 'Batch', 'Batch', 'Batch', 'Batch', 'Batch')
        $table[0].Step | Should -Be 'Live chatbot reply'
        $table | ForEach-Object { $_.Reason | Should -Not -BeNullOrEmpty }
        ($table | Format-Table | Out-String) | Should -Match 'Reason'
    }

    It 'writes an error naming the field it cannot read, and goes on with the next step' {
        $results = @(
            [pscustomobject]@{ Step = 'bad'; Trigger = 'cron' }, [pscustomobject]@{ Step = 'good'; Trigger = 'backfill' } |
                Test-AIStepUrgency -Detailed -ErrorVariable problems -ErrorAction SilentlyContinue
        )

        $results.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'TriggerInvalid*'
        $problems[0].Exception.Message | Should -BeLike "Trigger: 'cron'*"
    }
}

Describe 'Get-AIModelPrice and Compare-AIBatchCost' {
    It 'shows the dated price of a model, with its source' {
        $price = Get-AIModelPrice -Model 'gpt-4o-mini'

        $price.InputPerMillion | Should -Be 0.15
        $price.BatchOutputPerMillion | Should -Be 0.3
        $price.AsOf | Should -Be '2026-07-24'
        $price.Source | Should -Match 'LiteLLM'
    }

    It 'names the closest models for one it does not know' {
        Get-AIModelPrice -Model 'gpt-4o-mini-batch' -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].Exception.Message | Should -Match 'Closest known: gpt-4o-mini'
    }

    It 'matches a hand calculation for counts' {
        $comparison = Compare-AIBatchCost -Model 'gpt-4o-mini' -Requests 10000 -InputTokens 1200 -OutputTokens 300 -PlatformCostPerOperation 0.01 -RunsPerMonth 30

        $comparison.RealtimeCost | Should -Be 103.60
        $comparison.BatchCost | Should -Be 1.83
        $comparison.Savings | Should -Be 101.77
        $comparison.MonthlySavings | Should -Be 3053.10
        ($comparison | Format-Table | Out-String) | Should -Match 'SavingsPercent'
    }

    It 'estimates requests from the pipeline and prices a finished job' {
        $store = New-TestStore
        $requests = Import-Csv -Path $script:Tickets -Encoding UTF8 | New-BatchRequest -Prompt 'Triage: {subject}' -Model 'gpt-4o-mini'
        $planned = $requests | Compare-AIBatchCost -OutputTokens 50
        $job = $requests | Submit-AIBatch -Emulator -Store $store -Confirm:$false | Wait-AIBatch -Store $store
        $null = $job | Receive-AIBatchResult -Store $store
        $actual = $job | Compare-AIBatchCost -Store $store

        $counted = $requests | Compare-AIBatchCost -OutputTokens 50 -CountWithProvider -Emulator -Store $store
        $planned.Requests | Should -Be $requests.Count
        $planned.Basis | Should -Be 'planned'
        $counted.TokensExact | Should -BeTrue
        $actual.Basis | Should -Be 'actual'
        $actual.BatchCost * 2 | Should -Be $actual.RealtimeCost
    }
}

Describe 'Invoke-AIRequest' {
    It 'answers the same requests in real time, in the rows Receive-AIBatchResult gives' {
        $store = New-TestStore
        $requests = Import-Csv -Path $script:Tickets -Encoding UTF8 | New-BatchRequest -Prompt 'Triage: {subject}' -Model 'gpt-4o-mini' -IdColumn 'ticket_id'

        $realtime = @($requests | Invoke-AIRequest -Emulator -MaxConcurrency 4 -Store $store -Confirm:$false)
        $batch = @($requests | Submit-AIBatch -Emulator -Store $store -Confirm:$false | Wait-AIBatch -Store $store | Receive-AIBatchResult -Store $store)

        $realtime.Count | Should -Be $batch.Count
        ($realtime | ConvertTo-Csv -NoTypeInformation) | Should -Be ($batch | ConvertTo-Csv -NoTypeInformation)
    }

    It 'calls nothing under -WhatIf' {
        $rows = @([pscustomobject]@{ text = 'hi' } | New-BatchRequest -Prompt 'Say {text}' -Model 'gpt-4o-mini' | Invoke-AIRequest -Emulator -WhatIf)
        $rows.Count | Should -Be 0
    }
}

Describe 'Get-AIBatchReport' {
    It 'reports a finished job from the store' {
        $store = New-TestStore
        $job = New-ReceivedJob -Store $store

        $report = $job | Get-AIBatchReport -Store $store

        $report.Records | Should -Be @(Import-Csv -Path $script:Tickets -Encoding UTF8).Count
        $report.Outstanding | Should -Be 0
        $report.RealtimeCost | Should -Be ($report.BatchCost * 2)
    }
}

Describe 'Set-AIBatchSpendingCap' {
    It 'refuses a submit over the cap, with the figures, and lets -Force through' {
        $store = New-TestStore
        $null = Set-AIBatchSpendingCap -PerJob 0.000001 -Store $store -Confirm:$false
        $requests = 1..5 | ForEach-Object { [pscustomobject]@{ n = $_ } } | New-BatchRequest -Prompt 'Say {n}' -Model 'gpt-4o-mini' -MaxTokens 100

        { $requests | Submit-AIBatch -Emulator -Store $store -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'SpendingCapExceeded*'
        $job = $requests | Submit-AIBatch -Emulator -Force -Store $store -Confirm:$false

        $job.EstimatedCostUsd | Should -BeGreaterThan 0
        $null = Set-AIBatchSpendingCap -Clear -Store $store -Confirm:$false
    }
}

Describe 'Resume-AIBatch -Fallback' {
    It 'runs what a job has not answered in real time, near its deadline or when told to now' {
        $store = New-TestStore
        $job = New-SlowJob -Store $store

        $done = $job | Resume-AIBatch -Fallback -Now -Store $store -Confirm:$false
        $results = @($done | Receive-AIBatchResult -Store $store)

        $done.State | Should -Be 'Finished'
        $results.status | Should -Be 'Succeeded'
    }
}

Describe 'Submit-AIBatch -DryRun' {
    It 'writes the request files, sends nothing, and Resume-AIBatch sends them' {
        $store = New-TestStore
        $job = 1..3 | ForEach-Object { [pscustomobject]@{ n = $_ } } |
            New-BatchRequest -Prompt 'Say {n}' -Model 'gpt-4o-mini' |
            Submit-AIBatch -Emulator -DryRun -Store $store -Confirm:$false

        $job.DryRun | Should -BeTrue
        $job.Batches[0].BatchId | Should -BeNullOrEmpty
        @(Get-Content -Path (Join-Path -Path $job.Folder -ChildPath 'parts/part-0001.jsonl')).Count | Should -Be 3

        $sent = $job | Resume-AIBatch -Store $store -Confirm:$false
        $sent.DryRun | Should -BeFalse
        $sent.Batches[0].BatchId | Should -Not -BeNullOrEmpty
    }
}
