BeforeAll {
    $repositoryRoot = Split-Path -Path $PSScriptRoot -Parent
    $manifestPath = Join-Path -Path $repositoryRoot -ChildPath 'module/EntraSnapshot/EntraSnapshot.psd1'
    Import-Module -Name $manifestPath -Force -ErrorAction Stop

    $plainToken = 'eyJ0eXAiOiJKV1QifQ.pester-restore-token-8a1f.sig'
    $token = ConvertTo-SecureString -String $plainToken -AsPlainText -Force
    $good = '20260301T000000Z-aaaaaa'
    $policyId = '9b5a3c1e-0000-4000-8000-000000000001'

    # For every test: the snapshot a restore goes back to is resolved once, first.
    Mock -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -ParameterFilter { $Operation -eq 'snapshot.resolve' } -MockWith {
        $id = $Parameters.snapshot
        if ($id -eq 'latest') {
            $id = $good
        }
        [pscustomobject]@{
            id     = $id
            kind   = 'export'
            labels = @()
        }
    }

    # snapshot.restore answers as the engine does (the records of
    # native/core/src/restore/model.rs). The plan: re-enable CA001, then put
    # a member back into the group it excludes.
    function New-RestoreAnswer {
        param(
            # The answer to a whatIf request: the plan, nothing run.
            [switch]
            $Planned,

            [ValidateSet('Done', 'Failed', 'Refused', 'Empty', 'Changed')]
            [string]
            $Outcome = 'Done'
        )

        $steps = @(
            [ordered]@{
                seq        = 1
                kind       = 'update'
                objectType = 'conditionalAccessPolicy'
                objectId   = $policyId
                objectName = 'CA001 - Require MFA for all users'
                summary    = 'state: disabled -> enabled'
                request    = [ordered]@{
                    method  = 'PATCH'
                    version = 'beta'
                    path    = "identity/conditionalAccess/policies/$policyId"
                    body    = @{
                        state = 'enabled'
                    }
                }
            }
            [ordered]@{
                seq        = 2
                kind       = 'addLink'
                objectType = 'group'
                objectId   = 'g1'
                objectName = 'SG-CA-Exclude-BreakGlass'
                summary    = 'add member Break Glass 1'
                dependsOn  = @(1)
                request    = [ordered]@{
                    method  = 'POST'
                    version = 'v1.0'
                    path    = 'groups/g1/members/$ref'
                    body    = @{
                        '@odata.id' = 'https://graph.microsoft.com/v1.0/directoryObjects/u9'
                    }
                }
            }
        )
        if ($Outcome -eq 'Empty') {
            $steps = @()
        }
        if ($Outcome -eq 'Changed' -and -not $Planned) {
            $steps = @($steps[0])
        }
        $guard = [ordered]@{
            breakGlass = @(
                [ordered]@{
                    id         = 'u9'
                    name       = 'Break Glass 1'
                    objectType = 'user'
                    source     = 'given'
                }
            )
            findings   = @()
            refused    = $false
            overridden = $false
        }
        if ($Outcome -eq 'Refused') {
            $guard.findings = @("CA001 - Require MFA for all users would no longer exclude 'Break Glass 1'.")
            $guard.refused = $true
        }
        $answer = [ordered]@{
            restoreId    = $null
            snapshot     = $good
            preRestore   = '20260302T000000Z-bbbbbb'
            whatIf       = [bool]$Planned
            plan         = [ordered]@{
                snapshot    = $good
                live        = '20260302T000000Z-bbbbbb'
                steps       = $steps
                notes       = @(
                    [ordered]@{
                        objectType = 'application'
                        objectId   = 'a1'
                        objectName = 'Payroll'
                        message    = 'the client secret ''prod'' cannot be brought back: add a new one'
                    }
                )
                guard       = $guard
                permissions = @('Policy.ReadWrite.ConditionalAccess', 'GroupMember.ReadWrite.All')
            }
            outcomes     = @()
            counts       = [ordered]@{
                done    = 0
                already = 0
                failed  = 0
                skipped = 0
            }
            verification = $null
        }
        if (-not $Planned) {
            $answer.restoreId = '20260302T000001Z-r3st0r'
            if ($Outcome -eq 'Failed') {
                $answer.outcomes = @(
                    [ordered]@{
                        seq    = 1
                        status = 'failed'
                        error  = 'Graph answered 400 BadRequest: the named location does not exist'
                    }
                    [ordered]@{
                        seq    = 2
                        status = 'skipped'
                    }
                )
                $answer.counts.failed = 1
                $answer.counts.skipped = 1
                $answer.verification = [ordered]@{
                    clean   = $false
                    residue = @($steps[0])
                }
            }
            else {
                $answer.outcomes = @(
                    foreach ($step in $steps) {
                        [ordered]@{
                            seq    = $step.seq
                            status = 'done'
                        }
                    }
                )
                $answer.counts.done = $steps.Count
                $answer.verification = [ordered]@{
                    clean   = $true
                    residue = @()
                }
            }
        }
        # Through JSON, so the module gets exactly what ConvertFrom-Json makes of the engine's answer.
        ConvertFrom-Json -InputObject (ConvertTo-Json -InputObject $answer -Depth 10)
    }
}

