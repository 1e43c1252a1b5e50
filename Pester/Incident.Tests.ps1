BeforeAll {
    $repositoryRoot = Split-Path -Path $PSScriptRoot -Parent
    $manifestPath = Join-Path -Path $repositoryRoot -ChildPath 'module/EntraSnapshot/EntraSnapshot.psd1'
    Import-Module -Name $manifestPath -Force -ErrorAction Stop
    . (Join-Path -Path $PSScriptRoot -ChildPath 'EntraSnapshotSim.ps1')
}

AfterAll {
    Remove-Module -Name 'EntraSnapshot' -Force -ErrorAction SilentlyContinue
}

# The incident the module exists for, against entrasnap-sim: the MFA-for-all
# policy is saved as disabled through Graph; the admin finds it, restores it,
# and undoes the restore.
Describe 'An MFA policy disabled in entrasnap-sim' {
    BeforeAll {
        $policyName = 'CA001 - Require MFA for all users'
        $started = Start-EntraSnapshotSim -RepositoryRoot $repositoryRoot -WorkFolder $TestDrive
        $simProcess = $started.Process
        $graphUrl = $started.GraphUrl
        # Looks like a JWT so a leak would be easy to spot; the emulator accepts any bearer token.
        $plainToken = 'eyJ0eXAiOiJKV1QifQ.pester-incident-token-71d2.sig'
        $token = ConvertTo-SecureString -String $plainToken -AsPlainText -Force
        $store = Join-Path -Path $TestDrive -ChildPath 'store'
        $signIn = @{
            GraphUrl    = $graphUrl
            AccessToken = $token
        }

        function Get-PolicyState {
            (Invoke-EntraSnapshotSimGraph -GraphUrl $graphUrl -Path "beta/identity/conditionalAccess/policies/$policyId").state
        }

        function Get-SimWrites {
            [long](Invoke-EntraSnapshotSimGraph -GraphUrl $graphUrl -Path '_sim/stats').writes
        }

        if ($null -ne $graphUrl) {
            $baseline = Export-EntraSnapshot -Store $store @signIn
            $policyId = (Find-EntraSnapshotSimPolicy -GraphUrl $graphUrl -DisplayName $policyName).id
            $null = Invoke-EntraSnapshotSimGraph -GraphUrl $graphUrl -Method 'PATCH' -Path "beta/identity/conditionalAccess/policies/$policyId" -Body @{ state = 'disabled' }
        }
    }

    AfterAll {
        Stop-EntraSnapshotSim -Process $simProcess
    }

    Context 'Compare-EntraSnapshot' {
        BeforeAll {
            if ($null -ne $graphUrl) {
                $changes = @(Compare-EntraSnapshot -Store $store -From $baseline.SnapshotId -To Live @signIn)
                $incident = Get-EntraSnapshot -Store $store -Id $changes[0].ToSnapshotId
            }
        }

        It 'finds one critical change against the live tenant: the policy, disabled' {
            Get-PolicyState | Should -Be 'disabled'
            $changes.Count | Should -Be 1
            $change = $changes[0]
            $change.PSObject.TypeNames | Should -Contain 'EntraSnapshot.Change'
            $change.Severity | Should -BeExactly 'Critical'
            $change.ObjectName | Should -BeExactly $policyName
            $change.ObjectType | Should -Be 'conditionalAccessPolicy'
            $change.ObjectId | Should -Be $policyId
            $change.Kind | Should -BeExactly 'Modified'
            $change.Reason | Should -BeLike "*'$policyName'*disabled*"
            $change.Attributes.Count | Should -Be 1
            $change.Attributes[0].path | Should -Be 'state'
            $change.Attributes[0].old | Should -Be 'enabled'
            $change.Attributes[0].new | Should -Be 'disabled'
            $change.Live | Should -BeTrue
            $change.FromSnapshotId | Should -Be $baseline.SnapshotId
            $change.ToSnapshotId | Should -Be $incident.SnapshotId
            $change.Store | Should -Be $store
        }

        It 'kept the live export as a compare-live snapshot, which latest never picks' {
            @(Get-EntraSnapshot -Store $store).Count | Should -Be 2
            $incident.SnapshotId | Should -Not -Be $baseline.SnapshotId
            $incident.Kind | Should -Be 'compare-live'
            (Get-EntraSnapshot -Store $store -Id latest).SnapshotId | Should -Be $baseline.SnapshotId
        }

        It 'leaves out what is below -SeverityMinimum, and finds nothing between a snapshot and itself' {
            @(Compare-EntraSnapshot -Store $store -From $baseline.SnapshotId -To $incident.SnapshotId -SeverityMinimum Critical).Count | Should -Be 1
            @(Compare-EntraSnapshot -Store $store -From $baseline.SnapshotId -To $incident.SnapshotId -Type user, group).Count | Should -Be 0
            Compare-EntraSnapshot -Store $store -From latest -To latest | Should -BeNullOrEmpty
        }

        It 'writes an HTML report with -OutFile' {
            $file = Join-Path -Path $TestDrive -ChildPath 'incident.html'
            Compare-EntraSnapshot -Store $store -From $baseline.SnapshotId -To $incident.SnapshotId -Format Html -OutFile $file | Should -BeNullOrEmpty
            $bytes = [System.IO.File]::ReadAllBytes($file)
            ($bytes[0..2] -join ',') | Should -Not -Be '239,187,191' -Because 'UTF-8 without a byte order mark'
            $html = [System.Text.Encoding]::UTF8.GetString($bytes)
            $html | Should -BeLike '<!DOCTYPE html>*'
            $html | Should -BeLike "*$policyName*"
            $html | Should -Not -BeLike '*pester-incident-token-71d2*'

            $passed = @(Compare-EntraSnapshot -Store $store -From $baseline.SnapshotId -To $incident.SnapshotId -Format Markdown -OutFile (Join-Path -Path $TestDrive -ChildPath 'incident.md') -PassThru)
            $passed.Count | Should -Be 1
            $passed[0].ObjectId | Should -Be $policyId
        }

        It 'never shows the token' {
            ($changes | ConvertTo-Json -Depth 8) | Should -Not -BeLike '*pester-incident-token-71d2*'
        }
    }

    Context 'Restore-EntraObject' {
        BeforeAll {
            if ($null -ne $graphUrl) {
                $good = $baseline.SnapshotId
                $writesBefore = Get-SimWrites
                $planned = @(Restore-EntraObject -Store $store -SnapshotId $good -Id $policyId @signIn -WhatIf)
                $writesAfterWhatIf = Get-SimWrites
                $stateAfterWhatIf = Get-PolicyState

                $restoreErrors = $null
                $restored = @(
                    Compare-EntraSnapshot -Store $store -From $good -To Live @signIn |
                        Where-Object Severity -eq 'Critical' |
                        Restore-EntraObject -SnapshotId $good @signIn -Confirm:$false -ErrorVariable restoreErrors
                )
                $writesAfterRestore = Get-SimWrites
                $stateAfterRestore = Get-PolicyState

                $undoErrors = $null
                $undone = @(Restore-EntraObject -Store $store -Undo $restored[0].RestoreId @signIn -Confirm:$false -ErrorVariable undoErrors)
                $stateAfterUndo = Get-PolicyState
            }
        }

        It 'with -WhatIf, writes nothing and returns the one step it would take' {
            $writesAfterWhatIf | Should -Be $writesBefore
            $stateAfterWhatIf | Should -Be 'disabled'
            $planned.Count | Should -Be 1
            $planned[0].PSObject.TypeNames | Should -Contain 'EntraSnapshot.RestoreStep'
            $planned[0].Kind | Should -BeExactly 'Update'
            $planned[0].ObjectId | Should -Be $policyId
            $planned[0].ObjectName | Should -BeExactly $policyName
            $planned[0].Summary | Should -BeLike '*state*'
            $planned[0].Method | Should -Be 'PATCH'
            $planned[0].Status | Should -BeNullOrEmpty
        }

        It 'restores the policy from the piped critical change, and verifies it' {
            $restoreErrors.Count | Should -Be 0
            $stateAfterRestore | Should -Be 'enabled'
            $writesAfterRestore | Should -Be ($writesAfterWhatIf + 1) -Because 'one PATCH puts the state back'
            $restored.Count | Should -Be 1
            $result = $restored[0]
            $result.PSObject.TypeNames | Should -Contain 'EntraSnapshot.RestoreResult'
            $result.RestoreId | Should -Not -BeNullOrEmpty
            $result.SnapshotId | Should -Be $good
            $result.Done | Should -Be 1
            $result.Failed | Should -Be 0
            $result.Skipped | Should -Be 0
            $result.Clean | Should -BeTrue
            $result.Residue.Count | Should -Be 0
            @($result.Steps | ForEach-Object { $_.Status }) | Should -Be @('Done')
            $result.Steps[0].ObjectId | Should -Be $policyId
            (Get-EntraSnapshot -Store $store -Id $result.PreRestoreSnapshotId).SnapshotId | Should -Be $result.PreRestoreSnapshotId
        }

        It 'undoes the restore: the policy is disabled again' {
            $undoErrors.Count | Should -Be 0
            $stateAfterUndo | Should -Be 'disabled'
            $undone.Count | Should -Be 1
            $undone[0].PSObject.TypeNames | Should -Contain 'EntraSnapshot.RestoreResult'
            $undone[0].Done | Should -Be 1
            $undone[0].Clean | Should -BeTrue
            $undone[0].RestoreId | Should -Not -BeNullOrEmpty
        }

        It 'never shows the token' {
            (@($planned) + @($restored) + @($undone) | ConvertTo-Json -Depth 8) | Should -Not -BeLike '*pester-incident-token-71d2*'
        }
    }
}

