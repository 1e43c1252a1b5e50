function Get-EntraSnapshotEngine {
    <#
    .SYNOPSIS
    Gets the version and the operations of the EntraSnapshot native engine.

    .DESCRIPTION
    Get-EntraSnapshotEngine asks the native engine that this module loaded
    which version it is, which ABI version it speaks and which operations it
    runs, and tells you which runtime (win-x64, linux-arm64, ...) and which
    library file were loaded. Use it to check an installation, or to put the
    engine version in a change record next to a snapshot.

    .EXAMPLE
    Get-EntraSnapshotEngine

    Version AbiVersion Runtime   Operations
    ------- ---------- -------   ----------
    0.1.0            1 win-x64   engine.info, engine.selftest

    Shows the engine this module loaded.

    .EXAMPLE
    (Get-EntraSnapshotEngine).LibraryPath

    Shows the full path of the native library in use.

    .OUTPUTS
    EntraSnapshot.EngineInfo

    .LINK
    about_EntraSnapshot
    #>
    [CmdletBinding()]
    [OutputType('EntraSnapshot.EngineInfo')]
    param()

    try {
        $info = Invoke-EntraSnapshotJob -Operation 'engine.info'
    }
    catch {
        $PSCmdlet.ThrowTerminatingError($_)
    }

    [pscustomobject]@{
        PSTypeName  = 'EntraSnapshot.EngineInfo'
        Version     = [string]$info.version
        AbiVersion  = [int]$info.abiVersion
        Operations  = [string[]]@($info.operations)
        Runtime     = $script:EntraSnapshotNative.Runtime
        LibraryPath = $script:EntraSnapshotNative.LibraryPath
    }
}
