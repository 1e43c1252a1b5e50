<#
.SYNOPSIS
Measures the PowerShell module beside the entrasnap command on the same store and prints a table.

.DESCRIPTION
Starts entrasnap-sim with the large tenant (or -Users users), exports it
with entrasnap, changes -Changes users' departments through Graph's $batch
(as an HR sync would), exports again, and then measures in child pwsh
processes:

- Import-Module over pwsh's own start (median of -Runs);
- Compare-EntraSnapshot of the two snapshots against
  `entrasnap compare --json` on the same store (median of -Runs);
- the peak working set of a pwsh process that imports the module and runs
  a full export, the compare, or the restore of the changed departments
  (Restore-EntraObject -Type user), next to Azure Automation's 400 MB.

Every figure is measured in this run; the ratio column is ours over the
baseline on the same line. Measures the module as build.ps1 -Package
makes it (one merged script), with this build's native library, and the
entrasnap and entrasnap-sim built in -TargetDirectory. Works under Windows
PowerShell 5.1 and PowerShell 7; the child processes are the same edition
as the one running this script.

.PARAMETER TargetDirectory
The cargo target profile folder holding entrasnap, entrasnap-sim and the
native library (default: target/release, else target/debug).

.PARAMETER Users
Users in the emulated tenant; by default the large seed's (100k users,
130k objects in all).

.PARAMETER Changes
How many users' departments change between the two snapshots.

.PARAMETER Runs
Timed runs per figure; the median is printed.

.PARAMETER WorkFolder
Where the stores and the module copy go (default: a new temporary folder,
removed afterwards).

.EXAMPLE
pwsh -NoProfile -File scripts/Measure-EntraSnapshotModule.ps1

Measures on the large tenant with 5,000 changed departments.

.EXAMPLE
pwsh -NoProfile -File scripts/Measure-EntraSnapshotModule.ps1 -Users 10000 -Changes 1000 -Runs 1

A quick run on a smaller tenant.
#>
[CmdletBinding()]
param(
    [string]
    $TargetDirectory,

    [ValidateRange(1, 10000000)]
    [int]
    $Users,

    [ValidateRange(1, 1000000)]
    [int]
    $Changes = 5000,

    [ValidateRange(1, 100)]
    [int]
    $Runs = 3,

    [string]
    $WorkFolder
)

$ErrorActionPreference = 'Stop'
$repositoryRoot = Split-Path -Path $PSScriptRoot -Parent
$moduleSource = Join-Path -Path $repositoryRoot -ChildPath 'module/EntraSnapshot'
. (Join-Path -Path $moduleSource -ChildPath 'Private/New-EntraSnapshotErrorRecord.ps1')
. (Join-Path -Path $moduleSource -ChildPath 'Private/Resolve-EntraSnapshotRuntime.ps1')
. (Join-Path -Path $moduleSource -ChildPath 'Private/Get-EntraSnapshotLibraryName.ps1')
. (Join-Path -Path $repositoryRoot -ChildPath 'Pester/EntraSnapshotSim.ps1')
. (Join-Path -Path $PSScriptRoot -ChildPath 'New-EntraSnapshotPackage.ps1')
$runtime = Resolve-EntraSnapshotRuntime

if (-not $TargetDirectory) {
    $targetRoot = Join-Path -Path $repositoryRoot -ChildPath 'target'
    if ($env:CARGO_TARGET_DIR) {
        $targetRoot = $env:CARGO_TARGET_DIR
    }
    $TargetDirectory = Join-Path -Path $targetRoot -ChildPath 'release'
    if (-not (Test-Path -LiteralPath (Join-Path -Path $TargetDirectory -ChildPath 'entrasnap-sim*'))) {
        $TargetDirectory = Join-Path -Path $targetRoot -ChildPath 'debug'
    }
}
$libraryName = Get-EntraSnapshotLibraryName -Runtime $runtime
$executableSuffix = ''
if ($runtime -like 'win-*') {
    $executableSuffix = '.exe'
}
$cli = Join-Path -Path $TargetDirectory -ChildPath "entrasnap$executableSuffix"
$library = Join-Path -Path $TargetDirectory -ChildPath $libraryName
foreach ($required in $cli, $library) {
    if (-not (Test-Path -LiteralPath $required -PathType Leaf)) {
        throw "error: '$required' was not found: build with cargo build --workspace (or --release), or pass -TargetDirectory."
    }
}
$env:ENTRASNAP_SIM = Join-Path -Path $TargetDirectory -ChildPath "entrasnap-sim$executableSuffix"

$removeWork = $false
if (-not $WorkFolder) {
    $WorkFolder = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath ("entrasnap-measure-" + [guid]::NewGuid().ToString('n'))
    $removeWork = $true
}
$null = New-Item -Path $WorkFolder -ItemType Directory -Force
$pwshPath = (Get-Process -Id $PID).Path

