function Import-EntraSnapshotNative {
    <#
    .SYNOPSIS
    Loads the entrasnap native library for this platform and checks its ABI version.

    .DESCRIPTION
    Declares the library's functions (EntraSnapshot.Native.NativeMethods)
    with Reflection.Emit, DllImport pointing at the library's full path in
    runtimes/<rid>/native/, which works on .NET Framework and .NET alike.
    Nothing is compiled: Add-Type would run Roslyn (about a second) or, on
    Windows PowerShell 5.1, csc.exe in a subprocess, which Azure Automation's
    sandbox, WDAC and Constrained Language Mode refuse. The declarations are
    the text in $script:EntraSnapshotNativeSignatures, which a cargo test
    (tests/module_native_decls.rs) keeps in step with include/entrasnap.h.
    A declared type can't be unloaded, so it is kept in the AppDomain for
    later imports (Automation runs several jobs in one process); a session
    that already holds the declarations for another copy of the library is
    refused rather than silently reused.
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory)]
        [string]
        $ModuleRoot
    )

    $runtime = Resolve-EntraSnapshotRuntime
    $fileName = Get-EntraSnapshotLibraryName -Runtime $runtime
    # .NET, not Join-Path and Test-Path: see EntraSnapshot.psm1 on import cost.
    $libraryPath = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($ModuleRoot, 'runtimes', $runtime, 'native', $fileName))

    if (-not [System.IO.File]::Exists($libraryPath)) {
        $message = "The EntraSnapshot native library for $runtime is missing: '$libraryPath' does not exist. Build it with ./build.ps1 from the repository root, or install a release of the module that includes $runtime."
        $PSCmdlet.ThrowTerminatingError((New-EntraSnapshotErrorRecord -Message $message -ErrorId 'EntraSnapshot.NativeLibraryNotFound' -Category ObjectNotFound -TargetObject $libraryPath -ExceptionType ([System.IO.FileNotFoundException])))
    }

    $slot = 'EntraSnapshot.Native.NativeMethods'
    $nativeType = [System.AppDomain]::CurrentDomain.GetData($slot)
    if ($null -eq $nativeType) {
        $nativeType = New-EntraSnapshotNativeType -LibraryPath $libraryPath -Signatures $script:EntraSnapshotNativeSignatures
        [System.AppDomain]::CurrentDomain.SetData($slot, $nativeType)
    }
    elseif ($nativeType::LibraryPath -ne $libraryPath) {
        $message = "This PowerShell session already loaded the EntraSnapshot native library from '$($nativeType::LibraryPath)'; a loaded library can't be replaced. Start a new PowerShell session to use '$libraryPath'."
        $PSCmdlet.ThrowTerminatingError((New-EntraSnapshotErrorRecord -Message $message -ErrorId 'EntraSnapshot.NativeLibraryConflict' -Category ResourceExists -TargetObject $libraryPath))
    }

    try {
        $abiVersion = $nativeType::entrasnap_abi_version()
        $version = ConvertFrom-EntraSnapshotNativeString -Pointer ($nativeType::entrasnap_version()) -NativeType $nativeType
    }
    catch {
        $message = "The EntraSnapshot native library '$libraryPath' could not be loaded: $($_.Exception.GetBaseException().Message)"
        $PSCmdlet.ThrowTerminatingError((New-EntraSnapshotErrorRecord -Message $message -ErrorId 'EntraSnapshot.NativeLibraryLoadFailed' -Category ResourceUnavailable -TargetObject $libraryPath))
    }

    if ($abiVersion -ne $script:EntraSnapshotAbiVersion) {
        $message = "The EntraSnapshot native library '$libraryPath' (version $version) has ABI version $abiVersion, but this module needs ABI version $($script:EntraSnapshotAbiVersion). Reinstall the module, or rebuild the library with ./build.ps1."
        $PSCmdlet.ThrowTerminatingError((New-EntraSnapshotErrorRecord -Message $message -ErrorId 'EntraSnapshot.NativeAbiMismatch' -Category InvalidResult -TargetObject $libraryPath))
    }

    [pscustomobject]@{
        Runtime     = $runtime
        LibraryPath = $libraryPath
        Version     = $version
        AbiVersion  = $abiVersion
        Type        = $nativeType
    }
}

# The ABI version this module speaks (ENTRASNAP_ABI_VERSION in the header).
$script:EntraSnapshotAbiVersion = 1

# The library's functions, one a line, as include/entrasnap.h declares them
# (all cdecl): pointers are IntPtr, a pointer to a pointer is `out IntPtr`.
# Strings cross as IntPtr to UTF-8 bytes (CharSet.Ansi would use the ANSI
# code page on Windows).
$script:EntraSnapshotNativeSignatures = @'
uint entrasnap_abi_version()
IntPtr entrasnap_version()
IntPtr entrasnap_result_text(uint result)
void entrasnap_string_free(IntPtr text)
uint entrasnap_job_start(IntPtr requestJson, out IntPtr job)
uint entrasnap_job_poll(IntPtr job, uint timeoutMs, out IntPtr eventsJson)
uint entrasnap_job_cancel(IntPtr job)
uint entrasnap_job_result(IntPtr job, out IntPtr resultJson)
uint entrasnap_job_provide_token(IntPtr job, IntPtr tokenUtf8)
void entrasnap_job_free(IntPtr job)
'@