AfterAll {
    Remove-Module -Name 'EntraSnapshot' -Force -ErrorAction SilentlyContinue
}

Describe 'Restore-EntraObject parameters' {
    BeforeAll {
        $command = Get-Command -Name 'Restore-EntraObject'
        $binding = $command.ScriptBlock.Attributes | Where-Object { $_ -is [System.Management.Automation.CmdletBindingAttribute] }
    }

    It 'supports -WhatIf and -Confirm with a high impact' {
        $binding.SupportsShouldProcess | Should -BeTrue
        $binding.ConfirmImpact | Should -Be 'High'
        $command.Parameters.Keys | Should -Contain 'WhatIf'
        $command.Parameters.Keys | Should -Contain 'Confirm'
    }

    It 'declares its output types' {
        $command.OutputType.Name | Should -Contain 'EntraSnapshot.RestoreResult'
        $command.OutputType.Name | Should -Contain 'EntraSnapshot.RestoreStep'
    }

    It 'restores to a snapshot, undoes a restore, or undoes one actor''s changes, in three parameter sets' {
        $command.DefaultParameterSet | Should -Be 'Restore'
        $snapshotId = $command.Parameters['SnapshotId'].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.ParameterSetName -eq 'Restore' }
        $snapshotId.Mandatory | Should -BeTrue
        $snapshotId.ValueFromPipelineByPropertyName | Should -BeTrue
        # With -ChangedBy the snapshot is optional: the newest export before -Since.
        $actorSnapshot = $command.Parameters['SnapshotId'].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.ParameterSetName -eq 'ChangedBy' }
        $actorSnapshot.Mandatory | Should -BeFalse
        foreach ($name in 'ChangedBy', 'Since') {
            $attribute = $command.Parameters[$name].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }
            $attribute.ParameterSetName | Should -Be 'ChangedBy'
            $attribute.Mandatory | Should -BeTrue
        }
        { Restore-EntraObject -Store $TestDrive -ChangedBy 'x' -Since (Get-Date) -Undo 'r1' } |
            Should -Throw -ErrorId 'AmbiguousParameterSet,Restore-EntraObject' 
        $undo = $command.Parameters['Undo'].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }
        $undo.ParameterSetName | Should -Be 'Undo'
        $undo.Mandatory | Should -BeTrue
        { Restore-EntraObject -Store $TestDrive -SnapshotId $good -Undo 'r1' } |
            Should -Throw -ErrorId 'AmbiguousParameterSet,Restore-EntraObject'
    }

    It 'takes the object id and type from piped changes' {
        $command.Parameters['Id'].Aliases | Should -Contain 'ObjectId'
        $command.Parameters['Type'].Aliases | Should -Contain 'ObjectType'
        foreach ($name in 'Id', 'Type', 'Store') {
            $command.Parameters[$name].Attributes.Where({ $_ -is [System.Management.Automation.ParameterAttribute] }).ValueFromPipelineByPropertyName | Should -Contain $true
        }
        $validateSet = $command.Parameters['Type'].Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }
        $validateSet.ValidValues.Count | Should -Be 17
    }

    It 'takes -AccessToken only as a SecureString' {
        $command.Parameters['AccessToken'].ParameterType | Should -Be ([securestring])
    }

    It 'does not take a token and a managed identity together' {
        Mock -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -MockWith {
            New-RestoreAnswer -Planned
        }
        { Restore-EntraObject -Store $TestDrive -SnapshotId $good -ManagedIdentity -AccessToken $token -Confirm:$false } |
            Should -Throw -ErrorId 'EntraSnapshot.AmbiguousSignIn*'
        Should -Invoke -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -Times 0 -Exactly -ParameterFilter { $Operation -eq 'snapshot.restore' }
    }

    It 'needs -Store or $env:ENTRASNAP_STORE' {
        $saved = $env:ENTRASNAP_STORE
        try {
            $env:ENTRASNAP_STORE = $null
            { Restore-EntraObject -SnapshotId $good -WhatIf } | Should -Throw -ErrorId 'EntraSnapshot.StoreRequired*'
        }
        finally {
            $env:ENTRASNAP_STORE = $saved
        }
    }

    It 'reports a missing store without creating it' {
        $missing = Join-Path -Path $TestDrive -ChildPath 'no-store-here'
        { Restore-EntraObject -Store $missing -SnapshotId $good -WhatIf } | Should -Throw -ErrorId 'EntraSnapshot.StoreError*'
        $missing | Should -Not -Exist
    }
}

