function Import-EntraSnapshotNative {
    <#
    .SYNOPSIS
    Loads the entrasnap native library for this platform and checks its ABI version.

    .DESCRIPTION
    Compiles the P/Invoke declarations (EntraSnapshot.Native.NativeMethods)
    with Add-Type, pointing DllImport at the library's full path in
    runtimes/<rid>/native/, which works on .NET Framework and .NET alike.
    The declarations mirror include/entrasnap.h; a cargo test
    (tests/module_native_decls.rs) keeps them in step. An Add-Type type
    can't be unloaded, so a session that already holds the declarations for
    another copy of the library is refused rather than silently reused.
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory)]
        [string]
        $ModuleRoot
    )

    $runtime = Resolve-EntraSnapshotRuntime
    if ($runtime -like 'win-*') {
        $fileName = 'entrasnap.dll'
    }
    elseif ($runtime -like 'osx-*') {
        $fileName = 'libentrasnap.dylib'
    }
    else {
        $fileName = 'libentrasnap.so'
    }
    $nativeDirectory = Join-Path -Path (Join-Path -Path $ModuleRoot -ChildPath 'runtimes') -ChildPath "$runtime/native"
    $libraryPath = [System.IO.Path]::GetFullPath((Join-Path -Path $nativeDirectory -ChildPath $fileName))

    if (-not (Test-Path -LiteralPath $libraryPath -PathType Leaf)) {
        $message = "The EntraSnapshot native library for $runtime is missing: '$libraryPath' does not exist. Build it with ./build.ps1 from the repository root, or install a release of the module that includes $runtime."
        $PSCmdlet.ThrowTerminatingError((New-EntraSnapshotErrorRecord -Message $message -ErrorId 'EntraSnapshot.NativeLibraryNotFound' -Category ObjectNotFound -TargetObject $libraryPath -ExceptionType ([System.IO.FileNotFoundException])))
    }

    $nativeType = 'EntraSnapshot.Native.NativeMethods' -as [type]
    if ($null -eq $nativeType) {
        $source = $script:NativeMethodsSource.Replace('__ENTRASNAP_LIBRARY_PATH__', $libraryPath.Replace('"', '""'))
        Add-Type -TypeDefinition $source -Language CSharp
        $nativeType = 'EntraSnapshot.Native.NativeMethods' -as [type]
    }
    elseif ($nativeType::LibraryPath -ne $libraryPath) {
        $message = "This PowerShell session already loaded the EntraSnapshot native library from '$($nativeType::LibraryPath)'; a loaded library can't be replaced. Start a new PowerShell session to use '$libraryPath'."
        $PSCmdlet.ThrowTerminatingError((New-EntraSnapshotErrorRecord -Message $message -ErrorId 'EntraSnapshot.NativeLibraryConflict' -Category ResourceExists -TargetObject $libraryPath))
    }

    try {
        $abiVersion = $nativeType::entrasnap_abi_version()
        $version = $nativeType::ReadUtf8($nativeType::entrasnap_version())
    }
    catch {
        $message = "The EntraSnapshot native library '$libraryPath' could not be loaded: $($_.Exception.GetBaseException().Message)"
        $PSCmdlet.ThrowTerminatingError((New-EntraSnapshotErrorRecord -Message $message -ErrorId 'EntraSnapshot.NativeLibraryLoadFailed' -Category ResourceUnavailable -TargetObject $libraryPath))
    }

    if ($abiVersion -ne $nativeType::AbiVersion) {
        $message = "The EntraSnapshot native library '$libraryPath' (version $version) has ABI version $abiVersion, but this module needs ABI version $($nativeType::AbiVersion). Reinstall the module, or rebuild the library with ./build.ps1."
        $PSCmdlet.ThrowTerminatingError((New-EntraSnapshotErrorRecord -Message $message -ErrorId 'EntraSnapshot.NativeAbiMismatch' -Category InvalidResult -TargetObject $libraryPath))
    }

    [pscustomobject]@{
        Runtime     = $runtime
        LibraryPath = $libraryPath
        Version     = $version
        AbiVersion  = $abiVersion
    }
}

# C# 5 (what Windows PowerShell 5.1 compiles): no string interpolation, no
# expression-bodied members. Strings and handles cross as IntPtr; the helpers
# below do the UTF-8 work (.NET Framework has no PtrToStringUTF8) and hand
# every string the library returns back to entrasnap_string_free.
$script:NativeMethodsSource = @'
using System;
using System.Runtime.InteropServices;
using System.Text;

