function Resolve-EntraSnapshotStore {
    <#
    .SYNOPSIS
    The full path of the snapshot store a command was given, or the one in $env:ENTRASNAP_STORE.

    .DESCRIPTION
    The engine runs in the process, whose working folder is not PowerShell's
    current location (Set-Location does not change it), so a relative -Store
    is resolved against the current PowerShell location here.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [AllowNull()]
        [AllowEmptyString()]
        [string]
        $Store
    )

    if ([string]::IsNullOrWhiteSpace($Store)) {
        $Store = $env:ENTRASNAP_STORE
    }
    if ([string]::IsNullOrWhiteSpace($Store)) {
        $message = 'No snapshot store given: use -Store <folder>, or set $env:ENTRASNAP_STORE.'
        $PSCmdlet.ThrowTerminatingError((New-EntraSnapshotErrorRecord -Message $message -ErrorId 'EntraSnapshot.StoreRequired' -Category InvalidArgument -TargetObject $null -ExceptionType ([System.ArgumentException])))
    }
    $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Store)
}
