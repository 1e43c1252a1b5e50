function ConvertFrom-EntraSnapshotNativeString {
    <#
    .SYNOPSIS
    Reads a NUL-terminated UTF-8 string the native library returned, and frees it with -Free.

    .DESCRIPTION
    .NET has Marshal.PtrToStringUTF8; .NET Framework (Windows PowerShell
    5.1) does not, so there the length comes from kernel32's lstrlenA
    (declared with the library's functions) and the bytes are decoded as
    UTF-8. Strings the library allocated go back to entrasnap_string_free;
    static ones (entrasnap_version, entrasnap_result_text) must not.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)]
        [IntPtr]
        $Pointer,

        [switch]
        $Free,

        # The declared type; the module's, once it is loaded.
        [type]
        $NativeType = $script:EntraSnapshotNative.Type
    )

    if ($Pointer -eq [IntPtr]::Zero) {
        return $null
    }
    $native = $NativeType
    try {
        if ($PSVersionTable.PSEdition -eq 'Core') {
            return [System.Runtime.InteropServices.Marshal]::PtrToStringUTF8($Pointer)
        }
        $length = $native::lstrlenA($Pointer)
        $bytes = [byte[]]::new($length)
        [System.Runtime.InteropServices.Marshal]::Copy($Pointer, $bytes, 0, $length)
        return [System.Text.Encoding]::UTF8.GetString($bytes)
    }
    finally {
        if ($Free) {
            $native::entrasnap_string_free($Pointer)
        }
    }
}
