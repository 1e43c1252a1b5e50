function Assert-EntraSnapshotSignIn {
    <#
    .SYNOPSIS
    Refuses two ways of signing in at once; returns whether the managed identity is asked for.

    .DESCRIPTION
    Called before any work, so a command given both -AccessToken and
    -ManagedIdentity (or -IdentityClientId) fails before it reads the store
    or talks to Graph.
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param(
        [switch]
        $ManagedIdentity,

        [AllowNull()]
        [AllowEmptyString()]
        [string]
        $IdentityClientId,

        [AllowNull()]
        [securestring]
        $AccessToken,

        [string]
        $Operation
    )

    $useManagedIdentity = $ManagedIdentity -or -not [string]::IsNullOrEmpty($IdentityClientId)
    if ($null -ne $AccessToken -and $useManagedIdentity) {
        $message = 'Sign in either with -AccessToken or with -ManagedIdentity / -IdentityClientId, not both.'
        $PSCmdlet.ThrowTerminatingError((New-EntraSnapshotErrorRecord -Message $message -ErrorId 'EntraSnapshot.AmbiguousSignIn' -Category InvalidArgument -TargetObject $Operation -ExceptionType ([System.ArgumentException])))
    }
    $useManagedIdentity
}
