function New-EntraSnapshotNativeType {
    <#
    .SYNOPSIS
    Declares the native library's functions as static P/Invoke methods of a new type, without a compiler.

    .DESCRIPTION
    Reflection.Emit (TypeBuilder.DefinePInvokeMethod) exists on .NET
    Framework 4.5+ and .NET alike and takes tens of milliseconds, where
    Add-Type compiles C#. Each signature line reads
    `<return> <name>(<type> <name>, out <type> <name>, ...)` with the types
    void, uint, int, IntPtr. On Windows PowerShell, which has no
    Marshal.PtrToStringUTF8, kernel32's lstrlenA is declared beside them to
    measure the library's strings.
    #>
    [CmdletBinding()]
    [OutputType([type])]
    param(
        [Parameter(Mandatory)]
        [string]
        $LibraryPath,

        [Parameter(Mandatory)]
        [string]
        $Signatures
    )

    $types = @{
        'void'   = [void]
        'uint'   = [uint32]
        'int'    = [int32]
        'IntPtr' = [IntPtr]
    }
    $assemblyName = [System.Reflection.AssemblyName]::new('EntraSnapshot.Native')
    $assembly = [System.Reflection.Emit.AssemblyBuilder]::DefineDynamicAssembly($assemblyName, [System.Reflection.Emit.AssemblyBuilderAccess]::Run)
    $module = $assembly.DefineDynamicModule('EntraSnapshot.Native')
    $builder = $module.DefineType('EntraSnapshot.Native.NativeMethods', [System.Reflection.TypeAttributes]'Public, Abstract, Sealed, Class')
    $field = $builder.DefineField('LibraryPath', [string], [System.Reflection.FieldAttributes]'Public, Static, Literal')
    $field.SetConstant($LibraryPath)

    $declarations = @(
        foreach ($line in ($Signatures -split "`r?`n")) {
            if ($line.Trim()) {
                @{ Line = $line.Trim(); Library = $LibraryPath; Convention = [System.Runtime.InteropServices.CallingConvention]::Cdecl }
            }
        }
    )
    if ($PSVersionTable.PSEdition -ne 'Core') {
        $declarations += @{ Line = 'int lstrlenA(IntPtr text)'; Library = 'kernel32.dll'; Convention = [System.Runtime.InteropServices.CallingConvention]::Winapi }
    }

    foreach ($declaration in $declarations) {
        $match = [regex]::Match($declaration.Line, '^(\w+)\s+(\w+)\((.*)\)$')
        if (-not $match.Success) {
            throw "EntraSnapshot: the native signature '$($declaration.Line)' is not '<return> <name>(<parameters>)'."
        }
        $parameterTypes = [System.Collections.Generic.List[type]]::new()
        $outPositions = [System.Collections.Generic.List[int]]::new()
        $parameterText = $match.Groups[3].Value.Trim()
        if ($parameterText) {
            foreach ($parameter in ($parameterText -split ',')) {
                $words = @($parameter.Trim() -split '\s+')
                if ($words[0] -eq 'out') {
                    $outPositions.Add($parameterTypes.Count + 1)
                    $parameterTypes.Add($types[$words[1]].MakeByRefType())
                }
                else {
                    $parameterTypes.Add($types[$words[0]])
                }
            }
        }
        $method = $builder.DefinePInvokeMethod(
            $match.Groups[2].Value,
            $declaration.Library,
            [System.Reflection.MethodAttributes]'Public, Static, PinvokeImpl, HideBySig',
            [System.Reflection.CallingConventions]::Standard,
            $types[$match.Groups[1].Value],
            $parameterTypes.ToArray(),
            $declaration.Convention,
            [System.Runtime.InteropServices.CharSet]::Ansi)
        $method.SetImplementationFlags([System.Reflection.MethodImplAttributes]::PreserveSig)
        foreach ($position in $outPositions) {
            $null = $method.DefineParameter($position, [System.Reflection.ParameterAttributes]::Out, "out$position")
        }
    }

    $builder.CreateType()
}
