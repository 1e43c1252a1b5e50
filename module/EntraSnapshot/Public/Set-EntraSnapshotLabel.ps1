function Set-EntraSnapshotLabel {
    <#
    .SYNOPSIS
    Names a snapshot with a label, such as known-good or before-change-1234.

    .DESCRIPTION
    Set-EntraSnapshotLabel gives a snapshot a label. A label is usable
    wherever a snapshot id is, as 'label:NAME' (Compare-EntraSnapshot -From
    label:known-good, Restore-EntraObject -SnapshotId label:known-good,
    Get-EntraSnapshot -Id label:known-good), and a labelled snapshot is
    kept by entrasnap prune whatever the retention. A label names one
    snapshot: setting it again moves it. Labels live beside the snapshots,
    in the store; the snapshots themselves are never changed.

    .PARAMETER Store
    The folder of the snapshot store. Defaults to $env:ENTRASNAP_STORE; one
    of them is required. The store must exist.

    .PARAMETER SnapshotId
    The snapshot to label: its id, 'latest' (the newest export) or
    'label:NAME'. Snapshots piped from Get-EntraSnapshot bind here.

    .PARAMETER Name
    The label: letters, digits, '.', '-' and '_', not shaped like a
    snapshot id.

    .EXAMPLE
    Get-EntraSnapshot -Store 'D:\EntraSnapshots' -Id latest | Set-EntraSnapshotLabel -Name known-good

    Labels the newest export known-good, after the change board signed it off.

    .EXAMPLE
    Set-EntraSnapshotLabel -Store 'D:\EntraSnapshots' -SnapshotId latest -Name before-change-1234
    Compare-EntraSnapshot -Store 'D:\EntraSnapshots' -From label:before-change-1234 -To Live

    Marks the state before a change, then shows what the change did.

    .INPUTS
    EntraSnapshot.Snapshot

    .OUTPUTS
    EntraSnapshot.Snapshot

    The snapshot, with its labels.

    .LINK
    Remove-EntraSnapshotLabel

    .LINK
    Get-EntraSnapshot
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low')]
    [OutputType('EntraSnapshot.Snapshot')]
    param(
        [Parameter(Position = 0, ValueFromPipelineByPropertyName)]
        [string]
        $Store,

        [Parameter(Mandatory, Position = 1, ValueFromPipelineByPropertyName)]
        [ValidateNotNullOrEmpty()]
        [string]
        $SnapshotId,

        [Parameter(Mandatory, Position = 2)]
        [ValidateNotNullOrEmpty()]
        [string]
        $Name
    )

    process {
        try {
            $storePath = Resolve-EntraSnapshotStore -Store $Store
            $resolved = Invoke-EntraSnapshotJob -Operation 'snapshot.resolve' -Parameters @{ store = $storePath; snapshot = $SnapshotId } -TargetObject $SnapshotId
        }
        catch {
            $PSCmdlet.ThrowTerminatingError($_)
        }
        if (-not $PSCmdlet.ShouldProcess("snapshot $($resolved.id) in '$storePath'", "Label it '$Name'")) {
            return
        }
        try {
            $null = Invoke-EntraSnapshotJob -Operation 'snapshot.label' -Parameters @{ store = $storePath; snapshot = [string]$resolved.id; name = $Name } -TargetObject $Name
            $labelled = Invoke-EntraSnapshotJob -Operation 'snapshot.resolve' -Parameters @{ store = $storePath; snapshot = [string]$resolved.id } -TargetObject $Name
        }
        catch {
            $PSCmdlet.ThrowTerminatingError($_)
        }
        ConvertTo-EntraSnapshotSnapshot -InputObject $labelled -Store $storePath
    }
}
