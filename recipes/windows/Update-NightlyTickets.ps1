<#
.SYNOPSIS
    Morning flow: one step of the newest nightly-tickets job, never waiting.
.DESCRIPTION
    Run every 15 minutes by the BatchAI-Advance scheduled task (Register-BatchAITasks.ps1). Downloads what finished,
    resends what is retryable, and once every record is final writes the results (one file per job) and runs the
    hook once. Exits with the step's code: 0 finished, 3 still running, 4 finished with failures, 1 an error; the
    task's Last Run Result shows it (0x3, 0x4, 0x1).
#>
[CmdletBinding()]
param(
    [string] $Name = 'nightly-tickets',
    [string] $OutFile = 'D:\Reports\tickets-{job}.csv',
    [string] $Hook = 'C:\BatchAI\On-Finished.ps1',
    [string] $Secret = 'OpenAI'
)

$ErrorActionPreference = 'Stop'
try {
    Import-Module -Name BatchAI
    $step = Update-AIBatch -Id $Name -OutFile $OutFile -Hook $Hook -ApiKeySecret $Secret -Confirm:$false
    Write-Output $step.ToString()
    exit $step.ExitCode
}
catch {
    Write-Error -ErrorRecord $_ -ErrorAction Continue
    exit 1
}
