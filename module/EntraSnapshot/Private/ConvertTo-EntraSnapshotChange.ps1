function ConvertTo-EntraSnapshotChange {
    <#
    .SYNOPSIS
    Types the engine's module-shaped change records as EntraSnapshot.Change objects.

    .DESCRIPTION
    snapshot.compare with records 'module' hands over each change with the
    module's properties already (Severity, ObjectType, ObjectName, ObjectId,
    Kind, PreviousId, Reason, Attributes, Links, Restorable, ChangedBy,
    Attribution, FromSnapshotId, ToSnapshotId, Live, Store), so a change
    pipes into Restore-EntraObject (ObjectId and ObjectType bind to -Id and
    -Type, Store to -Store). This only adds the type names their views and
    one-line forms hang on (EntraSnapshot.AttributeChange,
    EntraSnapshot.LinkChange, EntraSnapshot.NamedId) and turns each
    attribute's Names pairs into an id -> name dictionary.

    Building the objects in script cost more than the comparison itself on
    a large tenant (5,000 changes: seconds); pstypenames is used because
    the PSObject member is about twenty times slower to reach.
    #>
    [CmdletBinding()]
    [OutputType('EntraSnapshot.Change')]
    param(
        [Parameter(Mandatory)]
        [AllowEmptyCollection()]
        [System.Collections.Generic.List[object]]
        $Record
    )

    foreach ($change in $Record) {
        if ($null -eq $change) {
            continue
        }
        foreach ($attribute in $change.Attributes) {
            if ($null -eq $attribute) {
                continue
            }
            $names = [ordered]@{}
            foreach ($pair in $attribute.Names) {
                if ($null -ne $pair) {
                    $names[[string]$pair.Id] = [string]$pair.Name
                }
            }
            $attribute.Names = $names
            $attribute.pstypenames.Insert(0, 'EntraSnapshot.AttributeChange')
        }
        foreach ($link in $change.Links) {
            if ($null -eq $link) {
                continue
            }
            foreach ($member in @($link.Added) + @($link.Removed)) {
                if ($null -ne $member) {
                    $member.pstypenames.Insert(0, 'EntraSnapshot.NamedId')
                }
            }
            $link.pstypenames.Insert(0, 'EntraSnapshot.LinkChange')
        }
        $change.ChangedBy = [string[]]@($change.ChangedBy)
        $change.pstypenames.Insert(0, 'EntraSnapshot.Change')
        $change
    }
}
