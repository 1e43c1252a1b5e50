function Restore-EntraObject {
    <#
    .SYNOPSIS
    Restores objects, or single attributes of them, in the tenant to how a snapshot has them, in dependency order.

    .DESCRIPTION
    Restore-EntraObject brings the live tenant back to a known-good
    snapshot: all of it, some object types (-Type), some objects (-Id, or
    changes piped from Compare-EntraSnapshot), or only some attributes of
    them (-Attribute). The engine plans the Graph writes first: what an
    object references (a named location, an authentication strength, a
    group) is restored before what references it; a deleted object comes
    back from the recycle bin with its id, or is created again when it is
    gone for good. Then it writes, and compares again to verify.

    Before anything is written, a snapshot of the tenant as it is (the
    pre-restore snapshot) is taken into the store and the restore is
    journaled, so -Undo <RestoreId> puts everything back the way it was
    before the restore.

    The break-glass guard refuses a plan that would put an emergency
    access account (given with -BreakGlass, or inferred: excluded from
    every enabled Conditional Access policy) inside a blocking, MFA or
    compliance policy that excludes it today. -OverrideBreakGlass writes
    anyway. -ReportOnly lands the Conditional Access policies it writes in
    report-only mode, to check their effect before enforcing them.

    The command asks for confirmation (ConfirmImpact High) once per
    object, naming it and what would change ([A] Yes to All answers the
    rest); -Confirm:$false skips the questions, for runbooks. Only the
    objects confirmed are restored. It first plans without writing (this
    stores nothing), asks, then runs the restore, which plans again
    against the tenant as it is then (a warning says when that plan
    differs from the one confirmed). -WhatIf writes nothing, lists each
    object it would restore and returns the plan's steps as
    EntraSnapshot.RestoreStep objects. 'latest' and labels are resolved
    to one snapshot id once, before the plan, so the preview and the
    restore go back to the same snapshot.

    A filter that matches nothing (an -Id not in the snapshot, a
    misspelled -Attribute) is an error, not an empty restore.

    Objects piped in are collected, and the restore runs once, when the
    pipeline ends. It returns an EntraSnapshot.RestoreResult: the restore
    id, the counts of steps done, already so, failed and skipped, whether
    the verification found the tenant clean, the steps with their
    outcomes, and the notes (what it could not do, like secrets that can't
    be brought back). Each failed step is also a non-terminating error
    (EntraSnapshot.RestoreStepFailed) with the step as target, and a
    verification that still finds differences is an
    EntraSnapshot.RestoreIncomplete error naming them.

    .PARAMETER Store
    The folder of the snapshot store. Defaults to $env:ENTRASNAP_STORE; one
    of them is required. The store must exist. Changes piped from
    Compare-EntraSnapshot bring their store.

    .PARAMETER SnapshotId
    The snapshot to restore to: its id or 'latest'. Snapshots piped from
    Get-EntraSnapshot bind here.

    .PARAMETER Type
    Restore only these object types (Graph entity names). Changes piped
    from Compare-EntraSnapshot bind their ObjectType here. All types by
    default.

    .PARAMETER Id
    Restore only these objects, by their id in the snapshot. Changes piped
    from Compare-EntraSnapshot bind their ObjectId here. All objects by
    default.

    .PARAMETER Attribute
    Restore only these attributes: property names (state), dot paths into
    them (conditions.users.excludeGroups) or links (members, owners,
    manager). Objects are then only changed, never created or brought
    back. Every attribute and link by default.

    .PARAMETER BreakGlass
    The emergency access (break-glass) accounts or groups to protect, by
    id or user principal name, in addition to the ones the engine infers.

    .PARAMETER OverrideBreakGlass
    Write even when the break-glass guard refuses the plan. Think twice.

    .PARAMETER ReportOnly
    Conditional Access policies the restore writes land in report-only
    mode (enabledForReportingButNotEnforced) instead of enabled.

    .PARAMETER DeleteAdded
    Also delete objects created after the snapshot (within -Type and -Id).
    Off by default: a restore brings back, it does not remove.

    .PARAMETER Undo
    Undo an earlier restore, by its RestoreId: the objects it wrote go back
    to its pre-restore snapshot.

    .PARAMETER ChangedBy
    Undo exactly what this actor changed since -Since, as the directory
    audit log tells it: a user principal name, an app id, an object id or a
    display name. The attributes, members and objects that actor changed go
    back to the snapshot taken before (-SnapshotId, default the newest
    export completed before -Since); every other change stays, other
    admins' on the same objects included. Refused, naming the gap, when the
    audit log does not cover the span (past its retention, no
    AuditLog.Read.All), and naming the other actor when someone else
    changed the same attribute (see -OnConflict).

    .PARAMETER Since
    With -ChangedBy: from when the actor's changes are undone.

    .PARAMETER OnConflict
    With -ChangedBy, when another actor changed an attribute the actor also
    changed: Refuse (the default), KeepTheirs (leave it as they set it) or
    Revert (put the snapshot's value back anyway).

    .PARAMETER GraphUrl
    The Microsoft Graph base URL. Defaults to $env:ENTRASNAP_GRAPH_URL, else
    https://graph.microsoft.com. Point it at entrasnap-sim for drills.

    .PARAMETER ManagedIdentity
    Sign in with the managed identity of the Azure Automation account, VM
    or App Service this runs on.

    .PARAMETER IdentityClientId
    The client id of a user-assigned managed identity; implies
    -ManagedIdentity.

    .PARAMETER AccessToken
    A Microsoft Graph access token, as a SecureString. It needs the read
    permissions of Export-EntraSnapshot and the write permissions of what
    is restored (Policy.ReadWrite.ConditionalAccess for Conditional Access
    policies, User.ReadWrite.All, Group.ReadWrite.All, ...); the command
    fails with EntraSnapshot.PermissionDenied naming what is missing before
    writing anything.

    .PARAMETER SigningKeyFile
    An Ed25519 private key (PEM, from `entrasnap keygen` or OpenSSL) that
    signs the snapshots this command stores, so Test-EntraSnapshot
    -VerifyKeyFile can tell a forged one. Defaults to
    $env:ENTRASNAP_SIGNING_KEY_FILE. The file is read by the engine only.

    .PARAMETER VerifyKeyFile
    Ed25519 public keys (PEM). Every snapshot this command reads must carry
    a signature by one of them; a snapshot that does not is refused before
    anything is written. Defaults to $env:ENTRASNAP_VERIFY_KEY_FILE (comma
    separated).

    .PARAMETER IdentityFile
    The age identity file that reads an encrypted store (see
    Export-EntraSnapshot -Recipient). Defaults to $env:ENTRASNAP_IDENTITY_FILE.
    The file is read by the engine only.

    .EXAMPLE
    Restore-EntraObject -Store 'D:\EntraSnapshots' -ChangedBy 'mallory@contoso.onmicrosoft.com' -Since '2026-12-01T14:00:00Z' -WhatIf

    Shows what undoing everything the compromised account changed since
    14:00 UTC would write, from the audit log and the snapshot taken before
    it; nothing is written. Without -WhatIf each object is confirmed, and
    the changes other admins made since stay as they are.

    .EXAMPLE
    # Incident: the MFA-for-all policy was saved as disabled this morning.
    $good = Get-EntraSnapshot -Store 'D:\EntraSnapshots' -Id latest
    $good | Compare-EntraSnapshot -To Live -SeverityMinimum Critical

    Severity Type                    Name                              Reason
    -------- ----                    ----                              ------
    Critical conditionalAccessPolicy CA001 - Require MFA for all users Conditional Access policy 'CA001 - Require MFA for all users' was disabled: ...

    $good | Compare-EntraSnapshot -To Live -SeverityMinimum Critical | Restore-EntraObject -Attribute state

    Confirm
    Are you sure you want to perform this action?
    Performing the operation "Restore back to snapshot 20261121T234700Z-7f3a9c: state: disabled -> enabled" on target "conditionalAccessPolicy 'CA001 - Require MFA for all users' (5a1e2c7b-...) in the tenant at https://graph.microsoft.com".
    [Y] Yes  [A] Yes to All  [N] No  [L] No to All  [S] Suspend  [?] Help (default is "Y"):

    Finds the critical change against the live tenant, then restores only
    the state of that one policy, after confirmation. Each change brings
    its snapshot (FromSnapshotId), its object and its store, so the
    restore needs no other parameter.

    .EXAMPLE
    # An HR sync overwrote the department of every user; put back only that attribute.
    Restore-EntraObject -Store 'D:\EntraSnapshots' -SnapshotId 20261121T234700Z-7f3a9c -Type user -Attribute department -WhatIf

    Seq Status Kind   Type Name       Summary
    --- ------ ----   ---- ----       -------
      1        Update user Adele Vance department: Retail Sales -> Retail
      2        Update user Alex Wilber department: Marketing Ops -> Marketing

    Restore-EntraObject -Store 'D:\EntraSnapshots' -SnapshotId 20261121T234700Z-7f3a9c -Type user -Attribute department -Confirm:$false

    Shows the plan first, then restores the department of every user whose
    department changed, and nothing else.

    .EXAMPLE
    $result = Restore-EntraObject -Store 'D:\EntraSnapshots' -SnapshotId latest -Type conditionalAccessPolicy -ReportOnly -Confirm:$false
    $result

    RestoreId            : 20261122T081500Z-4d2e1f
    SnapshotId           : 20261121T234700Z-7f3a9c
    ...
    Clean                : True

    Restore-EntraObject -Store 'D:\EntraSnapshots' -Undo $result.RestoreId -Confirm:$false

    Restores every Conditional Access policy in report-only mode, then
    (say the helpdesk's phone rings) undoes that restore: the policies go
    back to how they were just before it.

    .EXAMPLE
    # A runbook: no prompt, stop on any failure, keep the restore id for the change record.
    $result = Restore-EntraObject -Store $env:ENTRASNAP_STORE -SnapshotId $knownGood -Id $policyId -ManagedIdentity -BreakGlass 'breakglass.admin1@contoso.onmicrosoft.com' -Confirm:$false -ErrorAction Stop
    Write-Output "Restore $($result.RestoreId): $($result.Done) written, $($result.Already) already so"

    The result is written before any step error, so with -ErrorAction Stop
    the restore id is still known when a step fails.

    .INPUTS
    EntraSnapshot.Change

    You can pipe changes from Compare-EntraSnapshot (their ObjectId,
    ObjectType and Store bind), or snapshots from Get-EntraSnapshot (their
    SnapshotId and Store bind).

    .OUTPUTS
    EntraSnapshot.RestoreResult

    EntraSnapshot.RestoreStep with -WhatIf.

    .LINK
    Compare-EntraSnapshot

    .LINK
    Export-EntraSnapshot

    .LINK
    about_EntraSnapshot
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High', DefaultParameterSetName = 'Restore')]
    [OutputType('EntraSnapshot.RestoreResult')]
    [OutputType('EntraSnapshot.RestoreStep')]
    param(
        [Parameter(Position = 0, ValueFromPipelineByPropertyName)]
        [string]
        $Store,

        [ValidateNotNullOrEmpty()]
        [string]
        $IdentityFile,

        [ValidateNotNullOrEmpty()]
        [string]
        $SigningKeyFile,

        [ValidateNotNullOrEmpty()]
        [string[]]
        $VerifyKeyFile,

        [Parameter(Mandatory, Position = 1, ParameterSetName = 'Restore', ValueFromPipelineByPropertyName)]
        [Parameter(ParameterSetName = 'ChangedBy')]
        [Alias('FromSnapshotId')]
        [ValidateNotNullOrEmpty()]
        [string]
        $SnapshotId,

        [Parameter(ParameterSetName = 'Restore', ValueFromPipelineByPropertyName)]
        [Alias('ObjectType')]
        [ValidateSet(
            'user',
            'group',
            'application',
            'servicePrincipal',
            'administrativeUnit',
            'roleDefinition',
            'roleAssignment',
            'oAuth2PermissionGrant',
            'conditionalAccessPolicy',
            'namedLocation',
            'authenticationStrengthPolicy',
            'authenticationContextClassReference',
            'authenticationMethodsPolicy',
            'authenticationMethodConfiguration',
            'authorizationPolicy',
            'crossTenantAccessPolicy',
            'organization'
        )]
        [string[]]
        $Type,

        [Parameter(ParameterSetName = 'Restore', ValueFromPipelineByPropertyName)]
        [Alias('ObjectId')]
        [ValidateNotNullOrEmpty()]
        [string[]]
        $Id,

        [Parameter(ParameterSetName = 'Restore')]
        [ValidateNotNullOrEmpty()]
        [string[]]
        $Attribute,

        [ValidateNotNullOrEmpty()]
        [string[]]
        $BreakGlass,

        [switch]
        $OverrideBreakGlass,

        [switch]
        $ReportOnly,

        [Parameter(ParameterSetName = 'Restore')]
        [switch]
        $DeleteAdded,

        [Parameter(Mandatory, ParameterSetName = 'Undo')]
        [ValidateNotNullOrEmpty()]
        [string]
        $Undo,

        [Parameter(Mandatory, ParameterSetName = 'ChangedBy')]
        [ValidateNotNullOrEmpty()]
        [string]
        $ChangedBy,

        [Parameter(Mandatory, ParameterSetName = 'ChangedBy')]
        [datetime]
        $Since,

        [Parameter(ParameterSetName = 'ChangedBy')]
        [ValidateSet('Refuse', 'KeepTheirs', 'Revert')]
        [string]
        $OnConflict = 'Refuse',

        [ValidateNotNullOrEmpty()]
        [string]
        $GraphUrl,

        [switch]
        $ManagedIdentity,

        [ValidateNotNullOrEmpty()]
        [string]
        $IdentityClientId,

        [securestring]
        $AccessToken
    )

    begin {
        # Piped objects are collected here; the restore runs once, in end.
        $stores = [System.Collections.Generic.List[string]]::new()
        $snapshotIds = [System.Collections.Generic.List[string]]::new()
        $types = [System.Collections.Generic.List[string]]::new()
        $ids = [System.Collections.Generic.List[string]]::new()
    }

    process {
        if (-not [string]::IsNullOrWhiteSpace($Store) -and $stores -notcontains $Store) {
            $stores.Add($Store)
        }
        if ($PSCmdlet.ParameterSetName -eq 'Restore') {
            if ($snapshotIds -notcontains $SnapshotId) {
                $snapshotIds.Add($SnapshotId)
            }
            foreach ($value in $Type) {
                if ($types -notcontains $value) {
                    $types.Add($value)
                }
            }
            foreach ($value in $Id) {
                if ($ids -notcontains $value) {
                    $ids.Add($value)
                }
            }
        }
    }

    end {
        if ($stores.Count -gt 1) {
            $message = "The objects piped in come from more than one store ($($stores -join ', ')); a restore reads one store."
            $PSCmdlet.ThrowTerminatingError((New-EntraSnapshotErrorRecord -Message $message -ErrorId 'EntraSnapshot.InvalidArgument' -Category InvalidArgument -TargetObject $stores[1] -ExceptionType ([System.ArgumentException])))
        }
        if ($snapshotIds.Count -gt 1) {
            $message = "A restore goes back to one snapshot, but $($snapshotIds.Count) were given: $($snapshotIds -join ', ')."
            $PSCmdlet.ThrowTerminatingError((New-EntraSnapshotErrorRecord -Message $message -ErrorId 'EntraSnapshot.InvalidArgument' -Category InvalidArgument -TargetObject $snapshotIds[1] -ExceptionType ([System.ArgumentException])))
        }
        try {
            $null = Assert-EntraSnapshotSignIn -ManagedIdentity:$ManagedIdentity -IdentityClientId $IdentityClientId -AccessToken $AccessToken -Operation 'snapshot.restore'
        }
        catch {
            $PSCmdlet.ThrowTerminatingError($_)
        }
        $storeGiven = $null
        if ($stores.Count -eq 1) {
            $storeGiven = $stores[0]
        }
        try {
            $storePath = Resolve-EntraSnapshotStore -Store $storeGiven
        }
        catch {
            $PSCmdlet.ThrowTerminatingError($_)
        }

        $parameters = @{
            store = $storePath
        }
        Add-EntraSnapshotKeyFile -Parameters $parameters -SigningKeyFile $SigningKeyFile -VerifyKeyFile $VerifyKeyFile -IdentityFile $IdentityFile
        if ($PSCmdlet.ParameterSetName -eq 'Undo') {
            $parameters.undo = $Undo
            $target = $Undo
            $purpose = "undoing restore $Undo"
        }
        elseif ($PSCmdlet.ParameterSetName -eq 'ChangedBy') {
            $sinceText = $Since.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ', [System.Globalization.CultureInfo]::InvariantCulture)
            $parameters.changedBy = $ChangedBy
            $parameters.since = $sinceText
            $parameters.onConflict = @{ Refuse = 'refuse'; KeepTheirs = 'keep-theirs'; Revert = 'revert' }[$OnConflict]
            if (-not [string]::IsNullOrWhiteSpace($SnapshotId)) {
                $parameters.snapshot = $SnapshotId
            }
            $target = $ChangedBy
            $purpose = "undoing what $ChangedBy changed since $sinceText"
        }
        else {
            $parameters.snapshot = $snapshotIds[0]
            $target = $snapshotIds[0]
            $purpose = "back to snapshot $($snapshotIds[0])"
            if ($types.Count -gt 0) {
                $parameters.types = [string[]]$types.ToArray()
            }
            if ($ids.Count -gt 0) {
                $parameters.ids = [string[]]$ids.ToArray()
            }
            if ($Attribute.Count -gt 0) {
                $parameters.attributes = Get-EntraSnapshotUniqueName -Name $Attribute
            }
            if ($DeleteAdded) {
                $parameters.deleteAdded = $true
            }
        }
        if ($ReportOnly) {
            $parameters.reportOnly = $true
        }
        if ($BreakGlass.Count -gt 0) {
            $parameters.breakGlass = Get-EntraSnapshotUniqueName -Name $BreakGlass
        }
        if ($OverrideBreakGlass) {
            $parameters.overrideBreakGlass = $true
        }
        $signIn = @{
            GraphUrl         = $GraphUrl
            ManagedIdentity  = $ManagedIdentity
            IdentityClientId = $IdentityClientId
            AccessToken      = $AccessToken
        }
        $tenant = $GraphUrl
        if ([string]::IsNullOrWhiteSpace($tenant)) {
            $tenant = $env:ENTRASNAP_GRAPH_URL
        }
        if ([string]::IsNullOrWhiteSpace($tenant)) {
            $tenant = 'https://graph.microsoft.com'
        }
        $tenant = "the tenant at $tenant"

        # 'latest' or a label is resolved once, here: the preview stores
        # nothing, but an export between the preview and the run must not
        # move the restore to another snapshot.
        if ($PSCmdlet.ParameterSetName -eq 'Restore') {
            try {
                $resolved = Invoke-EntraSnapshotJob -Operation 'snapshot.resolve' -Parameters @{ store = $storePath; snapshot = $parameters.snapshot } -TargetObject $target
            }
            catch {
                $PSCmdlet.ThrowTerminatingError($_)
            }
            if ([string]$resolved.id -ne $parameters.snapshot) {
                Write-Verbose "Snapshot '$($parameters.snapshot)' is $($resolved.id)."
            }
            $parameters.snapshot = [string]$resolved.id
            $target = $parameters.snapshot
            $purpose = "back to snapshot $($parameters.snapshot)"
        }

        # The steps, outcomes and residue come as pages of 500: no string
        # the module parses grows with the restore (5,000 steps were 2.4 MB).
        $parameters.pageSize = 500
        $newPageSets = { @{ steps = [System.Collections.Generic.List[object]]::new(); outcomes = [System.Collections.Generic.List[object]]::new(); residue = [System.Collections.Generic.List[object]]::new() } }

        # The plan, without writing: what -WhatIf shows and -Confirm asks about.
        $preview = $parameters.Clone()
        $preview.whatIf = $true
        $pageSets = & $newPageSets
        try {
            $planned = Invoke-EntraSnapshotGraphJob -Operation 'snapshot.restore' -Parameters $preview -TargetObject $target -Pages $pageSets @signIn
        }
        catch {
            $PSCmdlet.ThrowTerminatingError($_)
        }
        if ($PSCmdlet.ParameterSetName -eq 'ChangedBy') {
            # The preview chose the snapshot from before the actor: the run uses the same one.
            $parameters.snapshot = [string]$planned.snapshot
            foreach ($line in @($planned.actor.undone)) {
                Write-Verbose "From the audit log, undoing: $line"
            }
            foreach ($line in @($planned.actor.kept | Where-Object { $null -ne $_ })) {
                Write-Warning "Left as it is: $line"
            }
        }
        $plan = ConvertTo-EntraSnapshotRestoreResult -InputObject $planned -Store $storePath -SnapshotId $parameters.snapshot -Pages $pageSets
        $pageSets = $null
        $steps = @($plan.Steps)
        if ($plan.Permissions.Count -gt 0) {
            Write-Verbose "The restore needs these Graph permissions: $($plan.Permissions -join ', ')."
        }
        foreach ($note in $plan.Notes) {
            Write-Warning "$($note.ObjectType) '$($note.ObjectName)' ($($note.ObjectId)): $($note.Message)"
        }
        if ($plan.Refused) {
            $message = "The break-glass guard refused the restore ($purpose); nothing was written. $($plan.Findings -join ' ') Protect the right accounts with -BreakGlass, narrow the restore with -Type, -Id or -Attribute, or, knowing the risk, use -OverrideBreakGlass."
            $refusal = New-EntraSnapshotErrorRecord -Message $message -ErrorId 'EntraSnapshot.BreakGlassGuard' -Category SecurityError -TargetObject $target
            if ($WhatIfPreference) {
                $PSCmdlet.WriteError($refusal)
            }
            else {
                $PSCmdlet.ThrowTerminatingError($refusal)
            }
        }
        if ($steps.Count -eq 0) {
            Write-Verbose "Nothing to restore ($purpose): $tenant already matches."
            if (-not $WhatIfPreference) {
                # Nothing ran: the answer is the plan's, but it is no what-if.
                $plan.WhatIf = $false
                $plan
            }
            return
        }

        # One question per object, as Remove-Item asks per item: -WhatIf
        # lists them, -Confirm asks for each ([A] answers the rest), and only
        # the objects confirmed are restored.
        $objects = [System.Collections.Generic.List[object]]::new()
        $byObject = @{}
        foreach ($step in $steps) {
            $key = "$($step.ObjectType)/$($step.ObjectId)"
            if (-not $byObject.ContainsKey($key)) {
                $byObject[$key] = [System.Collections.Generic.List[object]]::new()
                $objects.Add($step)
            }
            $byObject[$key].Add($step)
        }
        $confirmedIds = [System.Collections.Generic.List[string]]::new()
        foreach ($first in $objects) {
            $objectSteps = $byObject["$($first.ObjectType)/$($first.ObjectId)"]
            $summaries = @($objectSteps | Select-Object -First 5 | ForEach-Object { $_.Summary })
            if ($objectSteps.Count -gt 5) {
                $summaries += "and $($objectSteps.Count - 5) more"
            }
            $objectTarget = "$($first.ObjectType) '$($first.ObjectName)' ($($first.ObjectId)) in $tenant"
            if ($PSCmdlet.ShouldProcess($objectTarget, "Restore $purpose`: $($summaries -join '; ')")) {
                $confirmedIds.Add($first.ObjectId)
            }
        }
        if ($WhatIfPreference) {
            $steps
            return
        }
        if ($confirmedIds.Count -eq 0) {
            Write-Verbose "No object was confirmed: nothing was restored ($purpose)."
            return
        }
        if ($confirmedIds.Count -lt $objects.Count) {
            if ($PSCmdlet.ParameterSetName -eq 'Undo') {
                Write-Warning "An undo puts back everything restore $Undo wrote, or nothing: $($objects.Count - $confirmedIds.Count) of $($objects.Count) objects were declined, so nothing was written."
                return
            }
            if ($PSCmdlet.ParameterSetName -eq 'ChangedBy') {
                Write-Warning "Undoing what $ChangedBy changed goes for all of it or nothing: $($objects.Count - $confirmedIds.Count) of $($objects.Count) objects were declined, so nothing was written."
                return
            }
            # Some were declined: restore exactly the confirmed ones.
            $parameters.ids = [string[]]$confirmedIds.ToArray()
            $kept = [System.Collections.Generic.HashSet[string]]::new([string[]]$confirmedIds.ToArray(), [System.StringComparer]::OrdinalIgnoreCase)
            $steps = @($steps | Where-Object { $kept.Contains($_.ObjectId) })
        }

        # The restore plans again against the tenant as it is now: what was
        # confirmed is kept as text to check the run against, and the
        # preview's objects are let go before the engine reads the tenant
        # again (Azure Automation stops a job at 400 MB; a preview of 5,000
        # steps is tens of MB of objects).
        $confirmed = @($steps | ForEach-Object { "$($_.Kind) $($_.ObjectType)/$($_.ObjectId): $($_.Summary)" }) -join "`n"
        $confirmedCount = $steps.Count
        $planned = $null
        $plan = $null
        $steps = $null
        $objects = $null
        $byObject = $null
        [System.GC]::Collect()

        $pageSets = & $newPageSets
        try {
            $outcome = Invoke-EntraSnapshotGraphJob -Operation 'snapshot.restore' -Parameters $parameters -TargetObject $target -Pages $pageSets @signIn
        }
        catch {
            $PSCmdlet.ThrowTerminatingError($_)
        }
        $result = ConvertTo-EntraSnapshotRestoreResult -InputObject $outcome -Store $storePath -SnapshotId $parameters.snapshot -Pages $pageSets
        $outcome = $null
        $pageSets = $null

        $ran = @($result.Steps | ForEach-Object { "$($_.Kind) $($_.ObjectType)/$($_.ObjectId): $($_.Summary)" }) -join "`n"
        if ($ran -ne $confirmed) {
            Write-Warning "The tenant changed between the confirmation and the restore: $($result.Steps.Count) step(s) ran instead of the $confirmedCount confirmed. The result's Steps list what ran."
        }
        if ($result.Overridden) {
            Write-Warning "The break-glass guard was overridden: $($result.Findings -join ' ')"
        }
        if (-not [string]::IsNullOrEmpty($result.RestoreId)) {
            Write-Verbose "Restore $($result.RestoreId): to undo it, Restore-EntraObject -Store '$storePath' -Undo $($result.RestoreId)."
        }

        # The result first: with -ErrorAction Stop the restore id must not be lost to the first error.
        $result

        foreach ($step in @($result.Steps | Where-Object { $_.Status -eq 'Failed' })) {
            $message = "Step $($step.Seq) failed on $($step.ObjectType) '$($step.ObjectName)' ($($step.ObjectId)), $($step.Summary): $($step.Error)"
            $PSCmdlet.WriteError((New-EntraSnapshotErrorRecord -Message $message -ErrorId 'EntraSnapshot.RestoreStepFailed' -Category WriteError -TargetObject $step))
        }
        if ($result.Clean -eq $false) {
            $residue = @($result.Residue | ForEach-Object { "$($_.ObjectType) '$($_.ObjectName)' ($($_.ObjectId)): $($_.Summary)" })
            $message = "After restore $($result.RestoreId), $($residue.Count) difference(s) from snapshot $($result.SnapshotId) remain: $($residue -join '; ')"
            $PSCmdlet.WriteError((New-EntraSnapshotErrorRecord -Message $message -ErrorId 'EntraSnapshot.RestoreIncomplete' -Category InvalidResult -TargetObject $result.RestoreId))
        }
    }
}
