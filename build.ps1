<#
.SYNOPSIS
    Builds, tests, packages and demonstrates BatchAI where PowerShell is installed.

.DESCRIPTION
    Build    Builds the cmdlet project, which assembles the module (cmdlets on top, every other assembly under
             Dependencies/), copies it to out/BatchAI, ready for Import-Module, and compiles the help when
             platyPS is installed.
    Docs     Compiles module/docs (platyPS markdown) to MAML help in out/BatchAI/en-US. Needs platyPS.
    Test     Builds the module, then runs the Pester suite (tests/Pester) and PSScriptAnalyzer with the
             project's settings. Unless -PowerShellOnly is given, it first runs the .NET and contract tests
             (the same ones ./test.sh runs).
    Package  Builds the module with its help and writes the package the PowerShell Gallery takes
             (out/package/BatchAI.<version>.nupkg), with the project's URL (-ProjectUri), licence and the
             version's release notes from CHANGELOG.md.
    Demo     Runs 'batchai demo': the sample tickets through the in-process emulator.

.EXAMPLE
    ./build.ps1
    Import-Module ./out/BatchAI

.EXAMPLE
    ./build.ps1 -Task Test

.EXAMPLE
    ./build.ps1 -Task Package -ProjectUri https://github.com/<owner>/batchai
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Docs', 'Test', 'Package', 'Demo')]
    [string[]] $Task = @('Build'),

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Skip the .NET and contract tests (./test.sh runs them itself before calling this script).
    [switch] $PowerShellOnly,

    # Package: the project's public home, shown on the Gallery page; the licence is LICENSE there unless -LicenseUri.
    [uri] $ProjectUri,

    [uri] $LicenseUri
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

    # The cmdlet project assembles the module as it ships (its AssembleModule target): the file list is the build's.
    $project = Join-Path -Path $root -ChildPath 'src/BatchAI.Cmdlets/BatchAI.Cmdlets.csproj'
    Invoke-Native -FilePath 'dotnet' -ArgumentList @('build', $project, '-c', $Configuration, '--nologo')
    $assembled = Join-Path -Path $root -ChildPath "src/BatchAI.Cmdlets/bin/$Configuration/netstandard2.0/module/BatchAI"
    $null = New-Item -ItemType Directory -Path (Split-Path -Path $moduleOut -Parent) -Force
    Copy-Item -LiteralPath $assembled -Destination $moduleOut -Recurse

    $manifest = Test-ModuleManifest -Path (Join-Path -Path $moduleOut -ChildPath 'BatchAI.psd1')
    if ($manifest.Version.ToString() -ne (Get-BatchAIVersion)) {
        throw "module/BatchAI.psd1 has version $($manifest.Version); Directory.Build.props has $(Get-BatchAIVersion)."
    }

    if (Get-PlatyPS) {
        Invoke-DocsTask
    }
    else {
        Write-Warning 'platyPS is not installed, so the module is built without compiled help (Get-Help shows the syntax only): Install-Module platyPS -Scope CurrentUser'
    }

    Write-Host "Built BatchAI $($manifest.Version) in $moduleOut"
}

function Get-PlatyPS {
    Get-Module -ListAvailable -Name platyPS | Sort-Object -Property Version -Descending | Select-Object -First 1
}

function Invoke-DocsTask {
    $platyPS = Get-PlatyPS
    if (-not $platyPS) {
        throw 'Compiling the help needs platyPS: Install-Module platyPS -Scope CurrentUser'
    }

    Import-Module $platyPS -Force
    # One MAML file for the cmdlets (BatchAI.Cmdlets.dll-Help.xml, as each file's front matter names it) and
    # about_BatchAI.help.txt, where Get-Help looks for them: the module's en-US folder.
    $null = New-ExternalHelp -Path (Join-Path -Path $root -ChildPath 'module/docs') -OutputPath (Join-Path -Path $moduleOut -ChildPath 'en-US') -Force
    Write-Host "Compiled the help into $moduleOut/en-US"
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
        Get-ChildItem -LiteralPath (Join-Path -Path $root -ChildPath 'recipes/windows') -Filter '*.ps1' | ForEach-Object { $_.FullName }
        Join-Path -Path $root -ChildPath 'module/BatchAI.psd1'
    )
    $findings = @($scripts | ForEach-Object { Invoke-ScriptAnalyzer -Path $_ -Settings $settings })
    if ($findings.Count -gt 0) {
        $findings | Format-Table -Property 'ScriptName', 'Line', 'RuleName', 'Message' -AutoSize | Out-String | Write-Host
        throw "PSScriptAnalyzer reported $($findings.Count) finding(s)."
    }

    Write-Host 'Pester and PSScriptAnalyzer passed.'
}

