function ConvertTo-EntraSnapshotEnumName {
    <#
    .SYNOPSIS
    Turns an engine enum value (camelCase, like critical or restoreDeleted) into the PascalCase PowerShell shows (Critical, RestoreDeleted).

    .DESCRIPTION
    The engine's records use camelCase values; PowerShell output reads
    better, and matches the module's ValidateSet values, in PascalCase.
    Comparisons stay case-insensitive either way.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [AllowNull()]
        [AllowEmptyString()]
        [string]
        $Value
    )

    if ([string]::IsNullOrEmpty($Value)) {
        return $null
    }
    $Value.Substring(0, 1).ToUpperInvariant() + $Value.Substring(1)
}
