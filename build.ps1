<#
.SYNOPSIS
Builds the entrasnap native library, puts it into the module and runs the Pester tests.

.DESCRIPTION
Runs `cargo build --release -p entrasnap-ffi -p entrasnap-sim`, copies the
library into module/EntraSnapshot/runtimes/<rid>/native/ for the platform
this PowerShell runs on, then packages the module (-Package) or runs the tests in Pester/ in a child
PowerShell process against the emulator it built (ENTRASNAP_SIM): the
module's native type can't be unloaded, so a test run must not leave it in
this session. Honours CARGO_TARGET_DIR. Needs Rust (cargo) and, for the
tests, Pester 5. Works under Windows PowerShell 5.1 and PowerShell 7.

.PARAMETER SkipTests
Builds and copies the library without running the Pester tests.

.PARAMETER Package
After building, writes the release layout of the module to
<OutputPath>/EntraSnapshot/ (one merged EntraSnapshot.psm1, the manifest,
formats, help and runtimes/<rid>/native/ with every library the module folder
holds) and <OutputPath>/EntraSnapshot.zip, checked against Azure Automation's
import rules (scripts/New-EntraSnapshotPackage.ps1). Runs no tests.

.PARAMETER NoBuild
With -Package: packages the libraries already in module/EntraSnapshot/runtimes/
without running cargo.

.PARAMETER OutputPath
With -Package: where the folder and the zip go. Defaults to out/ in the
repository (git-ignored).

.EXAMPLE
./build.ps1

Builds the library, copies it into the module and runs the Pester tests.

.EXAMPLE
./build.ps1 -SkipTests

Builds the library and copies it into the module.

.EXAMPLE
./build.ps1 -Package

Builds the library and writes out/EntraSnapshot/ and out/EntraSnapshot.zip.
#>
[CmdletBinding()]
param(
    [switch]
    $SkipTests,

    [switch]
    $Package,

    [switch]
    $NoBuild,

    [string]
    $OutputPath = (Join-Path -Path $PSScriptRoot -ChildPath 'out')
)

$ErrorActionPreference = 'Stop'

$moduleRoot = Join-Path -Path $PSScriptRoot -ChildPath 'module/EntraSnapshot'
. (Join-Path -Path $moduleRoot -ChildPath 'Private/New-EntraSnapshotErrorRecord.ps1')
. (Join-Path -Path $moduleRoot -ChildPath 'Private/Resolve-EntraSnapshotRuntime.ps1')
. (Join-Path -Path $moduleRoot -ChildPath 'Private/Get-EntraSnapshotLibraryName.ps1')
$runtime = Resolve-EntraSnapshotRuntime

if ($NoBuild -and -not $Package) {
    Write-Error -Message '-NoBuild only goes with -Package.' -ErrorId 'EntraSnapshot.Build.NoBuildWithoutPackage' -Category InvalidArgument -TargetObject 'NoBuild'
}
if ($NoBuild) {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'scripts/New-EntraSnapshotPackage.ps1')
    New-EntraSnapshotPackage -ModuleRoot $moduleRoot -OutputPath $OutputPath
    return
}

Write-Host "Building the entrasnap library and the entrasnap-sim emulator for $runtime"
& cargo build --release -p entrasnap-ffi -p entrasnap-sim --manifest-path (Join-Path -Path $PSScriptRoot -ChildPath 'Cargo.toml')
if ($LASTEXITCODE -ne 0) {
    Write-Error -Message "cargo build failed with exit code $LASTEXITCODE." -ErrorId 'EntraSnapshot.Build.CargoFailed' -Category InvalidResult -TargetObject 'entrasnap-ffi'
}

if ($env:CARGO_TARGET_DIR) {
    $targetDirectory = $env:CARGO_TARGET_DIR
}
else {
    $targetDirectory = Join-Path -Path $PSScriptRoot -ChildPath 'target'
}
$libraryName = Get-EntraSnapshotLibraryName -Runtime $runtime
$simName = 'entrasnap-sim'
if ($runtime -like 'win-*') {
    $simName = 'entrasnap-sim.exe'
}
$library = Join-Path -Path (Join-Path -Path $targetDirectory -ChildPath 'release') -ChildPath $libraryName
$sim = Join-Path -Path (Join-Path -Path $targetDirectory -ChildPath 'release') -ChildPath $simName
if (-not (Test-Path -LiteralPath $library -PathType Leaf)) {
    Write-Error -Message "cargo build succeeded but '$library' does not exist." -ErrorId 'EntraSnapshot.Build.LibraryMissing' -Category ObjectNotFound -TargetObject $library
}

if (-not (Test-Path -LiteralPath $sim -PathType Leaf)) {
    Write-Error -Message "cargo build succeeded but '$sim' does not exist." -ErrorId 'EntraSnapshot.Build.EmulatorMissing' -Category ObjectNotFound -TargetObject $sim
}

$nativeDirectory = Join-Path -Path $moduleRoot -ChildPath "runtimes/$runtime/native"
$null = New-Item -Path $nativeDirectory -ItemType Directory -Force
Copy-Item -LiteralPath $library -Destination $nativeDirectory -Force
Write-Host "Copied $libraryName to $nativeDirectory"

if ($Package) {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'scripts/New-EntraSnapshotPackage.ps1')
    New-EntraSnapshotPackage -ModuleRoot $moduleRoot -OutputPath $OutputPath
    return
}

if ($SkipTests) {
    return
}

$pester = Get-Module -Name 'Pester' -ListAvailable |
    Where-Object { $_.Version -ge [version]'5.0.0' } |
    Select-Object -First 1
if ($null -eq $pester) {
    Write-Error -Message 'The tests need Pester 5: Install-Module -Name Pester -MinimumVersion 5.0.0 -Scope CurrentUser' -ErrorId 'EntraSnapshot.Build.PesterMissing' -Category NotInstalled -TargetObject 'Pester'
}

# -EncodedCommand avoids quoting rules that differ between Windows PowerShell
# and PowerShell 7 when passing a script to a native process.
$testsPath = (Join-Path -Path $PSScriptRoot -ChildPath 'Pester').Replace("'", "''")
$pesterScript = @"
`$ErrorActionPreference = 'Stop'
Import-Module -Name Pester -MinimumVersion 5.0.0
`$configuration = New-PesterConfiguration
`$configuration.Run.Path = '$testsPath'
`$configuration.Run.Exit = `$true
`$configuration.Output.Verbosity = 'Detailed'
Invoke-Pester -Configuration `$configuration
"@
$encodedScript = [Convert]::ToBase64String([System.Text.Encoding]::Unicode.GetBytes($pesterScript))
$powershellPath = (Get-Process -Id $PID).Path

# The emulator-backed tests find the emulator through ENTRASNAP_SIM; the
# child process inherits it.
$env:ENTRASNAP_SIM = $sim
Write-Host "Running the Pester tests in a child process ($powershellPath) against $sim"
& $powershellPath -NoProfile -NonInteractive -EncodedCommand $encodedScript
if ($LASTEXITCODE -ne 0) {
    Write-Error -Message "The Pester tests failed (exit code $LASTEXITCODE)." -ErrorId 'EntraSnapshot.Build.TestsFailed' -Category InvalidResult -TargetObject 'Pester'
}
