BeforeDiscovery {
    $manifestPath = Join-Path -Path (Split-Path -Path $PSScriptRoot -Parent) -ChildPath 'module/EntraSnapshot/EntraSnapshot.psd1'
    Import-Module -Name $manifestPath -Force -ErrorAction Stop
    $exampleCases = @(
        foreach ($command in Get-Command -Module 'EntraSnapshot' -CommandType Function) {
            $number = 0
            foreach ($example in @((Get-Help -Name $command.Name -Full).Examples.Example)) {
                $number++
                @{
                    Name   = $command.Name
                    Number = $number
                    Code   = [string]$example.Code
                }
            }
        }
    )
}

BeforeAll {
    $repositoryRoot = Split-Path -Path $PSScriptRoot -Parent
    $manifestPath = Join-Path -Path $repositoryRoot -ChildPath 'module/EntraSnapshot/EntraSnapshot.psd1'
    Import-Module -Name $manifestPath -Force -ErrorAction Stop
    . (Join-Path -Path $PSScriptRoot -ChildPath 'EntraSnapshotSim.ps1')

    $started = Start-EntraSnapshotSim -RepositoryRoot $repositoryRoot -WorkFolder $TestDrive
    $simProcess = $started.Process
    $graphUrl = $started.GraphUrl
    $saved = Save-EntraSnapshotEnvironment -Name 'ENTRASNAP_TOKEN', 'ENTRASNAP_GRAPH_URL', 'ENTRASNAP_STORE', 'IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'PSModulePath'
    $env:ENTRASNAP_TOKEN = 'any'
    $env:ENTRASNAP_GRAPH_URL = $graphUrl
    # `Import-Module EntraSnapshot` in an example finds this module.
    $env:PSModulePath = (Join-Path -Path $repositoryRoot -ChildPath 'module') + [System.IO.Path]::PathSeparator + $env:PSModulePath
    # -ManagedIdentity in an example signs in at the emulator's managed
    # identity endpoint, as in Azure Automation's sandbox.
    $identity = Invoke-EntraSnapshotSimGraph -GraphUrl $graphUrl -Path '_sim/identity'
    $env:IDENTITY_ENDPOINT = $identity.appService2019.IDENTITY_ENDPOINT
    $env:IDENTITY_HEADER = $identity.appService2019.IDENTITY_HEADER
    $policyId = (Find-EntraSnapshotSimPolicy -GraphUrl $graphUrl -DisplayName 'CA001 - Require MFA for all users').id

    # Stand-ins for what an example calls outside this module: a sign-in
    # that the emulator does not need, a prompt nobody answers, a clipboard
    # a test machine has not.
    function global:Connect-MgGraph {
        param(
            [string[]]
            $Scopes
        )
    }
    function global:Read-Host {
        param(
            [string]
            $Prompt,

            [switch]
            $AsSecureString
        )
        ConvertTo-SecureString -String 'any' -AsPlainText -Force
    }
    function global:Set-Clipboard {
        param(
            [Parameter(ValueFromPipeline)]
            [object]
            $Value
        )
        process {
            $global:EntraSnapshotExampleClipboard += @($Value)
        }
    }

    # Each example runs on a store of its own that holds one snapshot of the
    # emulator's tenant, with the places and ids the help names replaced by
    # real ones.
    function Invoke-Example {
        param(
            [Parameter(Mandatory)]
            [string]
            $Code,

            [Parameter(Mandatory)]
            [string]
            $Folder
        )

        $store = Join-Path -Path $Folder -ChildPath 'store'
        $env:ENTRASNAP_STORE = $store
        $baseline = Export-EntraSnapshot -Store $store
        $quoted = "'" + $store.Replace("'", "''") + "'"
        $code = $Code
        foreach ($place in "'D:\EntraSnapshots'", "'C:\Temp\EntraSnapshots'", './snapshots', './drill') {
            $code = $code.Replace($place, $quoted)
        }
        $code = $code.Replace("'C:\Keys\entrasnap-signing.pem'", "'" + (Join-Path -Path $Folder -ChildPath 'signing.pem') + "'")
        $code = $code.Replace('./changes.html', "'" + (Join-Path -Path $Folder -ChildPath 'changes.html') + "'")
        $code = $code.Replace("'http://127.0.0.1:8080'", "'$graphUrl'")
        $code = $code.Replace('20261121T234700Z-7f3a9c', $baseline.SnapshotId)
        $code = $code.Replace("'202611*'", "'" + $baseline.SnapshotId.Substring(0, 6) + "*'")
        if ($code.Contains('-ChangedBy')) {
            # An incident after the baseline for the example to find: the
            # emulator logs it as its default actor (an opaque token).
            Start-Sleep -Milliseconds 1100
            $since = [DateTime]::UtcNow.ToString('yyyy-MM-ddTHH:mm:ssZ', [System.Globalization.CultureInfo]::InvariantCulture)
            Start-Sleep -Milliseconds 1100
            $policyPath = "v1.0/identity/conditionalAccess/policies/$policyId"
            $state = (Invoke-EntraSnapshotSimGraph -GraphUrl $graphUrl -Path $policyPath).state
            $flipped = 'disabled'
            if ($state -eq 'disabled') {
                $flipped = 'enabled'
            }
            $null = Invoke-EntraSnapshotSimGraph -GraphUrl $graphUrl -Path $policyPath -Method PATCH -Body @{ state = $flipped }
            $code = $code.Replace("'2026-12-01T14:00:00Z'", "'$since'")
            $code = $code.Replace("'mallory@contoso.onmicrosoft.com'", "'admin@contoso.onmicrosoft.com'")
        }
        $knownGood = $baseline.SnapshotId
        $null = $knownGood, $policyId

        if ($code -match '(?m)^\s*Describe ') {
            # A Pester example: run it as Pester does, in a child process.
            $script = @"
`$ErrorActionPreference = 'Stop'
`$ProgressPreference = 'SilentlyContinue'
Import-Module -Name '$($manifestPath.Replace("'", "''"))'
`$configuration = New-PesterConfiguration
`$configuration.Run.ScriptBlock = [scriptblock]::Create(@'
$code
'@)
`$configuration.Run.Exit = `$true
`$configuration.Output.Verbosity = 'None'
Invoke-Pester -Configuration `$configuration
"@
            $encoded = [Convert]::ToBase64String([System.Text.Encoding]::Unicode.GetBytes($script))
            $null = & (Get-Process -Id $PID).Path -NoProfile -NonInteractive -EncodedCommand $encoded
            if ($LASTEXITCODE -ne 0) {
                throw "the Pester example failed (exit code $LASTEXITCODE)"
            }
            return
        }
        $ErrorActionPreference = 'Stop'
        $null = & ([scriptblock]::Create($code)) *>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | ForEach-Object { throw $_ }
    }
}

AfterAll {
    Restore-EntraSnapshotEnvironment -Saved $saved
    Remove-Item -Path 'function:global:Connect-MgGraph', 'function:global:Read-Host', 'function:global:Set-Clipboard' -ErrorAction SilentlyContinue
    Stop-EntraSnapshotSim -Process $simProcess
    Remove-Module -Name 'EntraSnapshot' -Force -ErrorAction SilentlyContinue
}

Describe 'The help''s examples run as written' {
    It '<Name> example <Number> runs against the emulator without an error' -ForEach $exampleCases {
        $folder = Join-Path -Path $TestDrive -ChildPath "$Name-$Number"
        $null = New-Item -Path $folder -ItemType Directory
        { Invoke-Example -Code $Code -Folder $folder } | Should -Not -Throw
    }
}
