function Invoke-EntraSnapshotGraphJob {
    <#
    .SYNOPSIS
    Runs an engine operation that talks to Microsoft Graph, signed in the way the caller asked.

    .DESCRIPTION
    Export-EntraSnapshot, Compare-EntraSnapshot -To Live and
    Restore-EntraObject sign in the same way, in this order: -AccessToken;
    -ManagedIdentity or -IdentityClientId; the token of the current
    Connect-MgGraph session, when it is for the Graph the engine talks to;
    otherwise the engine's own chain (ENTRASNAP_TOKEN, workload identity,
    AZURE_* variables, Azure CLI).

    The token goes into a copy of the request for this one job and is
    removed when the job ends, so the caller's parameters never hold it. A
    command that runs two jobs (Restore-EntraObject plans, asks, then
    writes) asks for the token again for each, so no variable holds it
    while a -Confirm prompt waits.
    #>
    [CmdletBinding()]
    [OutputType([object])]
    param(
        [Parameter(Mandatory)]
        [string]
        $Operation,

        [Parameter(Mandatory)]
        [hashtable]
        $Parameters,

        [AllowNull()]
        [object]
        $TargetObject,

        [AllowNull()]
        [AllowEmptyString()]
        [string]
        $GraphUrl,

        [switch]
        $ManagedIdentity,

        [AllowNull()]
        [AllowEmptyString()]
        [string]
        $IdentityClientId,

        [AllowNull()]
        [securestring]
        $AccessToken,

        # The records of the result's page events, by page name (Invoke-EntraSnapshotJob -Pages).
        [AllowNull()]
        [hashtable]
        $Pages
    )

    $useManagedIdentity = Assert-EntraSnapshotSignIn -ManagedIdentity:$ManagedIdentity -IdentityClientId $IdentityClientId -AccessToken $AccessToken -Operation $Operation

    $request = @{}
    foreach ($key in $Parameters.Keys) {
        $request[$key] = $Parameters[$key]
    }
    # The engine can't see $env: changes made in this session on Linux and
    # macOS (.NET keeps its own copy of the environment), so the module hands
    # over what PowerShell sees.
    if ([string]::IsNullOrWhiteSpace($GraphUrl)) {
        $GraphUrl = [System.Environment]::GetEnvironmentVariable('ENTRASNAP_GRAPH_URL')
    }
    if (-not [string]::IsNullOrWhiteSpace($GraphUrl)) {
        $request.graphUrl = $GraphUrl.Trim()
    }
    if ($useManagedIdentity) {
        $request.managedIdentity = $true
    }
    if (-not [string]::IsNullOrEmpty($IdentityClientId)) {
        $request.identityClientId = $IdentityClientId
    }
    $environment = @{}
    foreach ($name in $script:EntraSnapshotSignInVariables) {
        $value = [System.Environment]::GetEnvironmentVariable($name)
        if (-not [string]::IsNullOrEmpty($value)) {
            $environment[$name] = $value
        }
    }
    $request.environment = $environment

    $fromSession = $false
    try {
        # Strings can't be wiped in .NET, but no variable keeps the token
        # once the job is over.
        if ($null -ne $AccessToken) {
            Write-Verbose 'Signing in with -AccessToken.'
            $request.token = [System.Net.NetworkCredential]::new('', $AccessToken).Password
        }
        elseif ($useManagedIdentity) {
            Write-Verbose 'Signing in with the managed identity.'
        }
        else {
            $request.token = Get-EntraSnapshotGraphSessionToken -GraphUrl $GraphUrl
            if ($null -eq $request.token) {
                $request.Remove('token')
            }
            else {
                # A Connect-MgGraph token lives about an hour: when Graph
                # refuses it during a long job, the engine asks for a new one
                # and the session (which renews itself) hands it over.
                $request.tokenRefresh = $true
                $fromSession = $true
            }
        }
        Invoke-EntraSnapshotJob -Operation $Operation -Parameters $request -TargetObject $TargetObject -TokenFromSession:$fromSession -GraphUrl $GraphUrl -Pages $Pages
    }
    finally {
        $request.Remove('token')
        $request.Remove('environment')
        $environment.Clear()
    }
}
