<#
.SYNOPSIS
    Run once by Update-AIBatch -Hook when the job is final and its results are written.
.DESCRIPTION
    Everything it needs comes in BATCHAI_* environment variables. A non-zero exit (or an error) makes the step fail,
    and the next step runs the hook again. This one appends a line to a log beside the results; replace the last
    line with what your team needs (Send-MailMessage, a Teams webhook, a copy to a share).
#>
$ErrorActionPreference = 'Stop'
$line = '{0:u} job {1} ({2}): {3}, {4} of {5} succeeded. Results: {6}' -f (Get-Date), $env:BATCHAI_JOB_ID, $env:BATCHAI_JOB_NAME, $env:BATCHAI_OUTCOME, $env:BATCHAI_SUCCEEDED, $env:BATCHAI_TOTAL, $env:BATCHAI_OUTPUT
if ($env:BATCHAI_OUTCOME -eq 'finished-with-failures') {
    $line += " Why $env:BATCHAI_UNSUCCESSFUL did not succeed: $env:BATCHAI_ERROR_LOG"
}

Add-Content -LiteralPath (Join-Path -Path (Split-Path -Path $env:BATCHAI_OUTPUT -Parent) -ChildPath 'batchai-finished.log') -Value $line
