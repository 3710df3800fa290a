<#
.SYNOPSIS
    Evening flow: the day's tickets into one batch job named nightly-tickets (a new job each night).
.DESCRIPTION
    Run by the BatchAI-Submit scheduled task (Register-BatchAITasks.ps1). The key is read from a SecretManagement
    vault by name (-ApiKeySecret), so it is never in the task, the script or the job store. Exit code 0 when the
    job is submitted, 1 on any error (the task's Last Run Result shows it).
#>
[CmdletBinding()]
param(
    [string] $InputPath = 'D:\Exports\tickets.csv',
    [string] $SchemaPath = 'C:\BatchAI\ticket-triage.schema.json',
    [string] $Name = 'nightly-tickets',
    [string] $Secret = 'OpenAI'
)

$ErrorActionPreference = 'Stop'
try {
    Import-Module -Name BatchAI
    $job = Import-Csv -LiteralPath $InputPath -Encoding UTF8 |
        New-BatchRequest -Prompt "Triage this ticket.`nSubject: {subject}`n{body}" -Model 'gpt-4o-mini' -IdColumn 'ticket_id' -SchemaPath $SchemaPath |
        Submit-AIBatch -Name $Name -ApiKeySecret $Secret -Confirm:$false
    Write-Output "Submitted $($job.RequestCount) request(s) as job $($job.Id)."
    exit 0
}
catch {
    Write-Error -ErrorRecord $_ -ErrorAction Continue
    exit 1
}