function Get-Median {
    param([double[]]$Values)
    $sorted = @($Values | Sort-Object)
    $sorted[[int][math]::Floor(($sorted.Count - 1) / 2)]
}

function Invoke-Child {
    # Runs a script in a new pwsh and returns its last output line (the
    # script writes its own measurement there).
    param([string]$Script)
    $output = & $pwshPath -NoProfile -NonInteractive -Command $Script
    if ($LASTEXITCODE -ne 0) {
        throw "error: a measuring child process failed (exit $LASTEXITCODE): $($output -join ' ')"
    }
    @($output)[-1]
}

$simulator = $null
$savedEnvironment = @{}
foreach ($name in 'ENTRASNAP_TOKEN', 'ENTRASNAP_GRAPH_URL') {
    $savedEnvironment[$name] = [System.Environment]::GetEnvironmentVariable($name)
}
try {
    # The module as users install it: the package build.ps1 -Package makes
    # (one merged script), with this build's library.
    $source = Join-Path -Path $WorkFolder -ChildPath 'source/EntraSnapshot'
    $null = New-Item -Path (Split-Path -Path $source -Parent) -ItemType Directory -Force
    Copy-Item -LiteralPath $moduleSource -Destination $source -Recurse -Force
    $native = Join-Path -Path $source -ChildPath "runtimes/$runtime/native"
    $null = New-Item -Path $native -ItemType Directory -Force
    Copy-Item -LiteralPath $library -Destination $native -Force
    $packageRoot = Join-Path -Path $WorkFolder -ChildPath 'package'
    $null = New-EntraSnapshotPackage -ModuleRoot $source -OutputPath $packageRoot
    $manifest = Join-Path -Path $packageRoot -ChildPath 'EntraSnapshot/EntraSnapshot.psd1'

    $simArguments = @('--seed', 'large')
    if ($Users) {
        $simArguments += @('--users', [string]$Users)
    }
    Write-Host "Starting entrasnap-sim $($simArguments -join ' ')"
    $simulator = Start-EntraSnapshotSim -RepositoryRoot $repositoryRoot -WorkFolder $WorkFolder -ArgumentList $simArguments
    $env:ENTRASNAP_GRAPH_URL = $simulator.GraphUrl
    $env:ENTRASNAP_TOKEN = 'measure'
    $store = Join-Path -Path $WorkFolder -ChildPath 'store'

    Write-Host 'First export (entrasnap export)'
    $before = @(& $cli export --store $store)[-1].Trim()
    if ($LASTEXITCODE -ne 0) { throw "error: entrasnap export failed (exit $LASTEXITCODE)" }

    Write-Host "Changing $Changes users' departments through `$batch"
    $ids = New-Object System.Collections.Generic.List[string]
    $next = "$($simulator.GraphUrl)/v1.0/users?`$select=id&`$top=999"
    while ($ids.Count -lt $Changes -and $next) {
        $page = Invoke-RestMethod -Uri $next -Headers @{ Authorization = 'Bearer measure' }
        foreach ($user in @($page.value)) { $ids.Add([string]$user.id) }
        $link = $page.PSObject.Properties['@odata.nextLink']
        $next = $null
        if ($null -ne $link) { $next = [string]$link.Value }
    }
    if ($ids.Count -lt $Changes) {
        throw "error: -Changes $Changes is more than the tenant's $($ids.Count) users"
    }
    for ($start = 0; $start -lt $Changes; $start += 20) {
        $requests = @(
            for ($i = $start; $i -lt [math]::Min($start + 20, $Changes); $i++) {
                @{ id = [string]$i; method = 'PATCH'; url = "/users/$($ids[$i])"; headers = @{ 'Content-Type' = 'application/json' }; body = @{ department = 'Corrupted By Sync' } }
            }
        )
        $body = @{ requests = $requests } | ConvertTo-Json -Depth 6
        $answer = Invoke-RestMethod -Method Post -Uri "$($simulator.GraphUrl)/v1.0/`$batch" -Headers @{ Authorization = 'Bearer measure' } -ContentType 'application/json' -Body $body
        foreach ($response in @($answer.responses)) {
            if ([int]$response.status -ge 300) { throw "error: a department change was refused: $($response | ConvertTo-Json -Depth 6 -Compress)" }
        }
    }
    Write-Host 'Second export (entrasnap export)'
    $after = @(& $cli export --store $store)[-1].Trim()
    if ($LASTEXITCODE -ne 0) { throw "error: entrasnap export failed (exit $LASTEXITCODE)" }

    $rows = New-Object System.Collections.Generic.List[object]
    $quotedManifest = $manifest.Replace("'", "''")
    $quotedStore = $store.Replace("'", "''")

    Write-Host "Import-Module (median of $Runs)"
    $bare = @(1..$Runs | ForEach-Object { (Measure-Command { & $pwshPath -NoProfile -NonInteractive -Command 'exit 0' }).TotalMilliseconds })
    $imported = @(1..$Runs | ForEach-Object { (Measure-Command { & $pwshPath -NoProfile -NonInteractive -Command "Import-Module '$quotedManifest'; exit 0" }).TotalMilliseconds })
    $bareMs = Get-Median $bare
    $importMs = Get-Median $imported
    $rows.Add([pscustomobject]@{ Measure = 'Import-Module over pwsh start (ms)'; Ours = [math]::Round($importMs - $bareMs); Baseline = [math]::Round($bareMs); Ratio = ''; Target = '<= 300 ms over start' })

    Write-Host "Compare, $Changes changes (median of $Runs)"
    $cliTimes = @(1..$Runs | ForEach-Object { (Measure-Command { & $cli --json compare --store $store --from $before --to $after | Out-File -FilePath (Join-Path $WorkFolder 'compare.json') }).TotalMilliseconds })
    $moduleTimes = @(1..$Runs | ForEach-Object {
            [double](Invoke-Child "Import-Module '$quotedManifest'; `$c = 0; `$t = Measure-Command { Compare-EntraSnapshot -Store '$quotedStore' -From '$before' -To '$after' | ForEach-Object { `$c++ } }; if (`$c -ne $Changes) { throw ""expected $Changes changes, got `$c"" }; `$t.TotalMilliseconds")
        })
    $cliMs = Get-Median $cliTimes
    $moduleMs = Get-Median $moduleTimes
    $rows.Add([pscustomobject]@{ Measure = 'Compare-EntraSnapshot vs entrasnap compare --json (ms)'; Ours = [math]::Round($moduleMs); Baseline = [math]::Round($cliMs); Ratio = '{0:N2}x' -f ($moduleMs / $cliMs); Target = '<= 1.30x' })

    $peak = '[System.Diagnostics.Process]::GetCurrentProcess().Refresh(); [math]::Round([System.Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64 / 1MB)'
    Write-Host 'Peak working set: export'
    $exportStore = (Join-Path -Path $WorkFolder -ChildPath 'store-pwsh').Replace("'", "''")
    $exportPeak = Invoke-Child "Import-Module '$quotedManifest'; `$null = Export-EntraSnapshot -Store '$exportStore'; $peak"
    $rows.Add([pscustomobject]@{ Measure = 'pwsh peak working set, full export (MB)'; Ours = [int]$exportPeak; Baseline = 400; Ratio = '{0:N2}x' -f ([int]$exportPeak / 400); Target = '< 400 MB (Automation)' })
    Write-Host 'Peak working set: compare'
    $comparePeak = Invoke-Child "Import-Module '$quotedManifest'; `$null = Compare-EntraSnapshot -Store '$quotedStore' -From '$before' -To '$after'; $peak"
    $rows.Add([pscustomobject]@{ Measure = "pwsh peak working set, compare of $Changes changes (MB)"; Ours = [int]$comparePeak; Baseline = 400; Ratio = '{0:N2}x' -f ([int]$comparePeak / 400); Target = '< 400 MB (Automation)' })
    Write-Host 'Peak working set: restore'
    $restorePeak = Invoke-Child "Import-Module '$quotedManifest'; `$r = Restore-EntraObject -Store '$quotedStore' -SnapshotId '$before' -Type user -Confirm:`$false; if (`$r.Done -ne $Changes) { throw ""expected $Changes restored, got `$(`$r.Done)"" }; $peak"
    $rows.Add([pscustomobject]@{ Measure = "pwsh peak working set, restore of $Changes departments (MB)"; Ours = [int]$restorePeak; Baseline = 400; Ratio = '{0:N2}x' -f ([int]$restorePeak / 400); Target = '< 400 MB (Automation)' })

    Write-Host ''
    Write-Host "EntraSnapshot module vs entrasnap ($($PSVersionTable.PSEdition) $($PSVersionTable.PSVersion), $TargetDirectory)"
    $rows | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
}
finally {
    if ($null -ne $simulator) {
        Stop-EntraSnapshotSim -Process $simulator.Process
    }
    foreach ($name in $savedEnvironment.Keys) {
        [System.Environment]::SetEnvironmentVariable($name, $savedEnvironment[$name])
    }
    if ($removeWork) {
        Remove-Item -LiteralPath $WorkFolder -Recurse -Force -ErrorAction SilentlyContinue
    }
}
