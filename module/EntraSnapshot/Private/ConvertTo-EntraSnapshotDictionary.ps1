function ConvertTo-EntraSnapshotDictionary {
    <#
    .SYNOPSIS
    Turns a JSON object (a PSCustomObject from ConvertFrom-Json) into an ordered dictionary.

    .DESCRIPTION
    Windows PowerShell 5.1 has no ConvertFrom-Json -AsHashtable; per-type
    counts and modes read better as a dictionary ($snapshot.Counts.user).
    #>
    [CmdletBinding()]
    [OutputType([System.Collections.Specialized.OrderedDictionary])]
    param(
        [AllowNull()]
        [object]
        $InputObject
    )

    $dictionary = [ordered]@{}
    if ($null -ne $InputObject) {
        foreach ($property in $InputObject.PSObject.Properties) {
            $dictionary[$property.Name] = $property.Value
        }
    }
    # The comma keeps PowerShell from enumerating the dictionary into entries.
    , $dictionary
}
