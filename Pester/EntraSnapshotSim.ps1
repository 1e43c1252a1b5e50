# Helpers for the tests that run against a started entrasnap-sim. Dot-source
# it in a BeforeAll: . (Join-Path -Path $PSScriptRoot -ChildPath 'EntraSnapshotSim.ps1')

function Find-EntraSnapshotSim {
    # The emulator binary: $env:ENTRASNAP_SIM (the cargo test sets it), then
    # PATH, then this repository's cargo target folders.
    param(
        [Parameter(Mandatory)]
        [string]
        $RepositoryRoot
    )

    if ($env:ENTRASNAP_SIM -and (Test-Path -LiteralPath $env:ENTRASNAP_SIM -PathType Leaf)) {
        return $env:ENTRASNAP_SIM
    }
    $command = Get-Command -Name 'entrasnap-sim' -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($null -ne $command) {
        return $command.Source
    }
    $targets = @($env:CARGO_TARGET_DIR, (Join-Path -Path $RepositoryRoot -ChildPath 'target')) | Where-Object { $_ }
    foreach ($target in $targets) {
        foreach ($buildProfile in 'debug', 'release') {
            foreach ($name in 'entrasnap-sim', 'entrasnap-sim.exe') {
                $candidate = Join-Path -Path (Join-Path -Path $target -ChildPath $buildProfile) -ChildPath $name
                if (Test-Path -LiteralPath $candidate -PathType Leaf) {
                    return $candidate
                }
            }
        }
    }
    $null
}

function Start-EntraSnapshotSim {
    # Starts the emulator on a free port with the demo tenant. Returns
    # Process and GraphUrl. No emulator is an error, never a skip: a test
    # that needs the emulator fails without it.
    param(
        [Parameter(Mandatory)]
        [string]
        $RepositoryRoot,

        [Parameter(Mandatory)]
        [string]
        $WorkFolder,

        # More flags for the emulator, like '--token-lifetime-secs', '2'.
        [string[]]
        $ArgumentList = @()
    )

    $sim = Find-EntraSnapshotSim -RepositoryRoot $RepositoryRoot
    if ($null -eq $sim) {
        throw 'entrasnap-sim was not found: set $env:ENTRASNAP_SIM, or build it with cargo build -p entrasnap-sim.' 
    }
    $simOutput = Join-Path -Path $WorkFolder -ChildPath 'sim.out'
    $simErrors = Join-Path -Path $WorkFolder -ChildPath 'sim.err'
    $process = Start-Process -FilePath $sim -ArgumentList (@('--port', '0') + $ArgumentList) -RedirectStandardOutput $simOutput -RedirectStandardError $simErrors -PassThru
    $graphUrl = $null
    $deadline = [datetime]::UtcNow.AddSeconds(30)
    while ($null -eq $graphUrl -and [datetime]::UtcNow -lt $deadline -and -not $process.HasExited) {
        Start-Sleep -Milliseconds 100
        $line = Get-Content -LiteralPath $simOutput -ErrorAction SilentlyContinue | Where-Object { $_ -like 'listening on *' } | Select-Object -First 1
        if ($line) {
            $graphUrl = $line.Substring('listening on '.Length).Trim()
        }
    }
    if ($null -eq $graphUrl) {
        Stop-EntraSnapshotSim -Process $process
        throw "entrasnap-sim ($sim) did not start: $(Get-Content -LiteralPath $simErrors -Raw -ErrorAction SilentlyContinue)"
    }
    [pscustomobject]@{
        Process  = $process
        GraphUrl = $graphUrl
    }
}

function Stop-EntraSnapshotSim {
    param(
        [AllowNull()]
        [System.Diagnostics.Process]
        $Process
    )

    if ($null -ne $Process -and -not $Process.HasExited) {
        Stop-Process -Id $Process.Id -Force -ErrorAction SilentlyContinue
        $Process.WaitForExit(10000) | Out-Null
    }
}

function Invoke-EntraSnapshotSimGraph {
    # One Graph request to the emulator, the way any Graph client sends it:
    # Path is under the base URL (beta/identity/..., _sim/stats).
    param(
        [Parameter(Mandatory)]
        [string]
        $GraphUrl,

        [Parameter(Mandatory)]
        [string]
        $Path,

        [string]
        $Method = 'GET',

        [AllowNull()]
        [object]
        $Body,

        [string]
        $Token = 'pester-graph-client-token'
    )

    $request = @{
        Method      = $Method
        Uri         = "$($GraphUrl.TrimEnd('/'))/$Path"
        Headers     = @{
            Authorization = "Bearer $Token"
        }
        ErrorAction = 'Stop'
    }
    if ($null -ne $Body) {
        $request.ContentType = 'application/json'
        $request.Body = ConvertTo-Json -InputObject $Body -Depth 10 -Compress
    }
    Invoke-RestMethod @request
}

function Find-EntraSnapshotSimPolicy {
    # The Conditional Access policy of the emulator's tenant with this display name.
    param(
        [Parameter(Mandatory)]
        [string]
        $GraphUrl,

        [Parameter(Mandatory)]
        [string]
        $DisplayName
    )

    $found = @()
    $page = Invoke-EntraSnapshotSimGraph -GraphUrl $GraphUrl -Path 'beta/identity/conditionalAccess/policies'
    while ($null -ne $page) {
        $found += @($page.value | Where-Object { $_.displayName -eq $DisplayName })
        # Strict-mode safe: the last page has no nextLink.
        $next = $page.PSObject.Properties['@odata.nextLink']
        if ($null -ne $next) {
            $next = $next.Value
        }
        $page = $null
        if ($next) {
            $page = Invoke-RestMethod -Uri $next -Headers @{ Authorization = 'Bearer pester-graph-client-token' } -ErrorAction Stop
        }
    }
    if ($found.Count -ne 1) {
        throw "Expected one Conditional Access policy called '$DisplayName' in the emulator, found $($found.Count)."
    }
    $found[0]
}

function Save-EntraSnapshotEnvironment {
    # The variables a test sets, as they were: give the result to
    # Restore-EntraSnapshotEnvironment in its AfterAll.
    param(
        [Parameter(Mandatory)]
        [string[]]
        $Name
    )

    $saved = @{}
    foreach ($variable in $Name) {
        $saved[$variable] = [System.Environment]::GetEnvironmentVariable($variable)
    }
    $saved
}

function Restore-EntraSnapshotEnvironment {
    param(
        [Parameter(Mandatory)]
        [hashtable]
        $Saved
    )

    foreach ($variable in $Saved.Keys) {
        [System.Environment]::SetEnvironmentVariable($variable, $Saved[$variable])
    }
}
