function Remove-EntraSnapshotNativeString {
    <#
    .SYNOPSIS
    Zeroes and frees a copy made by New-EntraSnapshotNativeString.
    #>
    [CmdletBinding()]
    [OutputType([void])]
    param(
        [Parameter(Mandatory)]
        [AllowNull()]
        [object]
        $Copy
    )

    if ($null -eq $Copy -or $Copy.Pointer -eq [IntPtr]::Zero) {
        return
    }
    $zeros = [byte[]]::new($Copy.Length)
    [System.Runtime.InteropServices.Marshal]::Copy($zeros, 0, $Copy.Pointer, $Copy.Length)
    [System.Runtime.InteropServices.Marshal]::FreeHGlobal($Copy.Pointer)
}
