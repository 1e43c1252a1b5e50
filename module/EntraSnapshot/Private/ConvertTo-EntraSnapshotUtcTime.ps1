function ConvertTo-EntraSnapshotUtcTime {
    <#
    .SYNOPSIS
    Turns an engine timestamp (RFC 3339, UTC, up to nanoseconds) into a UTC DateTime.

    .DESCRIPTION
    PowerShell 7's ConvertFrom-Json may already have made a DateTime of it;
    Windows PowerShell 5.1 leaves the string. .NET parses at most seven
    fractional digits, so the engine's nanoseconds are cut to ticks first.
    #>
    [CmdletBinding()]
    [OutputType([datetime])]
    param(
        [AllowNull()]
        [object]
        $Value
    )

    if ($null -eq $Value) {
        return $null
    }
    if ($Value -is [datetime]) {
        return $Value.ToUniversalTime()
    }
    if ($Value -is [System.DateTimeOffset]) {
        return $Value.UtcDateTime
    }
    $text = [regex]::Replace([string]$Value, '(\.\d{7})\d+', '$1')
    [System.DateTimeOffset]::Parse($text, [System.Globalization.CultureInfo]::InvariantCulture).UtcDateTime
}
