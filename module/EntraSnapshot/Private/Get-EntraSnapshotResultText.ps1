function Get-EntraSnapshotResultText {
    <#
    .SYNOPSIS
    The native library's text for one of its result codes (entrasnap_result_text).
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)]
        [uint32]
        $Code
    )

    ConvertFrom-EntraSnapshotNativeString -Pointer ($script:EntraSnapshotNative.Type::entrasnap_result_text($Code))
}
