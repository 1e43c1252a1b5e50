function Get-EntraSnapshotGraphSessionToken {
    <#
    .SYNOPSIS
    The bearer token of the current Connect-MgGraph session, when there is one and it is for the Graph the export talks to.

    .DESCRIPTION
    Microsoft.Graph.Authentication does not hand out its token directly; a
    cheap request made with -OutputType HttpResponseMessage carries it in
    the request's Authorization header. The token is written to the
    pipeline only, never to a variable of the caller's scope, to verbose
    output or to an error; a session for another cloud or another Graph
    host than the export's keeps its token (an emulator or a mistyped
    -GraphUrl must never receive a real tenant's token).
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [AllowNull()]
        [AllowEmptyString()]
        [string]
        $GraphUrl
    )

    # Get-Module, not Get-Command: Get-Command of Get-MgContext would import
    # Microsoft.Graph.Authentication (seconds, and assembly conflicts beside
    # Az.Accounts) in a session that never connected.
    if ($null -eq (Get-Module -Name 'Microsoft.Graph.Authentication')) {
        Write-Verbose 'Microsoft.Graph.Authentication is not loaded: the engine signs in by itself (ENTRASNAP_TOKEN, managed identity, Azure CLI, ...).'
        return
    }
    $context = Get-MgContext
    if ($null -eq $context) {
        Write-Verbose 'There is no Connect-MgGraph session: the engine signs in by itself (ENTRASNAP_TOKEN, managed identity, Azure CLI, ...).'
        return
    }

    if ([string]::IsNullOrWhiteSpace($GraphUrl)) {
        $GraphUrl = $env:ENTRASNAP_GRAPH_URL
    }
    if ([string]::IsNullOrWhiteSpace($GraphUrl)) {
        $GraphUrl = 'https://graph.microsoft.com'
    }
    $sessionEndpoint = 'https://graph.microsoft.com'
    if ($null -ne (Get-Command -Name 'Get-MgEnvironment' -ErrorAction SilentlyContinue) -and -not [string]::IsNullOrEmpty($context.Environment)) {
        $environment = Get-MgEnvironment -Name $context.Environment -ErrorAction SilentlyContinue
        if ($null -ne $environment -and -not [string]::IsNullOrEmpty($environment.GraphEndpoint)) {
            $sessionEndpoint = $environment.GraphEndpoint
        }
    }
    $target = $null
    if (-not [uri]::TryCreate($GraphUrl.Trim(), [System.UriKind]::Absolute, [ref]$target) -or $target.Scheme -ne ([uri]$sessionEndpoint).Scheme -or $target.Authority -ne ([uri]$sessionEndpoint).Authority) {
        Write-Verbose "The Connect-MgGraph session is for $sessionEndpoint, not $GraphUrl; its token is not used."
        return
    }

    $response = $null
    try {
        # -SkipHttpErrorCheck: a token without Organization.Read.All gets a
        # 403 here, and it is still the session's token.
        $response = Invoke-MgGraphRequest -Method GET -Uri '/v1.0/organization?$select=id' -OutputType HttpResponseMessage -SkipHttpErrorCheck -ErrorAction Stop
        $authorization = $response.RequestMessage.Headers.Authorization
        if ($null -ne $authorization -and $authorization.Scheme -eq 'Bearer' -and -not [string]::IsNullOrEmpty($authorization.Parameter)) {
            Write-Verbose "Using the Connect-MgGraph session of $($context.Account) for tenant $($context.TenantId)."
            $authorization.Parameter
        }
        else {
            Write-Verbose 'The Connect-MgGraph session sent no bearer token; the engine signs in by itself.'
        }
    }
    catch {
        Write-Verbose "The Connect-MgGraph session could not make a request ($($_.FullyQualifiedErrorId)); the engine signs in by itself."
    }
    finally {
        if ($null -ne $response) {
            $response.Dispose()
        }
    }
}
