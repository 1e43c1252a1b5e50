function Resolve-EntraSnapshotRuntime {
    <#
    .SYNOPSIS
    The runtime id (win-x64, linux-arm64, ...) of the native library this PowerShell process needs.

    .DESCRIPTION
    Windows PowerShell 5.1 runs only on Windows and has no $IsWindows; the
    RuntimeInformation class is missing from .NET Framework before 4.7.1, so
    there the process architecture comes from PROCESSOR_ARCHITECTURE (which is
    x86 in 32-bit PowerShell on 64-bit Windows).
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param()

    $supported = 'win-x64, win-arm64, linux-x64, linux-arm64, osx-x64, osx-arm64'

    if ($PSVersionTable.PSEdition -eq 'Core') {
        if ($IsWindows) {
            $os = 'win'
        }
        elseif ($IsLinux) {
            $os = 'linux'
        }
        elseif ($IsMacOS) {
            $os = 'osx'
        }
        else {
            $os = [System.Runtime.InteropServices.RuntimeInformation]::OSDescription
        }
        $architecture = [string][System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture
    }
    else {
        $os = 'win'
        $architecture = $env:PROCESSOR_ARCHITECTURE
    }

    switch ($architecture) {
        'AMD64' {
            $cpu = 'x64'
        }
        'X64' {
            $cpu = 'x64'
        }
        'ARM64' {
            $cpu = 'arm64'
        }
        default {
            $cpu = $null
        }
    }

    if ($os -notin @('win', 'linux', 'osx')) {
        $message = "EntraSnapshot has no native library for the operating system '$os'. Supported runtimes: $supported."
        $PSCmdlet.ThrowTerminatingError((New-EntraSnapshotErrorRecord -Message $message -ErrorId 'EntraSnapshot.UnsupportedPlatform' -Category NotImplemented -TargetObject $os -ExceptionType ([System.PlatformNotSupportedException])))
    }
    if ($null -eq $cpu) {
        $message = "EntraSnapshot has no native library for a $architecture process on '$os'. Supported runtimes: $supported."
        if ($os -eq 'win' -and $architecture -eq 'x86') {
            $message += ' This is 32-bit PowerShell: start the 64-bit PowerShell instead.'
        }
        $PSCmdlet.ThrowTerminatingError((New-EntraSnapshotErrorRecord -Message $message -ErrorId 'EntraSnapshot.UnsupportedPlatform' -Category NotImplemented -TargetObject $architecture -ExceptionType ([System.PlatformNotSupportedException])))
    }

    "$os-$cpu"
}
