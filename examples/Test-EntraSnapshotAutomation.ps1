<#
.SYNOPSIS
Smoke runbook for an Azure Automation account: proves the module and its native engine load in this runtime, and optionally that the managed identity can sign in to Graph.

.DESCRIPTION
Import the EntraSnapshot zip (build.ps1 -Package) into the Automation
account once for the 5.1 runtime and once for a 7.x runtime environment,
then run this runbook under each. It writes one line per check and returns
an object with what it found; any failed check stops the job with the
reason.

1. The PowerShell edition and version, and the process architecture (the
   engine needs a 64-bit process).
2. Import-Module EntraSnapshot, timed: nothing is compiled (no Add-Type),
   which the cloud sandbox would refuse.
3. Get-EntraSnapshotEngine: the native library loaded and answered, with
   its version, ABI version and runtime id.
4. With -Store: an export signed in with the account's managed identity
   (needs the Graph permissions the README lists), then Test-EntraSnapshot.

.PARAMETER Store
Also export into this folder with the managed identity and verify it. In
the cloud sandbox use a folder under $env:TEMP: the disk is discarded
after the job.

.EXAMPLE
./Test-EntraSnapshotAutomation.ps1

The module loads and the engine answers.

.EXAMPLE
./Test-EntraSnapshotAutomation.ps1 -Store (Join-Path -Path $env:TEMP -ChildPath 'entrasnap-smoke')

Also signs in with the managed identity, exports the tenant and verifies
the snapshot.

.OUTPUTS
System.Management.Automation.PSCustomObject
#>
[CmdletBinding()]
param(
    [ValidateNotNullOrEmpty()]
    [string]
    $Store
)

$ErrorActionPreference = 'Stop'
$edition = 'Desktop'
if ($PSVersionTable.ContainsKey('PSEdition')) {
    $edition = [string]$PSVersionTable.PSEdition
}
$bits = 8 * [System.IntPtr]::Size
Write-Output "PowerShell $($PSVersionTable.PSVersion) ($edition), $bits-bit process"
if ($bits -ne 64) {
    throw 'The EntraSnapshot engine needs a 64-bit PowerShell process.'
}

$watch = [System.Diagnostics.Stopwatch]::StartNew()
Import-Module -Name 'EntraSnapshot'
$importMs = $watch.ElapsedMilliseconds
$compiled = @([System.AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.IsDynamic -and $_.GetName().Name -like '*EntraSnapshot*' })
Write-Output "Import-Module EntraSnapshot: $importMs ms, $($compiled.Count) emitted assembly (no C# compiled)"

$engine = Get-EntraSnapshotEngine
Write-Output "Engine $($engine.Version) (ABI $($engine.AbiVersion)) for $($engine.Runtime) loaded from $($engine.LibraryPath)"

$snapshotId = $null
$objects = $null
if ($PSBoundParameters.ContainsKey('Store')) {
    $snapshot = Export-EntraSnapshot -Store $Store -ManagedIdentity
    $problems = @(Test-EntraSnapshot -Store $Store -Id $snapshot.SnapshotId)
    if ($problems.Count -gt 0) {
        throw "Snapshot $($snapshot.SnapshotId) failed verification: $($problems.Message -join '; ')"
    }
    $snapshotId = $snapshot.SnapshotId
    $objects = $snapshot.Objects
    Write-Output "Exported and verified snapshot $snapshotId with the managed identity: $objects objects"
}

[pscustomobject]@{
    Edition        = $edition
    Version        = [string]$PSVersionTable.PSVersion
    ImportMs       = $importMs
    EngineVersion  = $engine.Version
    AbiVersion     = $engine.AbiVersion
    Runtime        = $engine.Runtime
    SnapshotId     = $snapshotId
    Objects        = $objects
}