namespace EntraSnapshot.Native
{
    public static class NativeMethods
    {
        public const uint AbiVersion = 1;
        public const string LibraryPath = @"__ENTRASNAP_LIBRARY_PATH__";

        [DllImport(LibraryPath, CallingConvention = CallingConvention.Cdecl)]
        public static extern uint entrasnap_abi_version();

        [DllImport(LibraryPath, CallingConvention = CallingConvention.Cdecl)]
        public static extern IntPtr entrasnap_version();

        [DllImport(LibraryPath, CallingConvention = CallingConvention.Cdecl)]
        public static extern IntPtr entrasnap_result_text(uint result);

        [DllImport(LibraryPath, CallingConvention = CallingConvention.Cdecl)]
        public static extern void entrasnap_string_free(IntPtr text);

        [DllImport(LibraryPath, CallingConvention = CallingConvention.Cdecl)]
        public static extern uint entrasnap_job_start(IntPtr requestJson, out IntPtr job);

        [DllImport(LibraryPath, CallingConvention = CallingConvention.Cdecl)]
        public static extern uint entrasnap_job_poll(IntPtr job, uint timeoutMs, out IntPtr eventsJson);

        [DllImport(LibraryPath, CallingConvention = CallingConvention.Cdecl)]
        public static extern uint entrasnap_job_cancel(IntPtr job);

        [DllImport(LibraryPath, CallingConvention = CallingConvention.Cdecl)]
        public static extern uint entrasnap_job_result(IntPtr job, out IntPtr resultJson);

        [DllImport(LibraryPath, CallingConvention = CallingConvention.Cdecl)]
        public static extern uint entrasnap_job_provide_token(IntPtr job, IntPtr tokenUtf8);

        [DllImport(LibraryPath, CallingConvention = CallingConvention.Cdecl)]
        public static extern void entrasnap_job_free(IntPtr job);

        public static string ReadUtf8(IntPtr text)
        {
            if (text == IntPtr.Zero)
            {
                return null;
            }
            int length = 0;
            while (Marshal.ReadByte(text, length) != 0)
            {
                length++;
            }
            byte[] bytes = new byte[length];
            Marshal.Copy(text, bytes, 0, length);
            return Encoding.UTF8.GetString(bytes);
        }

        public static string TakeUtf8(IntPtr text)
        {
            try
            {
                return ReadUtf8(text);
            }
            finally
            {
                entrasnap_string_free(text);
            }
        }

        public static string ResultText(uint result)
        {
            return ReadUtf8(entrasnap_result_text(result));
        }

        // A NUL-terminated UTF-8 copy of text, freed with FreeUtf8.
        private static IntPtr AllocUtf8(string text)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(text);
            IntPtr copy = Marshal.AllocHGlobal(bytes.Length + 1);
            Marshal.Copy(bytes, 0, copy, bytes.Length);
            Marshal.WriteByte(copy, bytes.Length, 0);
            return copy;
        }

        // Zeroes the copy first: it may hold a token.
        private static void FreeUtf8(IntPtr copy, int length)
        {
            for (int i = 0; i < length; i++)
            {
                Marshal.WriteByte(copy, i, 0);
            }
            Marshal.FreeHGlobal(copy);
        }

        public static uint StartJob(string requestJson, out IntPtr job)
        {
            IntPtr request = AllocUtf8(requestJson);
            try
            {
                return entrasnap_job_start(request, out job);
            }
            finally
            {
                FreeUtf8(request, Encoding.UTF8.GetByteCount(requestJson));
            }
        }

        // Hands a job a fresh token after its {"kind":"tokenRequest"} event.
        public static uint ProvideToken(IntPtr job, string token)
        {
            IntPtr copy = AllocUtf8(token);
            try
            {
                return entrasnap_job_provide_token(job, copy);
            }
            finally
            {
                FreeUtf8(copy, Encoding.UTF8.GetByteCount(token));
            }
        }

        public static uint PollJob(IntPtr job, uint timeoutMs, out string eventsJson)
        {
            IntPtr events;
            uint result = entrasnap_job_poll(job, timeoutMs, out events);
            eventsJson = result == 0 ? TakeUtf8(events) : null;
            return result;
        }

        public static uint JobResult(IntPtr job, out string resultJson)
        {
            IntPtr outcome;
            uint result = entrasnap_job_result(job, out outcome);
            resultJson = result == 0 ? TakeUtf8(outcome) : null;
            return result;
        }
    }
}
'@
