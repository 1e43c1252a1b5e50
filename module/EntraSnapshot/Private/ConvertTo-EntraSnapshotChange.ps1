function ConvertTo-EntraSnapshotChange {
    <#
    .SYNOPSIS
    Turns one change record of a snapshot.compare report into an EntraSnapshot.Change object.

    .DESCRIPTION
    The engine's change record (objectType, objectId, objectName, kind,
    attributes, links, severity, reason, restorable, attribution) becomes an object with
    PascalCase properties, plus the snapshots compared and the store, so a
    change pipes into Restore-EntraObject (its ObjectId and ObjectType bind
    to -Id and -Type, its Store to -Store). Attributes and Links are
    EntraSnapshot.AttributeChange and EntraSnapshot.LinkChange objects
    (ConvertTo-EntraSnapshotAttributeChange).
    #>
    [CmdletBinding()]
    [OutputType('EntraSnapshot.Change')]
    param(
        [Parameter(Mandatory)]
        [object]
        $InputObject,

        [Parameter(Mandatory)]
        [object]
        $Report,

        [Parameter(Mandatory)]
        [string]
        $Store
    )

    # kind is {"type": "modified"} or {"type": "recreated", "previousId": ...}.
    $kind = $InputObject.kind
    $previousId = $null
    if ($kind -isnot [string] -and $null -ne $kind) {
        $previousId = $kind.previousId
        $kind = $kind.type
    }
    $restorable = $null
    if ($null -ne $InputObject.restorable) {
        $restorable = [bool]$InputObject.restorable
    }
    # Who made it, from the audit log: one label per actor (UPN, or app name and id).
    $attribution = $InputObject.attribution
    $changedBy = Get-EntraSnapshotActorLabel -Attribution $attribution

    [pscustomobject]@{
        PSTypeName     = 'EntraSnapshot.Change'
        Severity       = ConvertTo-EntraSnapshotEnumName -Value $InputObject.severity
        ObjectType     = [string]$InputObject.objectType
        ObjectName     = [string]$InputObject.objectName
        ObjectId       = [string]$InputObject.objectId
        Kind           = ConvertTo-EntraSnapshotEnumName -Value $kind
        PreviousId     = $previousId
        Reason         = [string]$InputObject.reason
        Attributes     = @(ConvertTo-EntraSnapshotAttributeChange -Attribute $InputObject.attributes)
        Links          = @(ConvertTo-EntraSnapshotAttributeChange -Link $InputObject.links)
        Restorable     = $restorable
        ChangedBy      = [string[]]$changedBy
        Attribution    = $attribution
        FromSnapshotId = [string]$Report.from
        ToSnapshotId   = [string]$Report.to
        Live           = [bool]$Report.live
        Store          = $Store
    }
}
