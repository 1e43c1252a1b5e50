function Get-EntraSnapshot {
    <#
    .SYNOPSIS
    Gets the snapshots in a snapshot store.

    .DESCRIPTION
    Get-EntraSnapshot lists the complete snapshots in a store, newest
    first: id, kind, labels, tenant, when it was taken, the object types
    and how many objects of each it holds. A snapshot that is still being
    written, or was cut off, is never listed. A snapshot whose manifest was
    changed after it completed is listed with Intact = $false;
    Test-EntraSnapshot says what is wrong with it. A snapshot that can't be
    read (written by a newer engine, or a damaged manifest) is listed with
    Readable = $false and its Reason, and a warning names it.

    Kind says why a snapshot exists: export (Export-EntraSnapshot, by hand
    or on a schedule), compare-live (the live tenant as
    Compare-EntraSnapshot -To Live read it), undo-point (the tenant just
    before a restore) or import. 'latest' is the newest export: the other
    kinds are listed but never picked by 'latest'.

    The objects it returns carry their store, so they pipe into
    Test-EntraSnapshot and the commands that read snapshots.

    .PARAMETER Store
    The folder of the snapshot store. Defaults to $env:ENTRASNAP_STORE; one
    of them is required. The store must exist.

    .PARAMETER Id
    The snapshots to get: ids (wildcards allowed, like '20261121*'),
    'latest' for the newest export, or 'label:NAME' for a labelled one
    (entrasnap label). All snapshots by default. An id, label or pattern
    that matches no snapshot is an error naming it.

    .EXAMPLE
    Get-EntraSnapshot -Store 'D:\EntraSnapshots'

    SnapshotId              Kind         Labels     TenantId                             CreatedAt           Objects Duration
    ----------              ----         ------     --------                             ---------           ------- --------
    20261122T060000Z-1b2c3d compare-live            72f988bf-86f1-41af-91ab-2d7cd011db47 2026-11-22 06:00:00   18355 00:00:14
    20261121T234700Z-7f3a9c export       known-good 72f988bf-86f1-41af-91ab-2d7cd011db47 2026-11-21 23:47:00   18342 00:02:11

    Lists every snapshot in the store, newest first, with its kind and
    labels.

    .EXAMPLE
    (Get-EntraSnapshot -Store $env:ENTRASNAP_STORE -Id latest).Counts.conditionalAccessPolicy

    How many Conditional Access policies the newest snapshot holds.

    .EXAMPLE
    Get-EntraSnapshot -Store ./snapshots -Id '202611*' | Test-EntraSnapshot -Quiet

    Verifies every snapshot taken in November 2026, one $true or $false each.

    .INPUTS
    System.String

    You can pipe snapshot ids, or objects with SnapshotId and Store
    properties.

    .OUTPUTS
    EntraSnapshot.Snapshot

    .LINK
    Export-EntraSnapshot

    .LINK
    Test-EntraSnapshot

    .LINK
    about_EntraSnapshot
    #>
    [CmdletBinding()]
    [OutputType('EntraSnapshot.Snapshot')]
    param(
        [Parameter(Position = 0, ValueFromPipelineByPropertyName)]
        [string]
        $Store,

        [Parameter(Position = 1, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('SnapshotId')]
        [SupportsWildcards()]
        [ValidateNotNullOrEmpty()]
        [string[]]
        $Id
    )

    process {
        try {
            $storePath = Resolve-EntraSnapshotStore -Store $Store
            $summaries = @(Invoke-EntraSnapshotJob -Operation 'snapshot.list' -Parameters @{ store = $storePath } -TargetObject $storePath)
        }
        catch {
            $PSCmdlet.ThrowTerminatingError($_)
        }

        foreach ($unreadable in @($summaries | Where-Object { $_.readable -eq $false })) {
            Write-Warning "Snapshot $($unreadable.id) in '$storePath' can't be read: $($unreadable.reason)"
        }

        if ($Id.Count -eq 0) {
            $selected = $summaries
        }
        else {
            $selected = [System.Collections.Generic.List[object]]::new()
            foreach ($wanted in $Id) {
                if ($wanted -eq 'latest' -or $wanted -like 'label:*') {
                    # The engine's rules: the newest export, or the labelled one.
                    try {
                        $resolved = Invoke-EntraSnapshotJob -Operation 'snapshot.resolve' -Parameters @{ store = $storePath; snapshot = $wanted } -TargetObject $wanted
                    }
                    catch {
                        $PSCmdlet.WriteError($_)
                        continue
                    }
                    $found = @($summaries | Where-Object { $_.id -eq $resolved.id })
                }
                else {
                    $pattern = [System.Management.Automation.WildcardPattern]::new($wanted, [System.Management.Automation.WildcardOptions]::IgnoreCase)
                    $found = @($summaries | Where-Object { $pattern.IsMatch([string]$_.id) })
                }
                if ($found.Count -eq 0) {
                    $message = "No snapshot in the store '$storePath' matches '$wanted'. Get-EntraSnapshot -Store '$storePath' lists the snapshots it holds."
                    $PSCmdlet.WriteError((New-EntraSnapshotErrorRecord -Message $message -ErrorId 'EntraSnapshot.SnapshotNotFound' -Category ObjectNotFound -TargetObject $wanted -ExceptionType ([System.Management.Automation.ItemNotFoundException])))
                }
                foreach ($summary in $found) {
                    if (-not ($selected | Where-Object { $_.id -eq $summary.id })) {
                        $selected.Add($summary)
                    }
                }
            }
        }

        foreach ($summary in $selected) {
            ConvertTo-EntraSnapshotSnapshot -InputObject $summary -Store $storePath
        }
    }
}