# Who did it, and undoing only that: a compromised admin disables the MFA
# policy while another admin makes a legitimate change; the audit log names
# each, and Restore-EntraObject -ChangedBy undoes only the attacker's.
Describe 'A compromised admin and a legitimate one in entrasnap-sim' {
    BeforeAll {
        $started = Start-EntraSnapshotSim -RepositoryRoot $repositoryRoot -WorkFolder $TestDrive
        $simProcess = $started.Process
        $graphUrl = $started.GraphUrl
        $token = ConvertTo-SecureString -String 'pester-forensics-token' -AsPlainText -Force
        $store = Join-Path -Path $TestDrive -ChildPath 'forensics'
        $signIn = @{
            GraphUrl    = $graphUrl
            AccessToken = $token
        }

        # A JWT-shaped token naming a user: the emulator's audit log reads its claims.
        function New-UserToken {
            param([string]$Upn, [string]$Name, [string]$ObjectId)
            $encode = {
                param([string]$Json)
                [Convert]::ToBase64String([System.Text.Encoding]::UTF8.GetBytes($Json)).TrimEnd('=').Replace('+', '-').Replace('/', '_')
            }
            $claims = ConvertTo-Json -Compress -InputObject @{ oid = $ObjectId; upn = $Upn; name = $Name }
            '{0}.{1}.c2ln' -f (& $encode '{"alg":"RS256","typ":"JWT"}'), (& $encode $claims)
        }

        $mallory = 'mallory@contoso.onmicrosoft.com'
        $malloryToken = New-UserToken -Upn $mallory -Name 'Mallory' -ObjectId 'a0a0a0a0-1111-4222-8333-444444444444'
        $leeToken = New-UserToken -Upn 'lee.admin@contoso.onmicrosoft.com' -Name 'Lee Admin' -ObjectId 'b0b0b0b0-1111-4222-8333-444444444444'

        if ($null -ne $graphUrl) {
            $baseline = Export-EntraSnapshot -Store $store @signIn
            Start-Sleep -Milliseconds 1100
            $since = [DateTime]::UtcNow
            Start-Sleep -Milliseconds 1100
            $policyId = (Find-EntraSnapshotSimPolicy -GraphUrl $graphUrl -DisplayName 'CA001 - Require MFA for all users').id
            $null = Invoke-EntraSnapshotSimGraph -GraphUrl $graphUrl -Method 'PATCH' -Path "v1.0/identity/conditionalAccess/policies/$policyId" -Body @{ state = 'disabled' } -Token $malloryToken
            $lee = @((Invoke-EntraSnapshotSimGraph -GraphUrl $graphUrl -Path "v1.0/users?`$filter=displayName eq 'Lee Gu'").value)[0]
            $null = Invoke-EntraSnapshotSimGraph -GraphUrl $graphUrl -Method 'PATCH' -Path "v1.0/users/$($lee.id)" -Body @{ jobTitle = 'Director of Operations' } -Token $leeToken
        }
    }

    AfterAll {
        Stop-EntraSnapshotSim -Process $simProcess
    }

    It 'names who made each change, from the audit log' {
        $changes = @(Compare-EntraSnapshot -Store $store -From $baseline.SnapshotId -To Live @signIn)
        $changes.Count | Should -Be 2
        $policy = @($changes | Where-Object ObjectType -eq 'conditionalAccessPolicy')[0]
        $policy.ChangedBy | Should -Be @($mallory)
        $policy.Attribution.status | Should -Be 'explained'
        $user = @($changes | Where-Object ObjectType -eq 'user')[0]
        $user.ChangedBy | Should -Be @('lee.admin@contoso.onmicrosoft.com')
    }

    It 'names who made each change in the policy''s history with -Audit' {
        $history = @(Get-EntraSnapshotHistory -Store $store -Id $policyId -Audit @signIn)
        $changed = @($history | Where-Object Event -eq 'Changed')
        $changed.Count | Should -BeGreaterThan 0
        $changed[0].ChangedBy | Should -Be @($mallory)
        $changed[0].Details -join "`n" | Should -BeLike "*changed by $mallory at *"
    }

    It 'keeps only one actor''s changes with -ChangedBy' {
        $mine = @(Compare-EntraSnapshot -Store $store -From $baseline.SnapshotId -To Live -ChangedBy $mallory @signIn)
        $mine.Count | Should -Be 1
        $mine[0].ObjectId | Should -Be $policyId
        { Compare-EntraSnapshot -Store $store -From $baseline.SnapshotId -To Live -ChangedBy 'nobody@contoso.com' @signIn } |
            Should -Throw -ExpectedMessage "*'nobody@contoso.com'*"
    }

    It 'undoes only that actor''s changes with Restore-EntraObject -ChangedBy, and the other admin''s stays' {
        $result = Restore-EntraObject -Store $store -ChangedBy $mallory -Since $since -Confirm:$false @signIn
        $result.Clean | Should -BeTrue
        (Invoke-EntraSnapshotSimGraph -GraphUrl $graphUrl -Path "v1.0/identity/conditionalAccess/policies/$policyId").state | Should -Be 'enabled'
        (Invoke-EntraSnapshotSimGraph -GraphUrl $graphUrl -Path "v1.0/users/$($lee.id)?`$select=jobTitle").jobTitle | Should -Be 'Director of Operations'
    }
}
