BeforeAll {
    $repositoryRoot = Split-Path -Path $PSScriptRoot -Parent
    $manifestPath = Join-Path -Path $repositoryRoot -ChildPath 'module/EntraSnapshot/EntraSnapshot.psd1'
    Import-Module -Name $manifestPath -Force -ErrorAction Stop
    . (Join-Path -Path $PSScriptRoot -ChildPath 'EntraSnapshotSim.ps1')
}

AfterAll {
    Remove-Module -Name 'EntraSnapshot' -Force -ErrorAction SilentlyContinue
}

Describe 'Get-EntraSnapshotHistory parameters' {
    BeforeAll {
        $command = Get-Command -Name 'Get-EntraSnapshotHistory'
    }

    It 'declares its output type' {
        $command.OutputType.Name | Should -Contain 'EntraSnapshot.HistoryEntry'
    }

    It 'takes -Id or -Name, not both' {
        { Get-EntraSnapshotHistory -Store $TestDrive -Id 'a' -Name 'b' } |
            Should -Throw -ErrorId 'AmbiguousParameterSet,Get-EntraSnapshotHistory'
    }

    It 'offers the 17 object types for -Type' {
        $validateSet = $command.Parameters['Type'].Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }
        $validateSet.ValidValues.Count | Should -Be 17
    }
}

# A policy changed twice through Graph between three exports, read back
# event by event from the module.
Describe 'The history of a policy in entrasnap-sim' {
    BeforeAll {
        $policyName = 'CA001 - Require MFA for all users'
        $started = Start-EntraSnapshotSim -RepositoryRoot $repositoryRoot -WorkFolder $TestDrive
        $simProcess = $started.Process
        $graphUrl = $started.GraphUrl
        $token = ConvertTo-SecureString -String 'eyJ0eXAiOiJKV1QifQ.pester-history-token-5e1a.sig' -AsPlainText -Force
        $store = Join-Path -Path $TestDrive -ChildPath 'store'
        $signIn = @{
            GraphUrl    = $graphUrl
            AccessToken = $token
        }
        $snapshots = @()
        if ($null -ne $graphUrl) {
            $policyId = (Find-EntraSnapshotSimPolicy -GraphUrl $graphUrl -DisplayName $policyName).id
            $snapshots += Export-EntraSnapshot -Store $store -Type conditionalAccessPolicy, group @signIn
            $null = Invoke-EntraSnapshotSimGraph -GraphUrl $graphUrl -Method 'PATCH' -Path "beta/identity/conditionalAccess/policies/$policyId" -Body @{ state = 'disabled' }
            $snapshots += Export-EntraSnapshot -Store $store -Type conditionalAccessPolicy, group @signIn
            $null = Invoke-EntraSnapshotSimGraph -GraphUrl $graphUrl -Method 'PATCH' -Path "beta/identity/conditionalAccess/policies/$policyId" -Body @{ displayName = 'CA001 - MFA for everyone' }
            $snapshots += Export-EntraSnapshot -Store $store -Type conditionalAccessPolicy, group @signIn
            $entries = @(Get-EntraSnapshotHistory -Store $store -Name $policyName.ToUpperInvariant())
        }
    }

    AfterAll {
        Stop-EntraSnapshotSim -Process $simProcess
    }

    It 'returns one entry per event, oldest first, each naming its snapshot pair' {
        $entries.Count | Should -Be 3
        $entries.Event | Should -Be @('Created', 'Changed', 'Changed')
        $entries[0].PSObject.TypeNames | Should -Contain 'EntraSnapshot.HistoryEntry'
        $entries[0].FromSnapshotId | Should -BeNullOrEmpty
        $entries[0].ToSnapshotId | Should -Be $snapshots[0].SnapshotId
        $entries[1].FromSnapshotId | Should -Be $snapshots[0].SnapshotId
        $entries[1].ToSnapshotId | Should -Be $snapshots[1].SnapshotId
        $entries[2].ToSnapshotId | Should -Be $snapshots[2].SnapshotId
        $entries[1].ToKind | Should -Be 'export'
        $entries[1].Time | Should -BeOfType ([datetime])
        $entries[1].Time.Kind | Should -Be 'Utc'
        @($entries.ObjectId | Select-Object -Unique) | Should -Be @($policyId)
        @($entries[1].ChangedBy).Count | Should -Be 0
    }

    It 'shows each change with its value before and after, as Compare-EntraSnapshot does' {
        $entries[1].Severity | Should -Be 'Critical'
        $entries[1].Details | Should -Be @('state: enabled -> disabled')
        $entries[1].Attributes[0].path | Should -Be 'state'
        $entries[2].Details | Should -Be @("displayName: $policyName -> CA001 - MFA for everyone")
        $entries[2].ObjectName | Should -Be 'CA001 - MFA for everyone'
        $change = @(Compare-EntraSnapshot -Store $store -From $snapshots[0].SnapshotId -To $snapshots[1].SnapshotId)
        $change[0].Severity | Should -Be $entries[1].Severity
        $change[0].Reason | Should -Be $entries[1].Reason
    }

    It 'narrows to one attribute and to a time' {
        $state = @(Get-EntraSnapshotHistory -Store $store -Id $policyId -Attribute state)
        $state.Event | Should -Be @('Created', 'Changed')
        $state[1].ToSnapshotId | Should -Be $snapshots[1].SnapshotId
        $completed = (Get-EntraSnapshot -Store $store -Id $snapshots[1].SnapshotId).CompletedAt
        $completed | Should -BeOfType ([datetime])
        $window = @(Get-EntraSnapshotHistory -Store $store -Id $policyId -From $completed)
        $window.Event | Should -Be @('Created', 'Changed')
        $window[0].ToSnapshotId | Should -Be $snapshots[1].SnapshotId
        $window[1].ToSnapshotId | Should -Be $snapshots[2].SnapshotId
    }

    It 'takes changes from Compare-EntraSnapshot on the pipeline' {
        $piped = @(Compare-EntraSnapshot -Store $store -From $snapshots[0].SnapshotId -To $snapshots[1].SnapshotId | Get-EntraSnapshotHistory)
        $piped.Count | Should -Be 3
        $piped[2].Event | Should -Be 'Changed'
    }

    It 'renders the text the command prints' {
        $text = Get-EntraSnapshotHistory -Store $store -Id $policyId -Format Text
        $text | Should -BeOfType ([string])
        $text | Should -Match '(?m)^    state: enabled -> disabled$'
    }

    It 'fails naming a name or attribute that matches nothing' {
        { Get-EntraSnapshotHistory -Store $store -Name 'CA999 - nothing' } |
            Should -Throw -ErrorId 'EntraSnapshot.InvalidArgument,Get-EntraSnapshotHistory' -ExpectedMessage "*no object named 'CA999 - nothing'*"
        { Get-EntraSnapshotHistory -Store $store -Id $policyId -Attribute 'colour' } |
            Should -Throw -ErrorId 'EntraSnapshot.InvalidArgument,Get-EntraSnapshotHistory' -ExpectedMessage "*attribute 'colour' matched nothing*"
    }
}
