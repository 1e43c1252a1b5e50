function ConvertTo-EntraSnapshotRestoreResult {
    <#
    .SYNOPSIS
    Turns a snapshot.restore result into an EntraSnapshot.RestoreResult object.

    .DESCRIPTION
    The result carries the restore's id (null for a what-if run), the
    snapshot restored to, the pre-restore snapshot taken before writing,
    the plan (steps, notes, break-glass guard, permissions), each step's
    outcome, the counts and the verification (a compare after writing:
    clean, or the steps still left). Steps carry their outcome; the
    residue is what still differs, as steps.

    Clean is the verification's verdict; for a plan that was not run it is
    $true when there is nothing to write and $null otherwise (unknown).

    An answer asked for with pageSize has its steps, outcomes and residue
    in Pages (the page events' lists, by name) and their lengths in paged.
    #>
    [CmdletBinding()]
    [OutputType('EntraSnapshot.RestoreResult')]
    param(
        [Parameter(Mandatory)]
        [object]
        $InputObject,

        [Parameter(Mandatory)]
        [string]
        $Store,

        [AllowNull()]
        [AllowEmptyString()]
        [string]
        $SnapshotId,

        [AllowNull()]
        [hashtable]
        $Pages
    )

    $plan = $InputObject.plan
    # What the run did is at the top level of the answer; entrasnap restore
    # --json nests it under "outcome", which is read the same way.
    $ran = $InputObject
    if ($null -ne $InputObject.outcome) {
        $ran = $InputObject.outcome
    }
    $restoreId = $InputObject.restoreId
    if ($null -eq $restoreId) {
        $restoreId = $ran.restoreId
    }
    $planSteps = $null
    $ranOutcomes = $ran.outcomes
    $residueSteps = $null
    if ($null -ne $ran.verification) {
        $residueSteps = $ran.verification.residue
    }
    if ($null -ne $plan) {
        $planSteps = $plan.steps
    }
    if ($null -ne $InputObject.paged) {
        # The lists came as page events: each must be whole.
        foreach ($property in $InputObject.paged.PSObject.Properties) {
            $received = 0
            if ($null -ne $Pages -and $Pages.ContainsKey($property.Name)) {
                $received = $Pages[$property.Name].Count
            }
            if ($received -ne [int]$property.Value) {
                throw "EntraSnapshot: the engine announced $($property.Value) $($property.Name) of the restore but $received came."
            }
        }
        $planSteps = $Pages['steps']
        $ranOutcomes = $Pages['outcomes']
        $residueSteps = $Pages['residue']
    }
    $outcomes = @{}
    foreach ($outcome in @($ranOutcomes | Where-Object { $null -ne $_ })) {
        $outcomes[[int]$outcome.seq] = $outcome
    }
    $steps = @(
        foreach ($step in @($planSteps | Where-Object { $null -ne $_ })) {
            ConvertTo-EntraSnapshotRestoreStep -InputObject $step -Outcome $outcomes[[int]$step.seq]
        }
    )
    $notes = @(
        foreach ($note in @($plan.notes | Where-Object { $null -ne $_ })) {
            [pscustomobject]@{
                PSTypeName = 'EntraSnapshot.RestoreNote'
                ObjectType = [string]$note.objectType
                ObjectName = [string]$note.objectName
                ObjectId   = [string]$note.objectId
                Message    = [string]$note.message
            }
        }
    )

    $verification = $ran.verification
    $residue = @()
    if ($null -ne $verification) {
        $residue = @(
            foreach ($step in @($residueSteps | Where-Object { $null -ne $_ })) {
                ConvertTo-EntraSnapshotRestoreStep -InputObject $step
            }
        )
        $clean = [bool]$verification.clean
    }
    elseif ($steps.Count -eq 0) {
        $clean = $true
    }
    else {
        $clean = $null
    }

    $counts = $ran.counts
    $done = 0
    $already = 0
    $failed = 0
    $skipped = 0
    if ($null -ne $counts) {
        $done = [int]$counts.done
        $already = [int]$counts.already
        $failed = [int]$counts.failed
        $skipped = [int]$counts.skipped
    }

    $guard = $null
    if ($null -ne $plan) {
        $guard = $plan.guard
    }
    $breakGlass = @()
    $findings = [string[]]@()
    $refused = $false
    $overridden = $false
    if ($null -ne $guard) {
        $breakGlass = @($guard.breakGlass | Where-Object { $null -ne $_ })
        $findings = [string[]]@($guard.findings | Where-Object { $null -ne $_ })
        $refused = [bool]$guard.refused
        $overridden = [bool]$guard.overridden
    }
    $permissions = [string[]]@()
    if ($null -ne $plan) {
        $permissions = [string[]]@($plan.permissions | Where-Object { $null -ne $_ })
    }

    $restoredTo = [string]$InputObject.snapshot
    if ([string]::IsNullOrEmpty($restoredTo)) {
        $restoredTo = $SnapshotId
    }

    [pscustomobject]@{
        PSTypeName           = 'EntraSnapshot.RestoreResult'
        RestoreId            = $restoreId
        SnapshotId           = $restoredTo
        PreRestoreSnapshotId = $InputObject.preRestore
        WhatIf               = [bool]$InputObject.whatIf
        Done                 = $done
        Already              = $already
        Failed               = $failed
        Skipped              = $skipped
        Clean                = $clean
        Steps                = $steps
        Notes                = $notes
        Residue              = $residue
        BreakGlass           = $breakGlass
        Findings             = $findings
        Refused              = $refused
        Overridden           = $overridden
        Permissions          = $permissions
        Store                = $Store
    }
}
