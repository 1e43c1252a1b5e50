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
    foreach ($by in @($Attribution.by | Where-Object { $null -ne $_ })) {
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
