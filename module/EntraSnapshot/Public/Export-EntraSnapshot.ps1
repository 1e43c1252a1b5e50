function Export-EntraSnapshot {
    <#
    .SYNOPSIS
    Takes a snapshot of the tenant's configuration into a snapshot store.

    .DESCRIPTION
    Export-EntraSnapshot reads the tenant's configuration through Microsoft
    Graph (Conditional Access policies, named locations, authentication
    strengths and methods, authorization and cross-tenant policies, users,
    groups with their members, applications, service principals, roles and
    administrative units) and stores it as a new snapshot in a local
    folder, the snapshot store. Objects unchanged since an earlier snapshot
    are stored once, so a daily snapshot costs little space.

    After the first export of a tenant, the next ones are incremental:
    users, groups, applications, service principals and administrative
    units are read through Graph delta queries, so only what changed is
    fetched. -Full reads everything again.

    Signing in, in this order: -AccessToken; -ManagedIdentity or
    -IdentityClientId (Azure Automation, Azure VMs, App Service); the token
    of the current Connect-MgGraph session (for the Graph the export talks
    to); otherwise the engine's own chain (ENTRASNAP_TOKEN, workload
    identity, client secret or certificate in AZURE_* variables, Azure
    CLI). The token is handed to the engine for this call only; it is not
    logged, not written to the store and not shown in errors or progress.

    Progress is shown per object type with Write-Progress. Ctrl+C stops the
    export; no snapshot is then listed, and earlier snapshots are untouched.
    Graph limits Conditional Access reads to one request per second, which
    the engine honours: an export takes at least a few seconds.

    .PARAMETER Store
    The folder of the snapshot store. It is created when missing. Defaults
    to $env:ENTRASNAP_STORE; one of them is required.

    .PARAMETER Type
    The object types to export (Graph entity names, like
    conditionalAccessPolicy or namedLocation). All types by default.

    .PARAMETER GraphUrl
    The Microsoft Graph base URL. Defaults to $env:ENTRASNAP_GRAPH_URL, else
    https://graph.microsoft.com. Point it at entrasnap-sim for drills.

    .PARAMETER Full
    Read everything again instead of only what changed since the last
    snapshot of this tenant.

    .PARAMETER Recipient
    Encrypt the store at rest to these age X25519 recipients (public keys,
    age1...). The first export given recipients records them in the store;
    later exports encrypt to them without being told, and other recipients
    are refused. Reading an encrypted store needs the matching identity
    file (-IdentityFile, or $env:ENTRASNAP_IDENTITY_FILE); an export without
    it reads the whole tenant again instead of only what changed.

    .PARAMETER ManagedIdentity
    Sign in with the managed identity of the Azure Automation account, VM
    or App Service this runs on.

    .PARAMETER IdentityClientId
    The client id of a user-assigned managed identity; implies
    -ManagedIdentity.

    .PARAMETER AccessToken
    A Microsoft Graph access token, as a SecureString. It needs the read
    permissions of the exported types (Policy.Read.All, Directory.Read.All,
    Application.Read.All, RoleManagement.Read.Directory,
    Organization.Read.All).

    .PARAMETER SigningKeyFile
    An Ed25519 private key (PEM, from `entrasnap keygen` or OpenSSL) that
    signs the snapshots this command stores, so Test-EntraSnapshot
    -VerifyKeyFile can tell a forged one. Defaults to
    $env:ENTRASNAP_SIGNING_KEY_FILE. The file is read by the engine only.

    .PARAMETER IdentityFile
    The age identity file that reads an encrypted store (see
    Export-EntraSnapshot -Recipient). Defaults to $env:ENTRASNAP_IDENTITY_FILE.
    The file is read by the engine only.

    .EXAMPLE
    Connect-MgGraph -Scopes 'Policy.Read.All', 'Directory.Read.All', 'Application.Read.All', 'RoleManagement.Read.Directory'
    Export-EntraSnapshot -Store 'D:\EntraSnapshots'

    SnapshotId              TenantId                             CreatedAt           Objects Duration
    ----------              --------                             ---------           ------- --------
    20261121T234700Z-7f3a9c 72f988bf-86f1-41af-91ab-2d7cd011db47                       18342 00:02:11

    Takes a snapshot of every type with the token of the Connect-MgGraph
    session.

    .EXAMPLE
    Export-EntraSnapshot -Store 'D:\EntraSnapshots' -Type conditionalAccessPolicy, namedLocation, authenticationStrengthPolicy -WhatIf

    Shows what would be exported, without signing in or writing anything.

    .EXAMPLE
    # An Azure Automation runbook (PowerShell 7.2 or 5.1) on a daily schedule.
    # The Automation account's system-assigned managed identity holds the Graph
    # application permissions Policy.Read.All, Directory.Read.All,
    # Application.Read.All and RoleManagement.Read.Directory.
    Import-Module EntraSnapshot
    $snapshot = Export-EntraSnapshot -Store 'C:\Temp\EntraSnapshots' -ManagedIdentity -ErrorAction Stop
    if (-not (Test-EntraSnapshot -Store $snapshot.Store -Id $snapshot.SnapshotId -Quiet)) {
        throw "Snapshot $($snapshot.SnapshotId) failed verification"
    }
    Write-Output "Snapshot $($snapshot.SnapshotId): $($snapshot.Objects) objects in $($snapshot.Duration)"

    Exports with the Automation account's managed identity and checks the
    new snapshot. Copy the store to a storage account afterwards: the
    sandbox's disk does not outlive the job. For a user-assigned identity,
    use -IdentityClientId '<client id>' instead of -ManagedIdentity.

    .EXAMPLE
    $token = Read-Host -Prompt 'Graph access token' -AsSecureString
    Export-EntraSnapshot -Store ./snapshots -AccessToken $token -Full

    Reads everything again with a token obtained elsewhere.

    .EXAMPLE
    $env:ENTRASNAP_TOKEN = 'any'   # the emulator accepts any token
    Export-EntraSnapshot -Store ./drill -GraphUrl 'http://127.0.0.1:8080'

    Exports from a local entrasnap-sim emulator started with
    `entrasnap-sim --port 8080`, for a restore drill.

    .INPUTS
    None

    .OUTPUTS
    EntraSnapshot.Snapshot

    .LINK
    Get-EntraSnapshot

    .LINK
    Test-EntraSnapshot

    .LINK
    about_EntraSnapshot
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low', DefaultParameterSetName = 'SignIn')]
    [OutputType('EntraSnapshot.Snapshot')]
    param(
        [Parameter(Position = 0)]
        [string]
        $Store,

        [ValidateNotNullOrEmpty()]
        [string]
        $IdentityFile,

        [ValidateNotNullOrEmpty()]
        [string]
        $SigningKeyFile,

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

        [ValidateNotNullOrEmpty()]
        [string]
        $GraphUrl,

        [switch]
        $Full,

        [ValidateNotNullOrEmpty()]
        [string[]]
        $Recipient,

        [Parameter(ParameterSetName = 'ManagedIdentity')]
        [switch]
        $ManagedIdentity,

        [Parameter(ParameterSetName = 'ManagedIdentity')]
        [ValidateNotNullOrEmpty()]
        [string]
        $IdentityClientId,

        [Parameter(Mandatory, ParameterSetName = 'AccessToken')]
        [securestring]
        $AccessToken
    )

    try {
        $storePath = Resolve-EntraSnapshotStore -Store $Store
    }
    catch {
        $PSCmdlet.ThrowTerminatingError($_)
    }

    $parameters = @{
        store = $storePath
    }
    Add-EntraSnapshotKeyFile -Parameters $parameters -SigningKeyFile $SigningKeyFile -IdentityFile $IdentityFile
    $typeText = 'every object type'
    if ($Type.Count -gt 0) {
        $parameters.types = Get-EntraSnapshotUniqueName -Name $Type
        $typeText = $parameters.types -join ', '
    }
    if ($Full) {
        $parameters.full = $true
    }
    if ($Recipient.Count -gt 0) {
        $parameters.recipients = @($Recipient)
    }

    if (-not $PSCmdlet.ShouldProcess("snapshot store '$storePath'", "Export a snapshot of $typeText")) {
        return
    }

    try {
        $report = Invoke-EntraSnapshotGraphJob -Operation 'snapshot.export' -Parameters $parameters -TargetObject $storePath -GraphUrl $GraphUrl -ManagedIdentity:$ManagedIdentity -IdentityClientId $IdentityClientId -AccessToken $AccessToken
    }
    catch {
        $PSCmdlet.ThrowTerminatingError($_)
    }

    ConvertTo-EntraSnapshotSnapshot -InputObject $report -Store $storePath
}
