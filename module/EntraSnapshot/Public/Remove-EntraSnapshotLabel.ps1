function Remove-EntraSnapshotLabel {
    <#
    .SYNOPSIS
    Takes a label off the snapshot it names.

    .DESCRIPTION
    Remove-EntraSnapshotLabel removes a label set with
    Set-EntraSnapshotLabel (or entrasnap label). The snapshot stays; it is
    no longer kept by entrasnap prune for that label's sake. A label that
    is not in the store is an error naming it.

    .PARAMETER Store
    The folder of the snapshot store. Defaults to $env:ENTRASNAP_STORE; one
    of them is required. The store must exist.

    .PARAMETER Name
    The label to remove.

    .EXAMPLE
    Set-EntraSnapshotLabel -Store 'D:\EntraSnapshots' -SnapshotId latest -Name before-change-1234
    Remove-EntraSnapshotLabel -Store 'D:\EntraSnapshots' -Name before-change-1234 -Confirm:$false

    Labels the newest export for a change, and takes the label off once the
    change is closed.

    .INPUTS
    None

    .OUTPUTS
    None

    .LINK
    Set-EntraSnapshotLabel
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType([void])]
    param(
        [Parameter(Position = 0)]
        [string]
        $Store,

        [Parameter(Mandatory, Position = 1, ValueFromPipeline)]
        [ValidateNotNullOrEmpty()]
        [string]
        $Name
    )

    process {
        try {
            $storePath = Resolve-EntraSnapshotStore -Store $Store
        }
        catch {
            $PSCmdlet.ThrowTerminatingError($_)
        }
        if (-not $PSCmdlet.ShouldProcess("snapshot store '$storePath'", "Remove the label '$Name'")) {
            return
        }
        try {
            $null = Invoke-EntraSnapshotJob -Operation 'snapshot.label' -Parameters @{ store = $storePath; name = $Name; remove = $true } -TargetObject $Name
        }
        catch {
            $PSCmdlet.ThrowTerminatingError($_)
        }
    }
}
