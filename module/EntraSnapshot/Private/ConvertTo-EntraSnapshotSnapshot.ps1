function ConvertTo-EntraSnapshotSnapshot {
    <#
    .SYNOPSIS
    Turns an engine snapshot summary or export report into an EntraSnapshot.Snapshot object.

    .DESCRIPTION
    snapshot.list and snapshot.resolve answer summaries (id, kind, labels,
    createdAt, types, counts, intact; or readable = false and a reason);
    snapshot.export answers a report (snapshotId, counts, modes, requests,
    throttled, elapsedMs). Both become the same type, so an exported
    snapshot and a listed one pipe into the same commands; what a source
    does not know stays $null.
    #>
    [CmdletBinding()]
    [OutputType('EntraSnapshot.Snapshot')]
    param(
        [Parameter(Mandatory)]
        [object]
        $InputObject,

        [Parameter(Mandatory)]
        [string]
        $Store
    )

    $snapshotId = $InputObject.snapshotId
    if ($null -eq $snapshotId) {
        $snapshotId = $InputObject.id
    }
    $counts = ConvertTo-EntraSnapshotDictionary -InputObject $InputObject.counts
    $objects = 0
    foreach ($count in $counts.Values) {
        $objects += [long]$count
    }

    $createdAt = ConvertTo-EntraSnapshotUtcTime -Value $InputObject.createdAt
    $completedAt = ConvertTo-EntraSnapshotUtcTime -Value $InputObject.completedAt
    $duration = $null
    if ($null -ne $InputObject.elapsedMs) {
        $duration = [timespan]::FromMilliseconds([double]$InputObject.elapsedMs)
    }
    elseif ($null -ne $createdAt -and $null -ne $completedAt) {
        $duration = $completedAt - $createdAt
    }
    $modes = $null
    if ($null -ne $InputObject.modes) {
        $modes = ConvertTo-EntraSnapshotDictionary -InputObject $InputObject.modes
    }
    $intact = $true
    if ($null -ne $InputObject.intact) {
        $intact = [bool]$InputObject.intact
    }
    # The kind says why the snapshot exists (export, compare-live,
    # undo-point, import); an unreadable one (newer format, damaged
    # manifest) comes with the reason instead of its contents.
    $kind = [string]$InputObject.kind
    if ([string]::IsNullOrEmpty($kind)) {
        $kind = 'export'
    }
    $readable = $true
    if ($null -ne $InputObject.readable) {
        $readable = [bool]$InputObject.readable
    }
    if (-not $readable) {
        $intact = $false
    }
    $labels = [string[]]@($InputObject.labels | Where-Object { $null -ne $_ })
    $types = [string[]]@($counts.Keys)
    if ($null -ne $InputObject.types) {
        $types = [string[]]@($InputObject.types)
    }

    [pscustomobject]@{
        PSTypeName    = 'EntraSnapshot.Snapshot'
        SnapshotId    = [string]$snapshotId
        Kind          = $kind
        Labels        = $labels
        TenantId      = [string]$InputObject.tenantId
        CreatedAt     = $createdAt
        CompletedAt   = $completedAt
        Types         = $types
        Counts        = $counts
        Objects       = $objects
        Modes         = $modes
        Requests      = $InputObject.requests
        Throttled     = $InputObject.throttled
        Duration      = $duration
        EngineVersion = $InputObject.engineVersion
        Intact        = $intact
        Readable      = $readable
        Reason        = $InputObject.reason
        Store         = $Store
    }
}
