function New-EntraSnapshotNativeString {
    <#
    .SYNOPSIS
    A NUL-terminated UTF-8 copy of a string in unmanaged memory, for the native library to read.

    .DESCRIPTION
    Returns the pointer and the byte count; Remove-EntraSnapshotNativeString
    zeroes and frees it (the copy may hold a token).
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory)]
        [AllowEmptyString()]
        [string]
        $Text
    )

    $bytes = [System.Text.Encoding]::UTF8.GetBytes($Text)
    $pointer = [System.Runtime.InteropServices.Marshal]::AllocHGlobal($bytes.Length + 1)
    [System.Runtime.InteropServices.Marshal]::Copy($bytes, 0, $pointer, $bytes.Length)
    [System.Runtime.InteropServices.Marshal]::WriteByte($pointer, $bytes.Length, 0)
    [System.Array]::Clear($bytes, 0, $bytes.Length)
    [pscustomobject]@{
        Pointer = $pointer
        Length  = $bytes.Length + 1
    }
}
