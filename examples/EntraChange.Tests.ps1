<#
.SYNOPSIS
A Pester-guarded change procedure: snapshot before, make the change, and prove afterwards that nothing critical appeared and only what was meant to change did.

.DESCRIPTION
Run it with the change as a script block, for example from a change
ticket's pipeline:

    $container = New-PesterContainer -Path ./EntraChange.Tests.ps1 -Data @{
        Store  = 'D:\EntraSnapshots'
        Change = { Update-MgGroup -GroupId $groupId -Description 'Finance approvers (CHG0042)' }
        Expect = @('group')
    }
    Invoke-Pester -Container $container -Output Detailed

The snapshot taken before the change is the undo point: when a test
fails, Restore-EntraObject -SnapshotId <that id> brings the tenant back
(the failure message names the id). Sign-in comes from the session
($env:ENTRASNAP_TOKEN, $env:ENTRASNAP_GRAPH_URL, a Connect-MgGraph
session, or a managed identity with -Data @{ ManagedIdentity = $true }).
Works under Pester 5 on PowerShell 7.x and Windows PowerShell 5.1.
#>
param(
    # The snapshot store folder.
    [Parameter(Mandatory)]
    [string]
    $Store,

    # The change itself.
    [Parameter(Mandatory)]
    [scriptblock]
    $Change,

    # The object types the change is meant to touch; a change to any other
    # type fails the procedure.
    [string[]]
    $Expect = @(),

    # Sign in with the managed identity (Azure Automation, Azure VMs).
    [switch]
    $ManagedIdentity
)

BeforeAll {
    Import-Module -Name 'EntraSnapshot' -ErrorAction Stop
    $signIn = @{}
    if ($ManagedIdentity) {
        $signIn.ManagedIdentity = $true
    }
    # Fail early, before the change, when the last backup can't be trusted.
    if ((Test-Path -LiteralPath $Store) -and -not (Test-EntraSnapshot -Store $Store -Id latest -Quiet)) {
        throw "The newest snapshot in '$Store' is damaged: take a new one before changing anything."
    }
    $before = Export-EntraSnapshot -Store $Store @signIn
    & $Change
    $changes = @(Compare-EntraSnapshot -Store $Store -From $before.SnapshotId -To Live @signIn)
    $undo = "Undo with: Restore-EntraObject -Store '$Store' -SnapshotId $($before.SnapshotId)"
}

Describe 'Entra change procedure' {
    It 'took a snapshot before the change' {
        $before.SnapshotId | Should -Not -BeNullOrEmpty
        $before.Objects | Should -BeGreaterThan 0
    }

    It 'made a change' {
        $changes.Count | Should -BeGreaterThan 0 -Because "the change script ran but the tenant reads the same as snapshot $($before.SnapshotId)"
    }

    It 'brought nothing critical' {
        $critical = @($changes | Where-Object { $_.Severity -eq 'Critical' } | ForEach-Object { "$($_.ObjectType) '$($_.ObjectName)': $($_.Reason)" })
        $critical | Should -BeNullOrEmpty -Because $undo
    }

    It 'changed only the expected object types' {
        $unexpected = @($changes | Where-Object { $Expect -notcontains $_.ObjectType } | ForEach-Object { "$($_.ObjectType) '$($_.ObjectName)': $($_.Reason)" })
        $unexpected | Should -BeNullOrEmpty -Because $undo
    }
}
