# The scripts in examples/ run as a user runs them, against the emulator:
# the nightly Automation runbook with the managed identity, and the
# Pester-guarded change procedure with a harmless and a harmful change.
BeforeAll {
    $repositoryRoot = Split-Path -Path $PSScriptRoot -Parent
    $examples = Join-Path -Path $repositoryRoot -ChildPath 'examples'
    . (Join-Path -Path $PSScriptRoot -ChildPath 'EntraSnapshotSim.ps1')

    $started = Start-EntraSnapshotSim -RepositoryRoot $repositoryRoot -WorkFolder $TestDrive
    $simProcess = $started.Process
    $graphUrl = $started.GraphUrl
    $saved = Save-EntraSnapshotEnvironment -Name 'ENTRASNAP_TOKEN', 'ENTRASNAP_GRAPH_URL', 'ENTRASNAP_STORE', 'IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'PSModulePath'
    $env:ENTRASNAP_GRAPH_URL = $graphUrl
    # The scripts' own `Import-Module EntraSnapshot` finds this module.
    $env:PSModulePath = (Join-Path -Path $repositoryRoot -ChildPath 'module') + [System.IO.Path]::PathSeparator + $env:PSModulePath
    $policyName = 'CA001 - Require MFA for all users'
    $policyId = (Find-EntraSnapshotSimPolicy -GraphUrl $graphUrl -DisplayName $policyName).id
    $pwsh = (Get-Process -Id $PID).Path

    function Set-PolicyState {
        param([string]$State)
        $null = Invoke-EntraSnapshotSimGraph -GraphUrl $graphUrl -Method 'PATCH' -Path "beta/identity/conditionalAccess/policies/$policyId" -Body @{ state = $State }
    }

    function Get-PolicyState {
        [string](Invoke-EntraSnapshotSimGraph -GraphUrl $graphUrl -Path "beta/identity/conditionalAccess/policies/$policyId").state
    }
}

AfterAll {
    Restore-EntraSnapshotEnvironment -Saved $saved
    Stop-EntraSnapshotSim -Process $simProcess
}

