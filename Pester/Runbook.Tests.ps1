BeforeAll {
    $repositoryRoot = Split-Path -Path $PSScriptRoot -Parent
    $manifestPath = Join-Path -Path $repositoryRoot -ChildPath 'module/EntraSnapshot/EntraSnapshot.psd1'
    Import-Module -Name $manifestPath -Force -ErrorAction Stop
    . (Join-Path -Path $PSScriptRoot -ChildPath 'EntraSnapshotSim.ps1')
}

AfterAll {
    Remove-Module -Name 'EntraSnapshot' -Force -ErrorAction SilentlyContinue
}

# A runbook written from the cmdlets' help alone: the session says how to
# sign in and where to look with $env: variables (Export-EntraSnapshot's own
# example), under the strictest mode, and no call passes -AccessToken,
# -GraphUrl or -Store. On Linux and macOS the engine can't see $env: changes
# made in the session; the module hands them over.
Describe 'A runbook that signs in with $env:ENTRASNAP_TOKEN' {
    BeforeAll {
        Set-StrictMode -Version Latest
        $started = Start-EntraSnapshotSim -RepositoryRoot $repositoryRoot -WorkFolder $TestDrive
        $simProcess = $started.Process
        $graphUrl = $started.GraphUrl
        $policyName = 'CA001 - Require MFA for all users'
        $saved = Save-EntraSnapshotEnvironment -Name 'ENTRASNAP_TOKEN', 'ENTRASNAP_GRAPH_URL', 'ENTRASNAP_STORE'
        $store = Join-Path -Path $TestDrive -ChildPath 'store'
        $env:ENTRASNAP_TOKEN = 'any'
        $env:ENTRASNAP_GRAPH_URL = $graphUrl
        $env:ENTRASNAP_STORE = $store

        function Get-SimWrites {
            [long](Invoke-EntraSnapshotSimGraph -GraphUrl $graphUrl -Path '_sim/stats').writes
        }

        function Get-StoreFiles {
            # Every file of the store with its size and time: what a what-if must not change.
            @(Get-ChildItem -LiteralPath $store -Recurse -File | ForEach-Object {
                    "$($_.FullName.Substring($store.Length)) $($_.Length) $($_.LastWriteTimeUtc.Ticks)"
                } | Sort-Object)
        }

        function Get-Policy {
            Find-EntraSnapshotSimPolicy -GraphUrl $graphUrl -DisplayName $policyName
        }

        $nightly = Export-EntraSnapshot
        $policyId = (Get-Policy).id
        $users = @((Invoke-EntraSnapshotSimGraph -GraphUrl $graphUrl -Path 'v1.0/users?$top=3&$select=id,department').value)
        $user = $users | Where-Object { $_.department } | Select-Object -First 1

        # The incident, through Graph's own API.
        $null = Invoke-EntraSnapshotSimGraph -GraphUrl $graphUrl -Method 'PATCH' -Path "beta/identity/conditionalAccess/policies/$policyId" -Body @{ state = 'disabled' }
        $null = Invoke-EntraSnapshotSimGraph -GraphUrl $graphUrl -Method 'PATCH' -Path "v1.0/users/$($user.id)" -Body @{ department = 'Corrupted By Sync' }
    }

    AfterAll {
        Restore-EntraSnapshotEnvironment -Saved $saved
        Stop-EntraSnapshotSim -Process $simProcess
    }

    It 'exports with the token, the Graph and the store of the session' {
        $nightly.SnapshotId | Should -Not -BeNullOrEmpty
        $nightly.Objects | Should -BeGreaterThan 100
        $nightly.Store | Should -Be $store
    }

    It 'finds the disabled policy against the live tenant, the second time too' {
        $first = @(Compare-EntraSnapshot -To Live -SeverityMinimum Critical)
        $second = @(Compare-EntraSnapshot -To Live -SeverityMinimum Critical)
        foreach ($changes in $first, $second) {
            $changes.Count | Should -Be 1
            $changes[0].ObjectId | Should -Be $policyId
            $changes[0].FromSnapshotId | Should -Be $nightly.SnapshotId
        }
    }

    It 'writes the Markdown and the HTML report' {
        $markdown = Compare-EntraSnapshot -To Live -Format Markdown
        $markdown | Should -BeLike "*$policyName*"
        $html = Join-Path -Path $TestDrive -ChildPath 'report.html'
        Compare-EntraSnapshot -To Live -OutFile $html
        Get-Content -LiteralPath $html -Raw | Should -BeLike '*<html*'
    }

    It 'previews the piped restore without writing to the tenant' {
        $writes = Get-SimWrites
        $steps = @(Get-EntraSnapshot -Id latest | Compare-EntraSnapshot -To Live | Where-Object Severity -eq Critical | Restore-EntraObject -WhatIf)
        $steps.Count | Should -Be 1
        $steps[0].ObjectId | Should -Be $policyId
        $steps[0].Summary | Should -BeLike '*state*'
        Get-SimWrites | Should -Be $writes
        (Get-Policy).state | Should -Be 'disabled'
    }

    It 'stores nothing for a -WhatIf, as its help says' {
        $files = Get-StoreFiles
        $steps = @(Restore-EntraObject -SnapshotId latest -WhatIf)
        $steps.Count | Should -BeGreaterThan 0
        Get-StoreFiles | Should -Be $files
    }

    It 'restores each piped change to the snapshot it came from' {
        $result = Get-EntraSnapshot -Id latest | Compare-EntraSnapshot -To Live | Where-Object Severity -eq Critical | Restore-EntraObject -Confirm:$false
        $result.PSObject.TypeNames | Should -Contain 'EntraSnapshot.RestoreResult'
        $result.SnapshotId | Should -Be $nightly.SnapshotId
        $result.Done | Should -Be 1
        $result.Clean | Should -BeTrue
        (Get-Policy).state | Should -Be 'enabled'
        $script:policyRestore = $result
    }

    It 'restores only the department, and undoes the policy restore' {
        $departments = Restore-EntraObject -SnapshotId latest -Type user -Attribute department -Confirm:$false
        $departments.Done | Should -Be 1
        (Invoke-EntraSnapshotSimGraph -GraphUrl $graphUrl -Path "v1.0/users/$($user.id)?`$select=department").department | Should -Be $user.department

        $undo = Restore-EntraObject -Undo $script:policyRestore.RestoreId -Confirm:$false
        $undo.Done | Should -Be 1
        (Get-Policy).state | Should -Be 'disabled'
    }

    It 'fails on an id the snapshot does not hold, naming it, and writes nothing' {
        $writes = Get-SimWrites
        $unknown = '00000000-0000-4000-8000-00000000beef'
        { Restore-EntraObject -SnapshotId latest -Id $unknown -Confirm:$false } | Should -Throw -ExpectedMessage "*$unknown*"
        Get-SimWrites | Should -Be $writes
    }

    It 'fails on a misspelled attribute, naming it' {
        { Restore-EntraObject -SnapshotId latest -Type user -Attribute departmnt -Confirm:$false } | Should -Throw -ExpectedMessage '*departmnt*'
    }

    It 'verifies every snapshot of the store' {
        Test-EntraSnapshot -Quiet | Should -BeTrue
    }
}
