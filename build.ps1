<#
.SYNOPSIS
    Builds, tests, packages and demonstrates BatchAI where PowerShell is installed.

.DESCRIPTION
    Build    Publishes the cmdlet assembly and assembles out/BatchAI, ready for Import-Module.
    Test     Builds the module, then runs the Pester suite (tests/Pester) and PSScriptAnalyzer with the
             project's settings. Unless -PowerShellOnly is given, it first runs the .NET and contract tests
             (the same ones ./test.sh runs).
    Package  Builds the module and zips it as out/BatchAI-<version>.zip.
    Demo     Runs 'batchai demo': the sample tickets through the in-process emulator.

.EXAMPLE
    ./build.ps1
    Import-Module ./out/BatchAI

.EXAMPLE
    ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package', 'Demo')]
    [string[]] $Task = @('Build'),

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Skip the .NET and contract tests (./test.sh runs them itself before calling this script).
    [switch] $PowerShellOnly
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$root = $PSScriptRoot
$moduleOut = Join-Path -Path $root -ChildPath 'out/BatchAI'

function Invoke-Native {
    param(
        [Parameter(Mandatory)] [string] $FilePath,
        [string[]] $ArgumentList = @()
    )

    & $FilePath @ArgumentList
    if ($LASTEXITCODE -ne 0) {
        throw "'$FilePath $($ArgumentList -join ' ')' failed with exit code $LASTEXITCODE."
    }
}

function Get-BatchAIVersion {
    [xml] $props = Get-Content -LiteralPath (Join-Path -Path $root -ChildPath 'Directory.Build.props') -Raw
    $version = $props.Project.PropertyGroup | ForEach-Object { $_.Version } | Where-Object { $_ } | Select-Object -First 1
    if (-not $version) {
        throw 'Directory.Build.props has no <Version>.'
    }

    return $version
}

function Invoke-BuildTask {
    if (Test-Path -LiteralPath $moduleOut) {
        Remove-Item -LiteralPath $moduleOut -Recurse -Force
    }

    $project = Join-Path -Path $root -ChildPath 'src/BatchAI.Cmdlets/BatchAI.Cmdlets.csproj'
    Invoke-Native -FilePath 'dotnet' -ArgumentList @('publish', $project, '-c', $Configuration, '-o', $moduleOut, '--nologo')
    foreach ($file in 'BatchAI.psd1', 'BatchAI.Format.ps1xml') {
        Copy-Item -LiteralPath (Join-Path -Path $root -ChildPath "module/$file") -Destination $moduleOut
    }

    # PowerShell brings its own System.Management.Automation; the reference copy must never ship.
    $reference = Join-Path -Path $moduleOut -ChildPath 'System.Management.Automation.dll'
    if (Test-Path -LiteralPath $reference) {
        Remove-Item -LiteralPath $reference
    }

    $manifest = Test-ModuleManifest -Path (Join-Path -Path $moduleOut -ChildPath 'BatchAI.psd1')
    if ($manifest.Version.ToString() -ne (Get-BatchAIVersion)) {
        throw "module/BatchAI.psd1 has version $($manifest.Version); Directory.Build.props has $(Get-BatchAIVersion)."
    }

    Write-Host "Built BatchAI $($manifest.Version) in $moduleOut"
}

function Invoke-TestTask {
    if (-not $PowerShellOnly) {
        Invoke-Native -FilePath 'npm' -ArgumentList @('ci', '--prefix', (Join-Path -Path $root -ChildPath 'tests/contract'))
        Invoke-Native -FilePath 'dotnet' -ArgumentList @('test', (Join-Path -Path $root -ChildPath 'BatchAI.sln'), '-c', $Configuration)
    }

    Invoke-BuildTask

    $pester = Get-Module -ListAvailable -Name Pester | Where-Object { $_.Version -ge [version]'5.0' } | Sort-Object -Property Version -Descending | Select-Object -First 1
    if (-not $pester) {
        throw 'Pester 5 is required: Install-Module Pester -MinimumVersion 5.0 -Scope CurrentUser'
    }

    Import-Module $pester -Force
    $configuration = New-PesterConfiguration
    $configuration.Run.Path = Join-Path -Path $root -ChildPath 'tests/Pester'
    $configuration.Run.PassThru = $true
    $configuration.Output.Verbosity = 'Detailed'
    $result = Invoke-Pester -Configuration $configuration
    if ($result.FailedCount -gt 0) {
        throw "$($result.FailedCount) Pester test(s) failed."
    }

    if (-not (Get-Module -ListAvailable -Name PSScriptAnalyzer)) {
        throw 'PSScriptAnalyzer is required: Install-Module PSScriptAnalyzer -Scope CurrentUser'
    }

    $settings = Join-Path -Path $root -ChildPath 'PSScriptAnalyzerSettings.psd1'
    $scripts = @(
        Join-Path -Path $root -ChildPath 'build.ps1'
        Get-ChildItem -LiteralPath (Join-Path -Path $root -ChildPath 'tests/Pester') -Filter '*.ps1' | ForEach-Object { $_.FullName }
        Join-Path -Path $root -ChildPath 'module/BatchAI.psd1'
    )
    $findings = @($scripts | ForEach-Object { Invoke-ScriptAnalyzer -Path $_ -Settings $settings })
    if ($findings.Count -gt 0) {
        $findings | Format-Table -Property 'ScriptName', 'Line', 'RuleName', 'Message' -AutoSize | Out-String | Write-Host
        throw "PSScriptAnalyzer reported $($findings.Count) finding(s)."
    }

    Write-Host 'Pester and PSScriptAnalyzer passed.'
}

function Invoke-PackageTask {
    Invoke-BuildTask
    $zip = Join-Path -Path $root -ChildPath "out/BatchAI-$(Get-BatchAIVersion).zip"
    if (Test-Path -LiteralPath $zip) {
        Remove-Item -LiteralPath $zip
    }

    Compress-Archive -Path $moduleOut -DestinationPath $zip
    Write-Host "Packaged $zip"
}

function Invoke-DemoTask {
    Invoke-Native -FilePath 'dotnet' -ArgumentList @('run', '--project', (Join-Path -Path $root -ChildPath 'src/BatchAI.Cli'), '-c', $Configuration, '--', 'demo')
}

foreach ($name in $Task) {
    switch ($name) {
        'Build' { Invoke-BuildTask }
        'Test' { Invoke-TestTask }
        'Package' { Invoke-PackageTask }
        'Demo' { Invoke-DemoTask }
    }
}