Describe 'examples/Invoke-NightlyEntraSnapshot.ps1' {
    BeforeAll {
        # Azure Automation's managed identity, as the emulator serves it.
        $identity = Invoke-EntraSnapshotSimGraph -GraphUrl $graphUrl -Path '_sim/identity'
        $env:IDENTITY_ENDPOINT = $identity.appService2019.IDENTITY_ENDPOINT
        $env:IDENTITY_HEADER = $identity.appService2019.IDENTITY_HEADER
        $env:ENTRASNAP_TOKEN = $null
        $runbook = Join-Path -Path $examples -ChildPath 'Invoke-NightlyEntraSnapshot.ps1'
        $store = Join-Path -Path $TestDrive -ChildPath 'nightly'

        # A Teams incoming webhook stand-in: one POST, its body kept.
        $probe = New-Object System.Net.Sockets.TcpListener -ArgumentList ([System.Net.IPAddress]::Loopback), 0
        $probe.Start()
        $port = $probe.LocalEndpoint.Port
        $probe.Stop()
        $webhookUrl = "http://127.0.0.1:$port/webhook/"
        $listener = New-Object System.Net.HttpListener
        $listener.Prefixes.Add($webhookUrl)
        $listener.Start()
        $receiver = [powershell]::Create()
        $null = $receiver.AddScript({
                param($listener)
                $context = $listener.GetContext()
                $reader = New-Object System.IO.StreamReader -ArgumentList $context.Request.InputStream, ([System.Text.Encoding]::UTF8)
                $body = $reader.ReadToEnd()
                $context.Response.StatusCode = 200
                $context.Response.Close()
                $body
            }).AddArgument($listener)
        $received = $receiver.BeginInvoke()

        $first = & $runbook -Store $store
        # The night's incident, through Graph's own API.
        Set-PolicyState -State 'disabled'
        $user = @((Invoke-EntraSnapshotSimGraph -GraphUrl $graphUrl -Path 'v1.0/users?$top=1&$select=id').value)[0]
        $null = Invoke-EntraSnapshotSimGraph -GraphUrl $graphUrl -Method 'PATCH' -Path "v1.0/users/$($user.id)" -Body @{ department = 'Corrupted By Sync' }
        $summaryPath = Join-Path -Path $TestDrive -ChildPath 'summary.md'
        $second = & $runbook -Store $store -SummaryPath $summaryPath -TeamsWebhookUrl $webhookUrl
        $posted = $null
        if ($received.AsyncWaitHandle.WaitOne(10000)) {
            $posted = @($receiver.EndInvoke($received))[0]
        }
    }

    AfterAll {
        $listener.Close()
        $receiver.Dispose()
        Set-PolicyState -State 'enabled'
    }

    It 'takes the first snapshot and says so' {
        $first | Should -Match '^## Entra snapshot \d{8}T\d{6}Z-'
        $first | Should -Match 'First snapshot of this store: \d+ objects'
        @(Get-EntraSnapshot -Store $store).Count | Should -Be 2
    }

    It 'summarizes the critical change with its attribute, and leaves out the minor one' {
        $snapshots = @(Get-EntraSnapshot -Store $store)
        $second | Should -Match ([regex]::Escape("## Entra changes $($snapshots[1].SnapshotId) -> $($snapshots[0].SnapshotId)"))
        $second | Should -Match '1 critical, 0 high:'
        $second | Should -Match ([regex]::Escape("- **Critical** conditionalAccessPolicy '$policyName': "))
        $second | Should -Match ([regex]::Escape('  - `state: enabled -> disabled`'))
        $second | Should -Not -Match 'Corrupted By Sync'
    }

    It 'writes the summary to the file and posts it to the webhook' {
        [System.IO.File]::ReadAllText($summaryPath) | Should -BeExactly $second
        $posted | Should -Not -BeNullOrEmpty
        (ConvertFrom-Json -InputObject $posted).text | Should -BeExactly $second
    }
}