Describe 'Restore-EntraObject with the engine answering' {
    It 'with -WhatIf, plans once without writing and returns the steps' {
        Mock -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -MockWith {
            $Parameters['sawToken'] = $Parameters['token'] -eq $plainToken
            New-RestoreAnswer -Planned:([bool]$Parameters.whatIf)
        }
        $warnings = $null
        $steps = @(Restore-EntraObject -Store $TestDrive -SnapshotId $good -Type conditionalAccessPolicy -Id $policyId -GraphUrl 'http://127.0.0.1:9' -AccessToken $token -WhatIf -WarningVariable warnings -WarningAction SilentlyContinue)

        Should -Invoke -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -Times 1 -Exactly -ParameterFilter { $Operation -eq 'snapshot.restore' }
        Should -Invoke -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -Times 1 -Exactly -ParameterFilter {
            $Operation -eq 'snapshot.restore' -and
            $Parameters.whatIf -eq $true -and
            $Parameters.store -eq $TestDrive -and
            $Parameters.snapshot -eq $good -and
            (@($Parameters.types) -join ',') -eq 'conditionalAccessPolicy' -and
            (@($Parameters.ids) -join ',') -eq $policyId -and
            $Parameters.graphUrl -eq 'http://127.0.0.1:9' -and
            $Parameters.sawToken -and
            -not $Parameters.ContainsKey('token') -and
            -not $Parameters.ContainsKey('undo')
        }

        $steps.Count | Should -Be 2
        $steps[0].PSObject.TypeNames | Should -Contain 'EntraSnapshot.RestoreStep'
        $steps[0].Seq | Should -Be 1
        $steps[0].Kind | Should -BeExactly 'Update'
        $steps[0].ObjectType | Should -Be 'conditionalAccessPolicy'
        $steps[0].ObjectId | Should -Be $policyId
        $steps[0].ObjectName | Should -Be 'CA001 - Require MFA for all users'
        $steps[0].Summary | Should -Be 'state: disabled -> enabled'
        $steps[0].Method | Should -Be 'PATCH'
        $steps[0].Path | Should -Be "beta/identity/conditionalAccess/policies/$policyId"
        $steps[0].Body.state | Should -Be 'enabled'
        $steps[0].Status | Should -BeNullOrEmpty
        $steps[1].Kind | Should -BeExactly 'AddLink'
        $steps[1].DependsOn | Should -Be @(1)
        $warnings.Count | Should -Be 1
        $warnings[0].Message | Should -BeLike "application 'Payroll' (a1): the client secret 'prod' cannot be brought back*"
    }

    It 'plans, then restores with -Confirm:$false, and returns the result' {
        Mock -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -MockWith {
            $Parameters['sawToken'] = $Parameters['token'] -eq $plainToken
            New-RestoreAnswer -Planned:([bool]$Parameters.whatIf)
        }
        $errors = $null
        $output = @(Restore-EntraObject -Store $TestDrive -SnapshotId $good -Attribute state, members -BreakGlass 'breakglass1@contoso.com' -ReportOnly -AccessToken $token -Confirm:$false -ErrorVariable errors -WarningAction SilentlyContinue)

        Should -Invoke -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -Times 2 -Exactly -ParameterFilter { $Operation -eq 'snapshot.restore' }
        Should -Invoke -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -Times 1 -Exactly -ParameterFilter { $Parameters.whatIf -eq $true }
        Should -Invoke -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -Times 1 -Exactly -ParameterFilter {
            -not $Parameters.ContainsKey('whatIf') -and
            $Parameters.snapshot -eq $good -and
            (@($Parameters.attributes) -join ',') -eq 'state,members' -and
            (@($Parameters.breakGlass) -join ',') -eq 'breakglass1@contoso.com' -and
            $Parameters.reportOnly -eq $true -and
            -not $Parameters.ContainsKey('types') -and
            -not $Parameters.ContainsKey('ids') -and
            -not $Parameters.ContainsKey('deleteAdded') -and
            -not $Parameters.ContainsKey('overrideBreakGlass') -and
            $Parameters.sawToken -and
            -not $Parameters.ContainsKey('token')
        }

        $errors.Count | Should -Be 0
        $output.Count | Should -Be 1
        $result = $output[0]
        $result.PSObject.TypeNames | Should -Contain 'EntraSnapshot.RestoreResult'
        $result.RestoreId | Should -Be '20260302T000001Z-r3st0r'
        $result.SnapshotId | Should -Be $good
        $result.PreRestoreSnapshotId | Should -Be '20260302T000000Z-bbbbbb'
        $result.WhatIf | Should -BeFalse
        $result.Done | Should -Be 2
        $result.Already | Should -Be 0
        $result.Failed | Should -Be 0
        $result.Skipped | Should -Be 0
        $result.Clean | Should -BeTrue
        @($result.Steps | ForEach-Object { $_.Status }) | Should -Be @('Done', 'Done')
        $result.Residue.Count | Should -Be 0
        $result.Notes[0].ObjectName | Should -Be 'Payroll'
        $result.BreakGlass[0].name | Should -Be 'Break Glass 1'
        $result.Permissions | Should -Contain 'Policy.ReadWrite.ConditionalAccess'
        $result.Store | Should -Be $TestDrive
    }

    It 'resolves latest once, and previews and restores that same snapshot' {
        Mock -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -MockWith {
            New-RestoreAnswer -Planned:([bool]$Parameters.whatIf)
        }
        $null = Restore-EntraObject -Store $TestDrive -SnapshotId latest -AccessToken $token -Confirm:$false -WarningAction SilentlyContinue
        Should -Invoke -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -Times 1 -Exactly -ParameterFilter { $Operation -eq 'snapshot.resolve' -and $Parameters.snapshot -eq 'latest' }
        Should -Invoke -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -Times 2 -Exactly -ParameterFilter { $Operation -eq 'snapshot.restore' -and $Parameters.snapshot -eq $good }
    }

    It 'binds a piped change''s snapshot, so the help''s pipeline needs no -SnapshotId' {
        Mock -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -MockWith {
            New-RestoreAnswer -Planned:([bool]$Parameters.whatIf)
        }
        $change = [pscustomobject]@{
            PSTypeName     = 'EntraSnapshot.Change'
            ObjectType     = 'conditionalAccessPolicy'
            ObjectId       = $policyId
            FromSnapshotId = $good
            ToSnapshotId   = '20260302T000000Z-bbbbbb'
            Store          = $TestDrive
        }
        $steps = @($change | Restore-EntraObject -AccessToken $token -WhatIf -WarningAction SilentlyContinue)
        $steps.Count | Should -Be 2
        Should -Invoke -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -Times 1 -Exactly -ParameterFilter {
            $Operation -eq 'snapshot.restore' -and $Parameters.snapshot -eq $good -and (@($Parameters.ids) -join ',') -eq $policyId
        }
    }

    It 'shows the result as a list with its steps' {
        Mock -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -MockWith {
            New-RestoreAnswer -Planned:([bool]$Parameters.whatIf)
        }
        # PowerShell 7.2+ may colour labels; the escape sequences are not what is tested.
        $text = (Restore-EntraObject -Store $TestDrive -SnapshotId $good -AccessToken $token -Confirm:$false -WarningAction SilentlyContinue | Out-String -Width 200) -replace '\x1b\[[0-9;]*m', ''
        $text | Should -Match 'RestoreId\s+: 20260302T000001Z-r3st0r'
        $text | Should -Match 'Clean\s+: True'
        $text | Should -Match "1\. \[Done\] conditionalAccessPolicy 'CA001 - Require MFA for all users': state: disabled -> enabled"
    }

    It 'shows a large restore by its counts, with only the first steps and the rest a property away' {
        $answer = [ordered]@{
            restoreId  = '20260302T000001Z-r3st0r'
            snapshot   = $good
            preRestore = '20260302T000000Z-pr3r3s'
            plan       = [ordered]@{
                steps = @(
                    foreach ($seq in 1..5000) {
                        [ordered]@{ seq = $seq; kind = 'update'; objectType = 'user'; objectId = "u$seq"; objectName = "User $seq"; summary = 'department: Corrupted By Sync -> Operations' }
                    }
                )
            }
            outcomes   = @(foreach ($seq in 1..5000) { [ordered]@{ seq = $seq; status = 'done' } })
            counts       = [ordered]@{ done = 5000; already = 0; failed = 0; skipped = 0 }
            verification = [ordered]@{ clean = $true; residue = @() }
        }
        $json = $answer | ConvertTo-Json -Depth 8 -Compress
        $result = & (Get-Module -Name 'EntraSnapshot') { param($text, $store) ConvertTo-EntraSnapshotRestoreResult -InputObject (ConvertFrom-Json -InputObject $text) -Store $store } $json $TestDrive
        $result.Steps.Count | Should -Be 5000
        $text = ($result | Format-List | Out-String -Width 200) -replace '\x1b\[[0-9;]*m', ''
        $text | Should -Match 'Done\s+: 5000'
        $text | Should -Match "10\. \[Done\] user 'User 10': department: Corrupted By Sync -> Operations"
        $text | Should -Not -Match "User 11'"
        $text | Should -Match '\.\.\. 4990 more: \.Steps has all 5000'
        # What prints is a screenful, not 5,000 lines.
        @($text -split "`n").Count | Should -BeLessThan 40
    }

    It 'collects piped changes into one restore of their objects and types' {
        Mock -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -MockWith {
            New-RestoreAnswer -Planned:([bool]$Parameters.whatIf)
        }
        $changes = @(
            [pscustomobject]@{
                PSTypeName = 'EntraSnapshot.Change'
                Severity   = 'Critical'
                ObjectType = 'conditionalAccessPolicy'
                ObjectId   = $policyId
                Store      = $TestDrive
            }
            [pscustomobject]@{
                PSTypeName = 'EntraSnapshot.Change'
                Severity   = 'High'
                ObjectType = 'group'
                ObjectId   = 'g1'
                Store      = $TestDrive
            }
            [pscustomobject]@{
                PSTypeName = 'EntraSnapshot.Change'
                Severity   = 'High'
                ObjectType = 'group'
                ObjectId   = 'g1'
                Store      = $TestDrive
            }
        )
        $result = $changes | Restore-EntraObject -SnapshotId $good -AccessToken $token -Confirm:$false -WarningAction SilentlyContinue
        @($result).Count | Should -Be 1
        Should -Invoke -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -Times 2 -Exactly -ParameterFilter { $Operation -eq 'snapshot.restore' }
        Should -Invoke -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -Times 2 -Exactly -ParameterFilter {
            $Parameters.store -eq $TestDrive -and
            (@($Parameters.ids) -join ',') -eq "$policyId,g1" -and
            (@($Parameters.types) -join ',') -eq 'conditionalAccessPolicy,group'
        }
    }

    It 'refuses changes from two stores' {
        Mock -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -MockWith {
            New-RestoreAnswer -Planned:([bool]$Parameters.whatIf)
        }
        $changes = @(
            [pscustomobject]@{
                ObjectId = 'p1'
                Store    = (Join-Path -Path $TestDrive -ChildPath 'one')
            }
            [pscustomobject]@{
                ObjectId = 'p2'
                Store    = (Join-Path -Path $TestDrive -ChildPath 'two')
            }
        )
        { $changes | Restore-EntraObject -SnapshotId $good -AccessToken $token -Confirm:$false } | Should -Throw -ErrorId 'EntraSnapshot.InvalidArgument*'
        Should -Invoke -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -Times 0 -Exactly -ParameterFilter { $Operation -eq 'snapshot.restore' }
    }

    It 'writes the result first, then an error per failed step and one for what is left' {
        Mock -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -MockWith {
            New-RestoreAnswer -Planned:([bool]$Parameters.whatIf) -Outcome Failed
        }
        $errors = $null
        $output = @(Restore-EntraObject -Store $TestDrive -SnapshotId $good -AccessToken $token -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
        $output.Count | Should -Be 1
        $output[0].Failed | Should -Be 1
        $output[0].Skipped | Should -Be 1
        $output[0].Clean | Should -BeFalse
        @($output[0].Steps | ForEach-Object { $_.Status }) | Should -Be @('Failed', 'Skipped')
        $output[0].Steps[0].Error | Should -BeLike '*named location does not exist*'
        $output[0].Residue.Count | Should -Be 1

        $errors.Count | Should -Be 2
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'EntraSnapshot.RestoreStepFailed*'
        $errors[0].CategoryInfo.Category | Should -Be 'WriteError'
        $errors[0].TargetObject.ObjectId | Should -Be $policyId
        $errors[0].Exception.Message | Should -BeLike "*CA001 - Require MFA for all users*named location does not exist*"
        $errors[1].FullyQualifiedErrorId | Should -BeLike 'EntraSnapshot.RestoreIncomplete*'
        $errors[1].CategoryInfo.Category | Should -Be 'InvalidResult'
        $errors[1].TargetObject | Should -Be '20260302T000001Z-r3st0r'
        $errors[1].Exception.Message | Should -BeLike "*CA001 - Require MFA for all users*"

        $seen = [System.Collections.Generic.List[object]]::new()
        {
            Restore-EntraObject -Store $TestDrive -SnapshotId $good -AccessToken $token -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue |
                ForEach-Object { $seen.Add($_) }
        } | Should -Throw -ErrorId 'EntraSnapshot.RestoreStepFailed*'
        $seen.Count | Should -Be 1 -Because 'the restore id must survive -ErrorAction Stop'
        $seen[0].RestoreId | Should -Be '20260302T000001Z-r3st0r'
    }

    It 'stops before asking when the break-glass guard refuses the plan' {
        Mock -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -MockWith {
            New-RestoreAnswer -Planned:([bool]$Parameters.whatIf) -Outcome Refused
        }
        $thrown = $null
        try {
            Restore-EntraObject -Store $TestDrive -SnapshotId $good -AccessToken $token -Confirm:$false -WarningAction SilentlyContinue
        }
        catch {
            $thrown = $_
        }
        $thrown | Should -Not -BeNullOrEmpty
        $thrown.FullyQualifiedErrorId | Should -BeLike 'EntraSnapshot.BreakGlassGuard*'
        $thrown.CategoryInfo.Category | Should -Be 'SecurityError'
        $thrown.Exception.Message | Should -BeLike "*would no longer exclude 'Break Glass 1'*"
        Should -Invoke -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -Times 1 -Exactly -ParameterFilter { $Parameters.whatIf -eq $true }
        Should -Invoke -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -Times 1 -Exactly -ParameterFilter { $Operation -eq 'snapshot.restore' }
    }

    It 'passes -OverrideBreakGlass and -DeleteAdded on' {
        Mock -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -MockWith {
            New-RestoreAnswer -Planned:([bool]$Parameters.whatIf)
        }
        $null = Restore-EntraObject -Store $TestDrive -SnapshotId $good -OverrideBreakGlass -DeleteAdded -AccessToken $token -WhatIf -WarningAction SilentlyContinue
        Should -Invoke -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -Times 1 -Exactly -ParameterFilter {
            $Parameters.overrideBreakGlass -eq $true -and $Parameters.deleteAdded -eq $true
        }
    }

    It 'writes nothing when there is nothing to restore' {
        Mock -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -MockWith {
            New-RestoreAnswer -Planned:([bool]$Parameters.whatIf) -Outcome Empty
        }
        $result = Restore-EntraObject -Store $TestDrive -SnapshotId $good -AccessToken $token -Confirm:$false -WarningAction SilentlyContinue
        Should -Invoke -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -Times 1 -Exactly -ParameterFilter { $Operation -eq 'snapshot.restore' }
        $result.PSObject.TypeNames | Should -Contain 'EntraSnapshot.RestoreResult'
        $result.Steps.Count | Should -Be 0
        $result.Done | Should -Be 0
        $result.Clean | Should -BeTrue
    }

    It 'warns when the restore ran a different plan from the one confirmed' {
        Mock -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -MockWith {
            New-RestoreAnswer -Planned:([bool]$Parameters.whatIf) -Outcome Changed
        }
        $warnings = $null
        $result = Restore-EntraObject -Store $TestDrive -SnapshotId $good -AccessToken $token -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue
        $result.Steps.Count | Should -Be 1
        @($warnings | Where-Object { $_.Message -like 'The tenant changed between the confirmation and the restore*' }).Count | Should -Be 1
    }

    It 'reads what ran when the answer nests it under outcome, as entrasnap restore --json prints it' {
        Mock -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -MockWith {
            $answer = New-RestoreAnswer -Planned:([bool]$Parameters.whatIf)
            if (-not $Parameters.whatIf) {
                $answer = [pscustomobject]@{
                    whatIf     = $false
                    snapshot   = $answer.snapshot
                    preRestore = $answer.preRestore
                    plan       = $answer.plan
                    outcome    = [pscustomobject]@{
                        restoreId    = $answer.restoreId
                        outcomes     = $answer.outcomes
                        counts       = $answer.counts
                        verification = $answer.verification
                    }
                }
            }
            $answer
        }
        $result = Restore-EntraObject -Store $TestDrive -SnapshotId $good -AccessToken $token -Confirm:$false -WarningAction SilentlyContinue
        $result.RestoreId | Should -Be '20260302T000001Z-r3st0r'
        $result.Done | Should -Be 2
        $result.Clean | Should -BeTrue
        @($result.Steps | ForEach-Object { $_.Status }) | Should -Be @('Done', 'Done')
    }

    It 'undoes a restore by its id' {
        Mock -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -MockWith {
            New-RestoreAnswer -Planned:([bool]$Parameters.whatIf)
        }
        $result = Restore-EntraObject -Store $TestDrive -Undo '20260302T000001Z-r3st0r' -AccessToken $token -Confirm:$false -WarningAction SilentlyContinue
        $result.PSObject.TypeNames | Should -Contain 'EntraSnapshot.RestoreResult'
        Should -Invoke -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -Times 2 -Exactly -ParameterFilter {
            $Parameters.undo -eq '20260302T000001Z-r3st0r' -and -not $Parameters.ContainsKey('snapshot')
        }
    }
}
