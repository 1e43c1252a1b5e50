function Get-EntraSnapshotUniqueName {
    <#
    .SYNOPSIS
    The names given, each once, compared without regard to case, in the order first seen.

    .DESCRIPTION
    Type names, attribute names, ids and user principal names are all
    case-insensitive to Graph and the engine, but Select-Object -Unique
    compares case-sensitively on every edition: -Type User, user would
    keep both. The first spelling of each name is kept.
    #>
    [CmdletBinding()]
    [OutputType([string[]])]
    param(
        [AllowNull()]
        [AllowEmptyCollection()]
        [string[]]
        $Name
    )

    $seen = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::OrdinalIgnoreCase)
    $unique = [System.Collections.Generic.List[string]]::new()
    foreach ($value in $Name) {
        if ($seen.Add($value)) {
            $unique.Add($value)
        }
    }
    , [string[]]$unique.ToArray()
}