Describe 'examples/EntraChange.Tests.ps1' {
    BeforeAll {
        $env:ENTRASNAP_TOKEN = 'any'
        $env:IDENTITY_ENDPOINT = $null
        $env:IDENTITY_HEADER = $null
        $procedure = Join-Path -Path $examples -ChildPath 'EntraChange.Tests.ps1'
        $store = Join-Path -Path $TestDrive -ChildPath 'change'
        $group = @((Invoke-EntraSnapshotSimGraph -GraphUrl $graphUrl -Path 'v1.0/groups?$top=1&$select=id').value)[0]

        # Pester can't run inside a running Pester: each procedure runs in a
        # child PowerShell, as a change pipeline would start it.
        function Invoke-Procedure {
            param([string]$Change, [string[]]$Expect)
            $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module -Name Pester -MinimumVersion 5.0.0
`$container = New-PesterContainer -Path '$($procedure.Replace("'", "''"))' -Data @{ Store = '$($store.Replace("'", "''"))'; Change = [scriptblock]::Create('$($Change.Replace("'", "''"))'); Expect = @('$($Expect -join "','")') }
`$result = Invoke-Pester -Container `$container -PassThru -Output None
`$result.Tests | ForEach-Object { [pscustomobject]@{ Name = `$_.ExpandedName; Result = [string]`$_.Result; Message = [string]`$_.ErrorRecord } } | ConvertTo-Json -Compress
"@
            $output = & $pwsh -NoProfile -NonInteractive -Command $script
            $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
            @(ConvertFrom-Json -InputObject ($output -join "`n")) | ForEach-Object { $_ }
        }

        $call = "Invoke-RestMethod -Method Patch -Uri '$graphUrl/v1.0/groups/$($group.id)' -Headers @{ Authorization = 'Bearer any' } -ContentType 'application/json' -Body '{`"description`":`"Finance approvers (CHG0042)`"}'"
        $harmless = @(Invoke-Procedure -Change $call -Expect 'group')
        $call = "Invoke-RestMethod -Method Patch -Uri '$graphUrl/beta/identity/conditionalAccess/policies/$policyId' -Headers @{ Authorization = 'Bearer any' } -ContentType 'application/json' -Body '{`"state`":`"disabled`"}'"
        $harmful = @(Invoke-Procedure -Change $call -Expect 'conditionalAccessPolicy')
    }

    AfterAll {
        Set-PolicyState -State 'enabled'
    }

    It 'passes a harmless change' {
        $harmless.Count | Should -Be 4
        @($harmless | Where-Object { $_.Result -ne 'Passed' } | ForEach-Object { "$($_.Name): $($_.Message)" }) | Should -BeNullOrEmpty
    }

    It 'fails a change that disables the MFA policy, naming the policy and the undo' {
        $failed = @($harmful | Where-Object { $_.Result -eq 'Failed' })
        $failed.Count | Should -Be 1
        $failed[0].Name | Should -BeExactly 'brought nothing critical'
        $failed[0].Message | Should -Match ([regex]::Escape("conditionalAccessPolicy '$policyName'"))
        $failed[0].Message | Should -Match 'Undo with: Restore-EntraObject'
    }

    It 'undoes it with the command the failure names' {
        $undo = [regex]::Match(@($harmful | Where-Object { $_.Result -eq 'Failed' })[0].Message, "Restore-EntraObject -Store '[^']+' -SnapshotId \d{8}T\d{6}Z-[0-9a-z]+").Value
        $undo | Should -Not -BeNullOrEmpty
        Import-Module -Name (Join-Path -Path $repositoryRoot -ChildPath 'module/EntraSnapshot/EntraSnapshot.psd1')
        Get-PolicyState | Should -BeExactly 'disabled'
        $result = & ([scriptblock]::Create("$undo -Id '$policyId' -Confirm:`$false"))
        $result.Failed | Should -Be 0
        Get-PolicyState | Should -BeExactly 'enabled'
    }
}

Describe 'examples/Test-EntraSnapshotAutomation.ps1' {
    BeforeAll {
        $identity = Invoke-EntraSnapshotSimGraph -GraphUrl $graphUrl -Path '_sim/identity'
        $env:IDENTITY_ENDPOINT = $identity.appService2019.IDENTITY_ENDPOINT
        $env:IDENTITY_HEADER = $identity.appService2019.IDENTITY_HEADER
        $env:ENTRASNAP_TOKEN = $null
        $smoke = Join-Path -Path $examples -ChildPath 'Test-EntraSnapshotAutomation.ps1'
        $store = Join-Path -Path $TestDrive -ChildPath 'smoke'
        # A new process, as an Automation job is: the module is not loaded yet.
        $script = "& '$($smoke.Replace("'", "''"))' -Store '$($store.Replace("'", "''"))' | ForEach-Object { if (`$_ -is [string]) { `$_ } else { `$_ | ConvertTo-Json -Compress } }"
        $output = @(& $pwsh -NoProfile -NonInteractive -Command $script)
        $exitCode = $LASTEXITCODE
    }

    It 'loads the engine without compiling, exports with the managed identity and verifies' {
        $exitCode | Should -Be 0 -Because ($output -join "`n")
        $output[0] | Should -Match '^PowerShell \d+\.\d+.* 64-bit process$'
        $output[1] | Should -Match '^Import-Module EntraSnapshot: \d+ ms, 1 emitted assembly'
        $output[2] | Should -Match '^Engine \S+ \(ABI 1\) for (linux|win|osx)-(x64|arm64) loaded from '
        $output[3] | Should -Match '^Exported and verified snapshot \d{8}T\d{6}Z-\w+ with the managed identity: \d+ objects$'
        $result = ConvertFrom-Json -InputObject $output[-1]
        $result.AbiVersion | Should -Be 1
        $result.Objects | Should -BeGreaterThan 100
        @(Get-EntraSnapshot -Store $store).Count | Should -Be 1
    }
}
