function Get-EntraSnapshotActorLabel {
    <#
    .SYNOPSIS
    The actors of an engine attribution record, one label each: a user's principal name, or an app's name and id.
    #>
    [CmdletBinding()]
    [OutputType([string[]])]
    param(
        [AllowNull()]
        [object]
        $Attribution
    )

    $labels = @()
    if ($null -eq $Attribution) {
        return , [string[]]$labels
    }
    # A foreach statement, not a Where-Object pipeline: this runs once per
    # change of an audited compare.
    foreach ($by in $Attribution.by) {
        if ($null -eq $by) {
            continue
        }
        $actor = $by.actor
        $label = [string]$actor.userPrincipalName
        if ([string]::IsNullOrEmpty($label)) {
            $label = "$($actor.displayName) (app $($actor.appId))"
        }
        if ($labels -notcontains $label) {
            $labels += $label
        }
    }
    , [string[]]$labels
}
