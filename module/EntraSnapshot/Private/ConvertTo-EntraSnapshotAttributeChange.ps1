function ConvertTo-EntraSnapshotAttributeChange {
    <#
    .SYNOPSIS
    Turns the engine's attribute and link records of one change into EntraSnapshot.AttributeChange and EntraSnapshot.LinkChange objects.

    .DESCRIPTION
    An attribute record is one property that changed: Path (a dot path;
    an element of a keyed set shows as ipRanges[10.0.0.0/8]), Old and New
    for a scalar or an ordered array, Added and Removed for the members of
    a set, and Names (id -> display name for every id in those values). A
    link record is members, owners or a manager added or removed: Link,
    and Added and Removed as objects with Id and Name.

    Both types print as one line (their ToString, from
    EntraSnapshot.Types.ps1xml): department: Operations -> Corrupted By Sync.
    One call converts all of a change's records, because a function call
    per record would cost more than the record itself on a large compare.
    #>
    [CmdletBinding()]
    [OutputType('EntraSnapshot.AttributeChange', 'EntraSnapshot.LinkChange')]
    param(
        [AllowNull()]
        [object[]]
        $Attribute,

        [AllowNull()]
        [object[]]
        $Link
    )

    foreach ($record in $Attribute) {
        if ($null -eq $record) {
            continue
        }
        $names = [ordered]@{}
        if ($null -ne $record.names) {
            foreach ($property in $record.names.PSObject.Properties) {
                $names[$property.Name] = [string]$property.Value
            }
        }
        [pscustomobject]@{
            PSTypeName = 'EntraSnapshot.AttributeChange'
            Path       = [string]$record.path
            Old        = $record.old
            New        = $record.new
            Added      = @(foreach ($value in $record.added) { if ($null -ne $value) { $value } })
            Removed    = @(foreach ($value in $record.removed) { if ($null -ne $value) { $value } })
            Names      = $names
        }
    }
    foreach ($record in $Link) {
        if ($null -eq $record) {
            continue
        }
        [pscustomobject]@{
            PSTypeName = 'EntraSnapshot.LinkChange'
            Link       = [string]$record.link
            Added      = @(foreach ($member in $record.added) { if ($null -ne $member) { [pscustomobject]@{ PSTypeName = 'EntraSnapshot.NamedId'; Id = [string]$member.id; Name = [string]$member.name } } })
            Removed    = @(foreach ($member in $record.removed) { if ($null -ne $member) { [pscustomobject]@{ PSTypeName = 'EntraSnapshot.NamedId'; Id = [string]$member.id; Name = [string]$member.name } } })
        }
    }
}
