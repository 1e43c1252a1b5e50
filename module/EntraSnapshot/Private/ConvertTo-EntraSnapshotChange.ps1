function ConvertTo-EntraSnapshotChange {
    <#
    .SYNOPSIS
    Turns the change records of a snapshot.compare report into EntraSnapshot.Change objects.

    .DESCRIPTION
    Each engine change record (objectType, objectId, objectName, kind,
    attributes, links, severity, reason, restorable, attribution) becomes an
    object with PascalCase properties, plus the snapshots compared and the
    store, so a change pipes into Restore-EntraObject (its ObjectId and
    ObjectType bind to -Id and -Type, its Store to -Store). Attributes and
    Links are EntraSnapshot.AttributeChange and EntraSnapshot.LinkChange
    objects (ConvertTo-EntraSnapshotAttributeChange).

    One call converts the whole report, in the engine's order: a function
    call per change, with its parameter binding, cost seconds on a compare
    of 5,000 changes.
    #>
    [CmdletBinding()]
    [OutputType('EntraSnapshot.Change')]
    param(
        [Parameter(Mandatory)]
        [object]
        $Report,

        [Parameter(Mandatory)]
        [string]
        $Store
    )

    $fromId = [string]$Report.from
    $toId = [string]$Report.to
    $live = [bool]$Report.live
    foreach ($record in $Report.changes) {
        if ($null -eq $record) {
            continue
        }
        # kind is {"type": "modified"} or {"type": "recreated", "previousId": ...}.
        $kind = $record.kind
        $previousId = $null
        if ($kind -isnot [string] -and $null -ne $kind) {
            $previousId = $kind.previousId
            $kind = $kind.type
        }
        $restorable = $null
        if ($null -ne $record.restorable) {
            $restorable = [bool]$record.restorable
        }
        # Who made it, from the audit log: one label per actor (UPN, or app name and id).
        $attribution = $record.attribution
        $changedBy = [string[]]@()
        if ($null -ne $attribution) {
            $changedBy = Get-EntraSnapshotActorLabel -Attribution $attribution
        }
        $attributes = @()
        if ($record.attributes.Count -gt 0) {
            $attributes = @(ConvertTo-EntraSnapshotAttributeChange -Attribute $record.attributes)
        }
        $links = @()
        if ($record.links.Count -gt 0) {
            $links = @(ConvertTo-EntraSnapshotAttributeChange -Link $record.links)
        }

        [pscustomobject]@{
            PSTypeName     = 'EntraSnapshot.Change'
            Severity       = ConvertTo-EntraSnapshotEnumName -Value $record.severity
            ObjectType     = [string]$record.objectType
            ObjectName     = [string]$record.objectName
            ObjectId       = [string]$record.objectId
            Kind           = ConvertTo-EntraSnapshotEnumName -Value $kind
            PreviousId     = $previousId
            Reason         = [string]$record.reason
            Attributes     = $attributes
            Links          = $links
            Restorable     = $restorable
            ChangedBy      = [string[]]$changedBy
            Attribution    = $attribution
            FromSnapshotId = $fromId
            ToSnapshotId   = $toId
            Live           = $live
            Store          = $Store
        }
    }
}
