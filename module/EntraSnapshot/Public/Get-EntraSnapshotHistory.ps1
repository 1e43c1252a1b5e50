function Get-EntraSnapshotHistory {
    <#
    .SYNOPSIS
    Gets one object's history across the snapshots in a store, oldest first: when it was first seen, each change, when it was deleted and restored.

    .DESCRIPTION
    Get-EntraSnapshotHistory walks the snapshots of the object's tenant in
    a store, oldest first, and returns one EntraSnapshot.HistoryEntry per
    event in the object's life: Created (first seen), Changed (attributes
    or links such as members and owners changed), Deleted (gone), Restored
    (back with the same id) and Recreated (back under a new id with the
    same natural key, such as a policy's display name). Each entry names
    the two snapshots between which the change was first seen, and lists
    the attributes with their values before and after, exactly as
    Compare-EntraSnapshot reports them for that pair, with the same
    severity and reason.

    Only the object's own entries are compared: a snapshot in which it did
    not change is skipped without reading anything, so the history of one
    policy over a hundred snapshots of a large tenant stays quick.

    -Name matches the display name exactly, ignoring case. When several
    objects have had that name the command fails and lists their ids and
    types: give -Id (or -Type) instead. A name, id or attribute that
    matches nothing is an error naming it.

    The ChangedBy property is empty until attribution from the audit log
    is added; it is there so scripts can rely on it.

    .PARAMETER Store
    The folder of the snapshot store. Defaults to $env:ENTRASNAP_STORE; one
    of them is required. The store must exist.

    .PARAMETER Id
    The object's id. Changes piped from Compare-EntraSnapshot bind here by
    their ObjectId.

    .PARAMETER Name
    The object's display name (in any snapshot), matched exactly but
    ignoring case.

    .PARAMETER Type
    Look only at objects of this type (a Graph entity name, like
    conditionalAccessPolicy or group).

    .PARAMETER Attribute
    Only changes to this attribute: a dot path such as state or
    conditions.users (which covers conditions.users.excludeGroups), or a
    link such as members. Created and Deleted entries then show the value
    the attribute had.

    .PARAMETER From
    Start at this snapshot (an id, 'latest' or 'label:NAME'), or at the
    last snapshot completed at or before this time (a DateTime, or an
    RFC 3339 string such as '2026-12-01T14:00Z').

    .PARAMETER To
    End at this snapshot, or at the last snapshot completed at or before
    this time. The newest snapshot by default.

    .PARAMETER Format
    Text: return the history as one string, as `entrasnap history` prints
    it, instead of HistoryEntry objects.

    .PARAMETER VerifyKeyFile
    Ed25519 public keys (PEM). Every snapshot read must carry a signature
    by one of them. Defaults to $env:ENTRASNAP_VERIFY_KEY_FILE (comma
    separated).

    .PARAMETER IdentityFile
    The age identity file that reads an encrypted store. Defaults to
    $env:ENTRASNAP_IDENTITY_FILE. The file is read by the engine only.

    .PARAMETER Audit
    Read the tenant's directory audit log (signing in to Graph as
    Export-EntraSnapshot does) and say who made each change: each entry's
    ChangedBy and Attribution, over its own pair of snapshots.

    .PARAMETER GraphUrl
    With -Audit: the Microsoft Graph base URL. Defaults to
    $env:ENTRASNAP_GRAPH_URL, else https://graph.microsoft.com.

    .PARAMETER ManagedIdentity
    With -Audit: sign in with the managed identity this runs under.

    .PARAMETER IdentityClientId
    With -Audit: the client id of a user-assigned managed identity.

    .PARAMETER AccessToken
    With -Audit: a Microsoft Graph access token with AuditLog.Read.All, as a SecureString.

    .EXAMPLE
    Get-EntraSnapshotHistory -Store 'D:\EntraSnapshots' -Name 'CA001 - Require MFA for all users'

    Time                Event   Severity Name                               Details
    ----                -----   -------- ----                               -------
    2026-11-21 23:47:00 Created Info     CA001 - Require MFA for all users
    2026-11-22 23:47:00 Changed Critical CA001 - Require MFA for all users  state: enabled -> disabled

    Everything that happened to the MFA policy across the store's snapshots.

    .EXAMPLE
    # Incident: since when has the break-glass exclusion been missing?
    Get-EntraSnapshotHistory -Store 'D:\EntraSnapshots' -Name 'CA001 - Require MFA for all users' -Attribute conditions.users |
        Format-List Time, Event, ToSnapshotId, Details

    Only the changes to the policy's users and groups, each with the
    snapshot it was first seen in. -From '2026-12-01T14:00Z' would start
    with the state the policy was in at that time.

    .EXAMPLE
    Compare-EntraSnapshot -Store 'D:\EntraSnapshots' -From latest -To Live -SeverityMinimum High | Get-EntraSnapshotHistory

    The whole history of every object a comparison found a high or
    critical change in (changes pipe in by ObjectId, ObjectType and Store).

    .EXAMPLE
    Get-EntraSnapshotHistory -Store 'D:\EntraSnapshots' -Id $policyId -To (Get-Date) -Format Text

    The history up to now as `entrasnap history` prints it, for a ticket.

    .INPUTS
    EntraSnapshot.Change

    You can pipe changes from Compare-EntraSnapshot, or any object with
    ObjectId (and ObjectType, Store) properties.

    .OUTPUTS
    EntraSnapshot.HistoryEntry

    System.String with -Format Text.

    .LINK
    Compare-EntraSnapshot

    .LINK
    Get-EntraSnapshot

    .LINK
    about_EntraSnapshot
    #>
    [CmdletBinding(DefaultParameterSetName = 'Id')]
    [OutputType('EntraSnapshot.HistoryEntry')]
    [OutputType([string])]
    param(
        [Parameter(Position = 0, ValueFromPipelineByPropertyName)]
        [Alias('Path')]
        [string]
        $Store,

        [Parameter(Mandatory, ParameterSetName = 'Id', ValueFromPipelineByPropertyName)]
        [Alias('ObjectId')]
        [ValidateNotNullOrEmpty()]
        [string]
        $Id,

        [Parameter(Mandatory, ParameterSetName = 'Name')]
        [ValidateNotNullOrEmpty()]
        [string]
        $Name,

        [Parameter(ValueFromPipelineByPropertyName)]
        [Alias('ObjectType')]
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
        [string]
        $Type,

        [ValidateNotNullOrEmpty()]
        [string]
        $Attribute,

        [ValidateNotNull()]
        [object]
        $From,

        [ValidateNotNull()]
        [object]
        $To,

        [ValidateSet('Text')]
        [string]
        $Format,

        [ValidateNotNullOrEmpty()]
        [string[]]
        $VerifyKeyFile,

        [ValidateNotNullOrEmpty()]
        [string]
        $IdentityFile,

        [switch]
        $Audit,

        [ValidateNotNullOrEmpty()]
        [string]
        $GraphUrl,

        [switch]
        $ManagedIdentity,

        [ValidateNotNullOrEmpty()]
        [string]
        $IdentityClientId,

        [securestring]
        $AccessToken
    )

    begin {
        # A time goes to the engine as RFC 3339 in UTC; anything else is a snapshot reference.
        $toBound = {
            param(
                [object]
                $Value
            )
            if ($Value -is [System.DateTimeOffset]) {
                $Value = $Value.UtcDateTime
            }
            if ($Value -is [datetime]) {
                return $Value.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ss.fffffffZ', [System.Globalization.CultureInfo]::InvariantCulture)
            }
            [string]$Value
        }
    }

    process {
        try {
            $storePath = Resolve-EntraSnapshotStore -Store $Store
        }
        catch {
            $PSCmdlet.ThrowTerminatingError($_)
        }

        $parameters = @{ store = $storePath }
        if ($PSCmdlet.ParameterSetName -eq 'Name') {
            $parameters.name = $Name
            $target = $Name
        }
        else {
            $parameters.id = $Id
            $target = $Id
        }
        if (-not [string]::IsNullOrEmpty($Type)) {
            $parameters.type = $Type
        }
        if ($PSBoundParameters.ContainsKey('Attribute')) {
            $parameters.attribute = $Attribute
        }
        if ($PSBoundParameters.ContainsKey('From')) {
            $parameters.from = & $toBound $From
        }
        if ($PSBoundParameters.ContainsKey('To')) {
            $parameters.to = & $toBound $To
        }
        if ($PSBoundParameters.ContainsKey('Format')) {
            $parameters.format = $Format.ToLowerInvariant()
        }
        Add-EntraSnapshotKeyFile -Parameters $parameters -VerifyKeyFile $VerifyKeyFile -IdentityFile $IdentityFile -NoSigning

        try {
            if ($Audit) {
                # Who made each change, from the directory audit log: this signs in to Graph.
                $parameters.audit = $true
                $signIn = @{
                    GraphUrl         = $GraphUrl
                    ManagedIdentity  = $ManagedIdentity
                    IdentityClientId = $IdentityClientId
                    AccessToken      = $AccessToken
                }
                $history = Invoke-EntraSnapshotGraphJob -Operation 'snapshot.history' -Parameters $parameters -TargetObject $target @signIn
            }
            else {
                $history = Invoke-EntraSnapshotJob -Operation 'snapshot.history' -Parameters $parameters -TargetObject $target
            }
        }
        catch {
            $PSCmdlet.ThrowTerminatingError($_)
        }

        $entries = @($history.entries | Where-Object { $null -ne $_ })
        Write-Verbose "$($history.objectType) '$($history.objectName)' ($($history.objectId)): $($entries.Count) event(s) in $($history.snapshots) snapshot(s) from $($history.from.id) to $($history.to.id)."
        if ($PSBoundParameters.ContainsKey('Format')) {
            [string]$history.rendered
            return
        }

        foreach ($entry in $entries) {
            $fromId = $null
            $fromKind = $null
            if ($null -ne $entry.from) {
                $fromId = [string]$entry.from.id
                $fromKind = [string]$entry.from.kind
            }
            [pscustomobject]@{
                PSTypeName     = 'EntraSnapshot.HistoryEntry'
                Time           = ConvertTo-EntraSnapshotUtcTime -Value $entry.to.completedAt
                Event          = ConvertTo-EntraSnapshotEnumName -Value $entry.event
                Severity       = ConvertTo-EntraSnapshotEnumName -Value $entry.severity
                ObjectType     = [string]$history.objectType
                ObjectName     = [string]$entry.objectName
                ObjectId       = [string]$entry.objectId
                PreviousId     = $entry.previousId
                Reason         = [string]$entry.reason
                Details        = @($entry.details | Where-Object { $null -ne $_ } | ForEach-Object { [string]$_ })
                Attributes     = @(ConvertTo-EntraSnapshotAttributeChange -Attribute $entry.attributes)
                Links          = @(ConvertTo-EntraSnapshotAttributeChange -Link $entry.links)
                ChangedBy      = [string[]]@($entry.changedBy | Where-Object { $null -ne $_ })
                Attribution    = $entry.attribution
                FromSnapshotId = $fromId
                FromKind       = $fromKind
                ToSnapshotId   = [string]$entry.to.id
                ToKind         = [string]$entry.to.kind
                TenantId       = [string]$history.tenantId
                Store          = $storePath
            }
        }
    }
}
