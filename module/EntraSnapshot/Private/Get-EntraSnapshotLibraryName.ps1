function Get-EntraSnapshotLibraryName {
    <#
    .SYNOPSIS
    The file name of the native library for a runtime id: entrasnap.dll, libentrasnap.dylib or libentrasnap.so.

    .DESCRIPTION
    One place for the name cargo gives the library on each platform, used
    by the module's loader, build.ps1 and the measuring script.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)]
        [string]
        $Runtime
    )

    if ($Runtime -like 'win-*') {
        return 'entrasnap.dll'
    }
    if ($Runtime -like 'osx-*') {
        return 'libentrasnap.dylib'
    }
    'libentrasnap.so'
}
