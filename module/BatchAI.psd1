@{
    # The compiled cmdlets; all behaviour lives in BatchAI.Engine.dll beside it.
    RootModule           = 'BatchAI.Cmdlets.dll'

    # Kept equal to <Version> in Directory.Build.props (a test checks it).
    ModuleVersion        = '0.1.0'
    GUID                 = '6f1d8a3e-52c4-4b7a-9d0e-8c2f4a61b9d5'
    Author               = 'BatchAI contributors'
    CompanyName          = 'BatchAI'
    Copyright            = '(c) BatchAI contributors. All rights reserved.'
    Description          = 'Sends AI work that nobody is waiting on through the providers'' Batch APIs at half the token price: records in, one request each, results joined back to the records.'

    # One binary (netstandard2.0) for Windows PowerShell 5.1 and PowerShell 7.
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    DotNetFrameworkVersion = '4.7.2'

    FormatsToProcess     = @('BatchAI.Format.ps1xml')

    CmdletsToExport      = @(
        'New-BatchRequest'
        'Submit-AIBatch'
        'Get-AIBatch'
        'Wait-AIBatch'
        'Receive-AIBatchResult'
        'Update-AIBatch'
        'Stop-AIBatch'
        'Resume-AIBatch'
        'Get-AIBatchRecord'
        'Test-AIStepUrgency'
        'Get-AIModelPrice'
        'Compare-AIBatchCost'
        'Invoke-AIRequest'
        'Get-AIBatchReport'
        'Set-AIBatchSpendingCap'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()

    PrivateData          = @{
        PSData = @{
            # PSEdition_* and the platform tags are what the PowerShell Gallery filters on.
            Tags = @('AI', 'LLM', 'Batch', 'OpenAI', 'Anthropic', 'Gemini', 'AzureOpenAI', 'Automation', 'Cost',
                'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            # LicenseUri, ProjectUri and ReleaseNotes (from CHANGELOG.md) are filled in by build.ps1 -Task Package.
        }
    }
}
