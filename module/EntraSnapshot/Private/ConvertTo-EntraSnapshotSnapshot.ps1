function ConvertTo-EntraSnapshotSnapshot {
    <#
    .SYNOPSIS
    Turns an engine snapshot summary or export report into an EntraSnapshot.Snapshot object.

    .DESCRIPTION
    snapshot.list answers summaries (id, createdAt, types, counts, intact);
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
    $types = [string[]]@($counts.Keys)
    if ($null -ne $InputObject.types) {
        $types = [string[]]@($InputObject.types)
    }

    [pscustomobject]@{
        PSTypeName    = 'EntraSnapshot.Snapshot'
        SnapshotId    = [string]$snapshotId
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
        Store         = $Store
    }
}
