function Compare-EntraSnapshot {
    <#
    .SYNOPSIS
    Shows what changed in the tenant between two snapshots, or between a snapshot and the live tenant, most severe first.

    .DESCRIPTION
    Compare-EntraSnapshot compares two snapshots of a store object by
    object and returns one EntraSnapshot.Change object per object that was
    added, removed, modified or deleted and created again. Each change
    names the object (type, display name, id), says in one line what it
    means with names rather than ids (the Reason), lists the attributes
    and links (members, owners, manager) that changed, and has a severity:
    Critical (for example an MFA policy disabled, a break-glass exclusion
    removed), High, Medium, Low or Info. Changes come most severe first.

    -To Live compares with the tenant as it is now: the tenant is exported
    into the store first (incrementally, like Export-EntraSnapshot), and
    the comparison is with that new snapshot, which stays in the store like
    any other. Only -To Live signs in to Microsoft Graph, the same way
    Export-EntraSnapshot does.

    With -Format the engine renders the report for people instead: a text
    summary, a Markdown document (for a ticket or a pull request), a
    self-contained HTML page, or the JSON report. -OutFile writes it to a
    file as UTF-8 without a byte order mark; without -OutFile the rendering
    is returned as one string.

    A comparison returns nothing when nothing changed, so a change
    procedure or a runbook can stop on a finding with
    if (Compare-EntraSnapshot ... -SeverityMinimum High) { throw ... }.

    .PARAMETER Store
    The folder of the snapshot store. Defaults to $env:ENTRASNAP_STORE; one
    of them is required. The store must exist.

    .PARAMETER From
    The earlier side: a snapshot id, 'latest' (the newest export: the live
    side of an earlier -To Live is never picked) or 'label:NAME'. Defaults
    to 'latest'. Snapshots piped from Get-EntraSnapshot or
    Export-EntraSnapshot bind here by their SnapshotId.

    .PARAMETER To
    The later side: a snapshot id, 'latest', 'label:NAME', or 'Live' for the
    tenant as it is now (exported into the store first, as a snapshot of
    kind compare-live, so running it twice reports the same changes).

    .PARAMETER Type
    The object types to compare (Graph entity names, like
    conditionalAccessPolicy or group). All types by default.

    .PARAMETER SeverityMinimum
    Leave out changes less severe than this: Info (everything, the
    default), Low, Medium, High or Critical.

    .PARAMETER Format
    Return the report rendered for people instead of Change objects: Text,
    Markdown, Html or Json. With -OutFile and no -Format, the format
    follows the file's extension (.html, .htm, .md, .markdown, .json; text
    otherwise).

    .PARAMETER OutFile
    Write the rendered report to this file (UTF-8 without a byte order
    mark), replacing it when it exists. Returns nothing unless -PassThru
    is given.

    .PARAMETER PassThru
    With -OutFile, also return the Change objects, so one comparison both
    writes the report and feeds the script.

    .PARAMETER Audit
    Read the tenant's directory audit log and say who made each change
    (the ChangedBy and Attribution of each Change). On by default with -To
    Live; with two stored snapshots it signs in to Graph like -To Live. A
    change the log cannot explain (older than the log's retention, not yet
    listed, not made through Graph, or no AuditLog.Read.All) says so in its
    Attribution instead of naming anyone.

    .PARAMETER ChangedBy
    Only the changes this actor made, from the audit log: a user principal
    name, an app id, an object id or a display name. Implies -Audit. An
    actor who made none of the changes is an error naming them.

    .PARAMETER GraphUrl
    With -To Live: the Microsoft Graph base URL. Defaults to
    $env:ENTRASNAP_GRAPH_URL, else https://graph.microsoft.com.

    .PARAMETER ManagedIdentity
    With -To Live: sign in with the managed identity of the Azure
    Automation account, VM or App Service this runs on.

    .PARAMETER IdentityClientId
    With -To Live: the client id of a user-assigned managed identity;
    implies -ManagedIdentity.

    .PARAMETER AccessToken
    With -To Live: a Microsoft Graph access token, as a SecureString, with
    the read permissions Export-EntraSnapshot needs.

    .PARAMETER SigningKeyFile
    An Ed25519 private key (PEM, from `entrasnap keygen` or OpenSSL) that
    signs the snapshots this command stores, so Test-EntraSnapshot
    -VerifyKeyFile can tell a forged one. Defaults to
    $env:ENTRASNAP_SIGNING_KEY_FILE. The file is read by the engine only.

    .PARAMETER VerifyKeyFile
    Ed25519 public keys (PEM). Every snapshot this command reads must carry
    a signature by one of them; a snapshot that does not is refused before
    anything is written. Defaults to $env:ENTRASNAP_VERIFY_KEY_FILE (comma
    separated).

    .PARAMETER IdentityFile
    The age identity file that reads an encrypted store (see
    Export-EntraSnapshot -Recipient). Defaults to $env:ENTRASNAP_IDENTITY_FILE.
    The file is read by the engine only.

    .EXAMPLE
    Compare-EntraSnapshot -Store 'D:\EntraSnapshots' -To Live

    Severity Type                     Name                                Reason
    -------- ----                     ----                                ------
    Critical conditionalAccessPolicy  CA001 - Require MFA for all users   Conditional Access policy 'CA001 - Require MFA for all users' was disabled: ...
    High     group                    SG-CA-Exclude-MFA-Temporary         'Megan Bowen' was added to 'SG-CA-Exclude-MFA-Temporary', which policy 'CA001 ...

    What changed in the tenant since the newest snapshot, signed in with
    the Connect-MgGraph session.

    .EXAMPLE
    # Incident: MFA stopped being asked for. What changed since last night's snapshot?
    $good = Get-EntraSnapshot -Store 'D:\EntraSnapshots' | Where-Object CreatedAt -lt (Get-Date).Date | Select-Object -First 1
    $good | Compare-EntraSnapshot -To Live -Type conditionalAccessPolicy, group -SeverityMinimum High |
        Format-List ObjectName, Severity, Reason, Attributes

    Compares the last snapshot taken before midnight with the live tenant,
    for Conditional Access policies and groups only, and shows the high and
    critical changes in full. Restore-EntraObject puts them back.

    .EXAMPLE
    # A change procedure's Pester check, or a runbook's stop condition.
    $findings = @(Compare-EntraSnapshot -Store $env:ENTRASNAP_STORE -From latest -To Live -SeverityMinimum High -ManagedIdentity)
    if ($findings) {
        throw "$($findings.Count) high or critical change(s) since the last snapshot: $($findings.Reason -join '; ')"
    }

    Stops when anything high or critical changed since the newest snapshot.
    PowerShell has no exit codes for this: a comparison with findings is a
    non-empty result.

    .EXAMPLE
    Compare-EntraSnapshot -Store ./snapshots -From 20261121T234700Z-7f3a9c -To latest -Format Html -OutFile ./changes.html -PassThru |
        Where-Object Severity -eq Critical

    Writes the whole report as an HTML page for the incident ticket and
    returns the critical changes.

    .EXAMPLE
    Compare-EntraSnapshot -Store 'D:\EntraSnapshots' -From latest -To Live -ChangedBy 'mallory@contoso.onmicrosoft.com' |
        Format-Table Severity, ObjectName, Reason, ChangedBy

    During an incident: everything the suspected account changed since the
    newest snapshot, each change with who made it according to the
    directory audit log. Restore-EntraObject -ChangedBy undoes exactly those.

    .EXAMPLE
    Compare-EntraSnapshot -From latest -To Live -Format Markdown | Set-Clipboard

    Copies a Markdown report of what changed since the newest snapshot (in
    $env:ENTRASNAP_STORE) to the clipboard.

    .INPUTS
    EntraSnapshot.Snapshot

    You can pipe snapshots from Get-EntraSnapshot or Export-EntraSnapshot;
    each is compared (as -From) with -To.

    .OUTPUTS
    EntraSnapshot.Change

    System.String with -Format and no -OutFile.

    .LINK
    Restore-EntraObject

    .LINK
    Export-EntraSnapshot

    .LINK
    Get-EntraSnapshot

    .LINK
    about_EntraSnapshot
    #>
    [CmdletBinding(DefaultParameterSetName = 'SignIn')]
    [OutputType('EntraSnapshot.Change')]
    [OutputType([string])]
    param(
        [Parameter(Position = 0, ValueFromPipelineByPropertyName)]
        [string]
        $Store,

        [ValidateNotNullOrEmpty()]
        [string]
        $IdentityFile,

        [ValidateNotNullOrEmpty()]
        [string]
        $SigningKeyFile,

        [ValidateNotNullOrEmpty()]
        [string[]]
        $VerifyKeyFile,

        [Parameter(Position = 1, ValueFromPipelineByPropertyName)]
        [Alias('SnapshotId')]
        [ValidateNotNullOrEmpty()]
        [string]
        $From = 'latest',

        [Parameter(Mandatory, Position = 2)]
        [ValidateNotNullOrEmpty()]
        [string]
        $To,

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

        [ValidateSet('Info', 'Low', 'Medium', 'High', 'Critical')]
        [string]
        $SeverityMinimum = 'Info',

        [ValidateSet('Text', 'Markdown', 'Html', 'Json')]
        [string]
        $Format,

        [ValidateNotNullOrEmpty()]
        [string]
        $OutFile,

        [switch]
        $PassThru,

        [switch]
        $Audit,

        [ValidateNotNullOrEmpty()]
        [string]
        $ChangedBy,

        [ValidateNotNullOrEmpty()]
        [string]
        $GraphUrl,

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

    begin {
        if ($PassThru -and -not $PSBoundParameters.ContainsKey('OutFile')) {
            $message = '-PassThru returns the changes next to a report written with -OutFile; without -OutFile the changes are returned anyway.'
            $PSCmdlet.ThrowTerminatingError((New-EntraSnapshotErrorRecord -Message $message -ErrorId 'EntraSnapshot.InvalidArgument' -Category InvalidArgument -TargetObject 'PassThru' -ExceptionType ([System.ArgumentException])))
        }

        $renderAs = $null
        $outPath = $null
        if ($PSBoundParameters.ContainsKey('Format')) {
            $renderAs = $Format.ToLowerInvariant()
        }
        if ($PSBoundParameters.ContainsKey('OutFile')) {
            $outPath = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($OutFile)
            if ($null -eq $renderAs) {
                switch ([System.IO.Path]::GetExtension($outPath).ToLowerInvariant()) {
                    '.html' {
                        $renderAs = 'html'
                    }
                    '.htm' {
                        $renderAs = 'html'
                    }
                    '.md' {
                        $renderAs = 'markdown'
                    }
                    '.markdown' {
                        $renderAs = 'markdown'
                    }
                    '.json' {
                        $renderAs = 'json'
                    }
                    default {
                        $renderAs = 'text'
                    }
                }
            }
        }
        $signIn = @{
            GraphUrl         = $GraphUrl
            ManagedIdentity  = $ManagedIdentity
            IdentityClientId = $IdentityClientId
            AccessToken      = $AccessToken
        }
        $comparisons = 0
    }

    process {
        # One file holds one report: a second piped snapshot would overwrite the first's.
        if ($null -ne $outPath -and $comparisons -gt 0) {
            $message = "-OutFile '$outPath' holds one report, but more than one snapshot was piped in. Compare them one at a time, each with its own -OutFile."
            $PSCmdlet.ThrowTerminatingError((New-EntraSnapshotErrorRecord -Message $message -ErrorId 'EntraSnapshot.InvalidArgument' -Category InvalidArgument -TargetObject $From -ExceptionType ([System.ArgumentException])))
        }
        $comparisons++

        try {
            $storePath = Resolve-EntraSnapshotStore -Store $Store
        }
        catch {
            $PSCmdlet.ThrowTerminatingError($_)
        }

        $live = $To -eq 'live'
        $parameters = @{
            store       = $storePath
            from        = $From
            to          = $To
            severityMin = $SeverityMinimum.ToLowerInvariant()
        }
        if ($live) {
            $parameters.to = 'live'
        }
        Add-EntraSnapshotKeyFile -Parameters $parameters -SigningKeyFile $SigningKeyFile -VerifyKeyFile $VerifyKeyFile -IdentityFile $IdentityFile
        if ($Type.Count -gt 0) {
            $parameters.types = Get-EntraSnapshotUniqueName -Name $Type
        }
        if ($null -ne $renderAs) {
            $parameters.format = $renderAs
        }
        # The audit log is read with -To Live, -Audit or -ChangedBy: each needs Graph.
        $graph = $live -or $Audit -or $PSBoundParameters.ContainsKey('ChangedBy')
        if ($Audit) {
            $parameters.audit = $true
        }
        if ($PSBoundParameters.ContainsKey('ChangedBy')) {
            $parameters.changedBy = $ChangedBy
        }

        # The changes come as pages of records shaped as the module's
        # objects: a bounded string to parse per page, and no object built
        # in script per change.
        $parameters.records = 'module'
        $parameters.pageSize = 500
        $records = [System.Collections.Generic.List[object]]::new()

        $target = "$From..$To"
        try {
            if ($graph) {
                if ($live) {
                    Write-Verbose "Exporting the live tenant into '$storePath' to compare it with snapshot '$From'."
                }
                $report = Invoke-EntraSnapshotGraphJob -Operation 'snapshot.compare' -Parameters $parameters -TargetObject $target -Pages @{ changes = $records } @signIn
            }
            else {
                if ($PSCmdlet.ParameterSetName -ne 'SignIn' -or $PSBoundParameters.ContainsKey('GraphUrl')) {
                    Write-Verbose 'Two snapshots are compared without Graph: the sign-in parameters are not used.'
                }
                $report = Invoke-EntraSnapshotJob -Operation 'snapshot.compare' -Parameters $parameters -TargetObject $target -Pages @{ changes = $records }
            }
        }
        catch {
            $PSCmdlet.ThrowTerminatingError($_)
        }

        $changeCount = [int]$report.changeCount
        $toText = "snapshot $($report.to)"
        if ($report.live) {
            $toText = "the live tenant (exported as snapshot $($report.to))"
        }
        Write-Verbose "From snapshot $($report.from) to $($toText): $changeCount change(s) at $SeverityMinimum or above, $([int]$report.hidden) less severe left out."
        foreach ($actor in @($report.actors | Where-Object { $null -ne $_ })) {
            Write-Verbose "Changed by $($actor.label): $($actor.changes) change(s) on $($actor.objects) object(s)."
        }

        if ($null -ne $renderAs) {
            $rendered = $report.rendered
            if ($null -eq $rendered) {
                $message = "The engine returned no '$renderAs' rendering of the report; it may be older than this module. Get-EntraSnapshotEngine shows its version."
                $PSCmdlet.ThrowTerminatingError((New-EntraSnapshotErrorRecord -Message $message -ErrorId 'EntraSnapshot.FormatNotSupported' -Category NotImplemented -TargetObject $renderAs -ExceptionType ([System.NotSupportedException])))
            }
            if ($null -eq $outPath) {
                [string]$rendered
                return
            }
            try {
                [System.IO.File]::WriteAllText($outPath, [string]$rendered, [System.Text.UTF8Encoding]::new($false))
            }
            catch {
                $message = "The report could not be written to '$outPath': $($_.Exception.GetBaseException().Message)"
                $PSCmdlet.ThrowTerminatingError((New-EntraSnapshotErrorRecord -Message $message -ErrorId 'EntraSnapshot.OutFileFailed' -Category WriteError -TargetObject $outPath -ExceptionType ([System.IO.IOException])))
            }
            Write-Verbose "Wrote the $renderAs report to '$outPath'."
            if (-not $PassThru) {
                return
            }
        }

        if ($records.Count -ne $changeCount) {
            $message = "The engine reported $changeCount change(s) but handed over $($records.Count); it may be older than this module. Get-EntraSnapshotEngine shows its version."
            $PSCmdlet.ThrowTerminatingError((New-EntraSnapshotErrorRecord -Message $message -ErrorId 'EntraSnapshot.IncompleteResult' -Category InvalidResult -TargetObject $target))
        }
        ConvertTo-EntraSnapshotChange -Record $records
    }
}