function Get-ReleaseNote {
    param([string] $Version)

    $changelog = Get-Content -LiteralPath (Join-Path -Path $root -ChildPath 'CHANGELOG.md') -Raw
    # The lines after "## <version>", up to the next version's heading.
    $pattern = '(?ms)^## ' + [regex]::Escape($Version) + '\s*$(.*?)(?=^## |\z)'
    $match = [regex]::Match($changelog, $pattern)
    if (-not $match.Success) {
        throw "CHANGELOG.md has no section for version $Version."
    }

    return $match.Groups[1].Value.Trim()
}

function Invoke-PackageTask {
    if (-not $ProjectUri) {
        throw 'A Gallery package names the project''s public home: ./build.ps1 -Task Package -ProjectUri https://...'
    }

    Invoke-BuildTask
    Invoke-DocsTask
    $version = Get-BatchAIVersion
    $license = if ($LicenseUri) { $LicenseUri } else { [uri]($ProjectUri.AbsoluteUri.TrimEnd('/') + '/blob/main/LICENSE') }
    Copy-Item -LiteralPath (Join-Path -Path $root -ChildPath 'LICENSE') -Destination $moduleOut
    $manifestPath = Join-Path -Path $moduleOut -ChildPath 'BatchAI.psd1'
    Update-ModuleManifest -Path $manifestPath -ProjectUri $ProjectUri -LicenseUri $license -ReleaseNotes (Get-ReleaseNote -Version $version)
    $null = Test-ModuleManifest -Path $manifestPath

    # Publishing to a folder writes the very .nupkg the Gallery takes; PSResourceGet (PowerShell 7.4+) or PowerShellGet 2.
    $feed = Join-Path -Path $root -ChildPath 'out/package'
    if (Test-Path -LiteralPath $feed) {
        Remove-Item -LiteralPath $feed -Recurse -Force
    }

    $null = New-Item -ItemType Directory -Path $feed
    $repository = 'BatchAIBuild'
    if (Get-Command -Name 'Publish-PSResource' -ErrorAction SilentlyContinue) {
        Register-PSResourceRepository -Name $repository -Uri $feed -Trusted -Force
        try {
            Publish-PSResource -Path $moduleOut -Repository $repository
        }
        finally {
            Unregister-PSResourceRepository -Name $repository
        }
    }
    else {
        Register-PSRepository -Name $repository -SourceLocation $feed -PublishLocation $feed -InstallationPolicy Trusted
        try {
            Publish-Module -Path $moduleOut -Repository $repository
        }
        finally {
            Unregister-PSRepository -Name $repository
        }
    }

    Write-Host "Packaged $(Join-Path -Path $feed -ChildPath "BatchAI.$version.nupkg"). To publish: Publish-PSResource -Path $moduleOut -Repository PSGallery -ApiKey <key>"
}

function Invoke-DemoTask {
    Invoke-Native -FilePath 'dotnet' -ArgumentList @('run', '--project', (Join-Path -Path $root -ChildPath 'src/BatchAI.Cli'), '-c', $Configuration, '--', 'demo')
}

foreach ($name in $Task) {
    switch ($name) {
        'Build' { Invoke-BuildTask }
        'Docs' { Invoke-DocsTask }
        'Test' { Invoke-TestTask }
        'Package' { Invoke-PackageTask }
        'Demo' { Invoke-DemoTask }
    }
}
