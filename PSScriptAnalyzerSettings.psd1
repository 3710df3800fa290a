@{
    # Rules for build.ps1, the module manifest and the Pester suite. Run by ./build.ps1 -Task Test.
    Severity            = @('Error', 'Warning', 'Information')
    IncludeDefaultRules = $true

    ExcludeRules        = @(
        # build.ps1 is an interactive front door: Write-Host is how it talks to the person running it.
        'PSAvoidUsingWriteHost'
    )

    Rules               = @{
        # One code base for Windows PowerShell 5.1 and PowerShell 7.
        PSUseCompatibleSyntax      = @{
            Enable         = $true
            TargetVersions = @('5.1', '7.0')
        }
        PSAvoidUsingCmdletAliases  = @{ Enable = $true }
        PSUseCorrectCasing         = @{ Enable = $true }
        PSPlaceOpenBrace           = @{
            Enable             = $true
            OnSameLine         = $true
            NewLineAfter       = $true
            IgnoreOneLineBlock = $true
        }
        PSPlaceCloseBrace          = @{
            Enable             = $true
            NewLineAfter       = $false
            IgnoreOneLineBlock = $true
            NoEmptyLineBefore  = $false
        }
        PSUseConsistentIndentation = @{
            Enable              = $true
            Kind                = 'space'
            IndentationSize     = 4
            PipelineIndentation = 'IncreaseIndentationForFirstPipeline'
        }
        PSUseConsistentWhitespace  = @{
            Enable          = $true
            CheckOpenBrace  = $true
            CheckOpenParen  = $true
            CheckOperator   = $false
            CheckSeparator  = $true
            CheckInnerBrace = $true
            CheckPipe       = $true
        }
    }
}
