<#
.SYNOPSIS
    Registers the two scheduled tasks of the nightly flow for the current user: submit at 19:00, advance every
    15 minutes from 06:00 to 18:45.
.DESCRIPTION
    Both run as the account given, whether or not it is logged on, so they see its BatchAI store and its
    SecretManagement vault (Task Scheduler keeps the password; a logon type without it cannot open the keys that
    protect the vault). For an unattended vault, configure SecretStore once, as that account, not to prompt:
    Set-SecretStoreConfiguration -Authentication None -Interaction None (the store stays encrypted for the account).
    Copy Submit-NightlyTickets.ps1, Update-NightlyTickets.ps1 and On-Finished.ps1 to -ScriptFolder first.
.EXAMPLE
    ./Register-BatchAITasks.ps1 -ScriptFolder 'C:\BatchAI' -Credential (Get-Credential -UserName "$env:USERDOMAIN\$env:USERNAME")
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [string] $ScriptFolder = 'C:\BatchAI',
    # pwsh.exe for PowerShell 7; powershell.exe for Windows PowerShell 5.1 (the module runs on both).
    [string] $PowerShell = 'pwsh.exe',

    # The account the tasks run as.
    [Parameter(Mandatory)]
    [pscredential] $Credential
)

$ErrorActionPreference = 'Stop'
# A step that is still running when the next is due is not started twice (the job's lock would refuse it anyway).
$settings = New-ScheduledTaskSettingsSet -MultipleInstances IgnoreNew -ExecutionTimeLimit (New-TimeSpan -Hours 2) -StartWhenAvailable

function New-ScriptAction {
    param([string] $Script)
    New-ScheduledTaskAction -Execute $PowerShell -Argument "-NoProfile -NonInteractive -ExecutionPolicy Bypass -File `"$(Join-Path -Path $ScriptFolder -ChildPath $Script)`"" -WorkingDirectory $ScriptFolder
}

$submitTrigger = New-ScheduledTaskTrigger -Daily -At '19:00'
$advanceTrigger = New-ScheduledTaskTrigger -Daily -At '06:00'
# A daily trigger cannot repeat by itself: borrow the repetition of a one-time trigger.
$advanceTrigger.Repetition = (New-ScheduledTaskTrigger -Once -At '06:00' -RepetitionInterval (New-TimeSpan -Minutes 15) -RepetitionDuration (New-TimeSpan -Hours 12 -Minutes 45)).Repetition

# Task Scheduler takes the password as text; it lives only in this variable until the tasks are registered.
$password = $Credential.GetNetworkCredential().Password
if ($PSCmdlet.ShouldProcess('BatchAI-Submit and BatchAI-Advance', 'Register scheduled tasks')) {
    Register-ScheduledTask -TaskName 'BatchAI-Submit' -Description 'BatchAI: submit the nightly tickets as a batch job.' -Action (New-ScriptAction -Script 'Submit-NightlyTickets.ps1') -Trigger $submitTrigger -Settings $settings -User $Credential.UserName -Password $password -Force
    Register-ScheduledTask -TaskName 'BatchAI-Advance' -Description 'BatchAI: advance the newest nightly-tickets job; never waits.' -Action (New-ScriptAction -Script 'Update-NightlyTickets.ps1') -Trigger $advanceTrigger -Settings $settings -User $Credential.UserName -Password $password -Force
}
