<#
.SYNOPSIS
Packages the EntraSnapshot module as a release: one merged psm1, the
manifest, formats, help and native libraries, and a zip Azure Automation
imports.

.DESCRIPTION
Dot-source this file to get two functions; build.ps1 -Package and
Pester/Package.Tests.ps1 use them.

New-EntraSnapshotPackage writes <OutputPath>/EntraSnapshot/ (the folder
Publish-PSResource takes) and <OutputPath>/EntraSnapshot.zip (the file Azure
Automation imports), then checks the zip with Test-EntraSnapshotPackageZip.

Test-EntraSnapshotPackageZip checks Azure Automation's rules for a module
zip ("Manage modules in Azure Automation", "Azure Automation limits and
quotas") and stops at the first one broken, naming it in a one-line error.
Works under Windows PowerShell 5.1 and PowerShell 7.
#>

# Azure Automation's rules for a module zip, by the error id that names each.
$script:EntraSnapshotPackageRules = [ordered]@{
    'ZipName'    = 'the zip is named after the module folder at its root (<module>.zip holds <module>/)'
    'Size'       = 'the zip is at most 100 MB'
    'TopFolder'  = 'nothing sits outside the one module folder'
    'Manifest'   = 'the module folder holds <module>.psd1'
    'Separator'  = 'entry paths use / separators'
    'PathLength' = 'every path is shorter than 140 characters'
}

function Test-EntraSnapshotPackageZip {
    <#
    .SYNOPSIS
    Checks a module zip against Azure Automation's import rules.

    .DESCRIPTION
    Rules, in the order checked: the file is a .zip of at most 100 MB;
    every entry sits in one top folder; that folder is named like the zip
    (<module>.zip holds <module>/); it holds <module>.psd1; entry names use
    '/' separators; every path is shorter than 140 characters. The first
    broken rule stops it with a one-line error whose id is
    EntraSnapshot.Package.<Rule> (ZipName, Size, TopFolder, Manifest,
    Separator, PathLength) and whose message quotes the rule. On success it returns
    the module name, the entry count and the size.

    .PARAMETER Path
    The zip to check.

    .EXAMPLE
    Test-EntraSnapshotPackageZip -Path ./out/EntraSnapshot.zip
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory)]
        [string]
        $Path
    )

    $zipPath = (Resolve-Path -LiteralPath $Path -ErrorAction Stop).ProviderPath
    $fileName = [System.IO.Path]::GetFileName($zipPath)
    $moduleName = [System.IO.Path]::GetFileNameWithoutExtension($zipPath)

    $fail = {
        param($rule, $detail)
        $message = "$fileName breaks Azure Automation's rule '$($script:EntraSnapshotPackageRules[$rule])' ($rule): $detail"
        $exception = New-Object -TypeName System.InvalidOperationException -ArgumentList $message
        $record = New-Object -TypeName System.Management.Automation.ErrorRecord -ArgumentList $exception, "EntraSnapshot.Package.$rule", ([System.Management.Automation.ErrorCategory]::InvalidData), $zipPath
        $PSCmdlet.ThrowTerminatingError($record)
    }

    if ([System.IO.Path]::GetExtension($zipPath) -ne '.zip' -or $moduleName -notmatch '^[A-Za-z0-9][A-Za-z0-9._-]*$') {
        & $fail 'ZipName' "'$fileName' is not <module>.zip."
    }

    $size = (Get-Item -LiteralPath $zipPath).Length
    # 100 MB read the stricter way (10^8 bytes, not 100 MiB); written out:
    # the parse check reads no MB suffix.
    if ($size -gt 100000000) {
        & $fail 'Size' "it is $size bytes."
    }

    Add-Type -AssemblyName System.IO.Compression
    Add-Type -AssemblyName System.IO.Compression.FileSystem
    $zip = [System.IO.Compression.ZipFile]::OpenRead($zipPath)
    try {
        $names = @($zip.Entries | ForEach-Object { $_.FullName })
    }
    finally {
        $zip.Dispose()
    }

    $tops = @($names | ForEach-Object { ($_ -split '[\\/]')[0] } | Sort-Object -Unique)
    $loose = @($names | Where-Object { $_ -notmatch '[\\/]' })
    if ($loose.Count -gt 0 -or $tops.Count -ne 1) {
        & $fail 'TopFolder' "it holds $(@($loose + $tops | Sort-Object -Unique) -join ', ') at its root."
    }
    if ($tops[0] -cne $moduleName) {
        & $fail 'ZipName' "it is $fileName but holds $($tops[0])/."
    }
    $manifestEntry = "$moduleName/$moduleName.psd1"
    if (-not ($names | Where-Object { ($_ -replace '\\', '/') -eq $manifestEntry })) {
        & $fail 'Manifest' "there is no $manifestEntry."
    }
    foreach ($name in $names) {
        if ($name.Contains('\')) {
            & $fail 'Separator' "'$name' has a backslash."
        }
    }
    foreach ($name in $names) {
        if ($name.Length -ge 140) {
            & $fail 'PathLength' "'$name' is $($name.Length) characters."
        }
    }

    [pscustomobject]@{
        Path    = $zipPath
        Module  = $moduleName
        Entries = $names.Count
        Bytes   = $size
    }
}

function New-EntraSnapshotPackage {
    <#
    .SYNOPSIS
    Writes the release layout of the module and its Azure Automation zip.

    .DESCRIPTION
    <OutputPath>/EntraSnapshot/ gets one EntraSnapshot.psm1 (UTF-8 with a
    BOM: every Private/*.ps1, then every Public/*.ps1, then the development
    psm1's own body, so nothing is dot-sourced at import), the manifest, the
    Format and Types files that exist, en-US help, and runtimes/<rid>/native/
    with every native library the module folder holds. Then
    <OutputPath>/EntraSnapshot.zip, its base folder included, which must
    pass Test-EntraSnapshotPackageZip. A module folder without any native
    library is an error: the package would not import anywhere.

    .PARAMETER ModuleRoot
    The development module folder (module/EntraSnapshot).

    .PARAMETER OutputPath
    Where the folder and the zip go; an earlier package there is replaced.

    .EXAMPLE
    New-EntraSnapshotPackage -ModuleRoot ./module/EntraSnapshot -OutputPath ./out
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory)]
        [string]
        $ModuleRoot,

        [Parameter(Mandatory)]
        [string]
        $OutputPath
    )

    $ModuleRoot = (Resolve-Path -LiteralPath $ModuleRoot -ErrorAction Stop).ProviderPath
    $moduleName = Split-Path -Path $ModuleRoot -Leaf
    $null = New-Item -Path $OutputPath -ItemType Directory -Force
    $OutputPath = (Resolve-Path -LiteralPath $OutputPath -ErrorAction Stop).ProviderPath
    $packageRoot = Join-Path -Path $OutputPath -ChildPath $moduleName
    $zipPath = Join-Path -Path $OutputPath -ChildPath "$moduleName.zip"

    $libraries = @(
        Get-ChildItem -Path (Join-Path -Path $ModuleRoot -ChildPath 'runtimes') -Directory -ErrorAction SilentlyContinue |
            ForEach-Object { Get-ChildItem -Path (Join-Path -Path $_.FullName -ChildPath 'native') -File -ErrorAction SilentlyContinue }
    )
    if ($libraries.Count -eq 0) {
        Write-Error -Message "No native library in $(Join-Path -Path $ModuleRoot -ChildPath 'runtimes')/<rid>/native/: build one first (./build.ps1 -Package without -NoBuild)." -ErrorId 'EntraSnapshot.Package.NoNativeLibrary' -Category ObjectNotFound -TargetObject $ModuleRoot -ErrorAction Stop
    }

    if (Test-Path -LiteralPath $packageRoot) {
        Remove-Item -LiteralPath $packageRoot -Recurse -Force
    }
    if (Test-Path -LiteralPath $zipPath) {
        Remove-Item -LiteralPath $zipPath -Force
    }
    $null = New-Item -Path $packageRoot -ItemType Directory

    # One psm1: Private first (public functions and the body need them),
    # then Public, then the development psm1, whose dot-sourcing finds no
    # Private/ or Public/ folder next to the merged file.
    $utf8 = New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false
    $parts = New-Object -TypeName System.Collections.Generic.List[string]
    $newline = [string][char]10
    $sources = @(
        Get-ChildItem -Path (Join-Path -Path $ModuleRoot -ChildPath 'Private') -Filter '*.ps1' -File | Sort-Object -Property Name
        Get-ChildItem -Path (Join-Path -Path $ModuleRoot -ChildPath 'Public') -Filter '*.ps1' -File | Sort-Object -Property Name
        Get-Item -LiteralPath (Join-Path -Path $ModuleRoot -ChildPath "$moduleName.psm1")
    )
    foreach ($source in $sources) {
        $relative = $source.FullName.Substring($ModuleRoot.Length).TrimStart('\', '/').Replace('\', '/')
        $text = [System.IO.File]::ReadAllText($source.FullName, $utf8).TrimStart([char]0xFEFF).TrimEnd()
        $parts.Add(('#region {0}{1}{2}{1}#endregion {0}{1}' -f $relative, $newline, $text))
    }
    $merged = $parts -join $newline
    [System.IO.File]::WriteAllText((Join-Path -Path $packageRoot -ChildPath "$moduleName.psm1"), $merged, (New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $true))

    foreach ($file in "$moduleName.psd1", "$moduleName.Format.ps1xml", "$moduleName.Types.ps1xml") {
        $sourcePath = Join-Path -Path $ModuleRoot -ChildPath $file
        if (Test-Path -LiteralPath $sourcePath -PathType Leaf) {
            Copy-Item -LiteralPath $sourcePath -Destination $packageRoot
        }
    }
    $help = Join-Path -Path $ModuleRoot -ChildPath 'en-US'
    if (Test-Path -LiteralPath $help -PathType Container) {
        Copy-Item -LiteralPath $help -Destination $packageRoot -Recurse
    }
    foreach ($library in $libraries) {
        $rid = $library.Directory.Parent.Name
        $destination = Join-Path -Path $packageRoot -ChildPath "runtimes/$rid/native"
        $null = New-Item -Path $destination -ItemType Directory -Force
        Copy-Item -LiteralPath $library.FullName -Destination $destination
    }

    # .NET Framework apps built for 4.6 or older write '\' into entry names
    # unless this switch is off; Automation needs '/'. The check below fails
    # if a host still wrote '\'.
    Add-Type -AssemblyName System.IO.Compression
    Add-Type -AssemblyName System.IO.Compression.FileSystem
    if ($PSVersionTable.PSEdition -ne 'Core') {
        [System.AppContext]::SetSwitch('Switch.System.IO.Compression.ZipFile.UseBackslash', $false)
    }
    [System.IO.Compression.ZipFile]::CreateFromDirectory($packageRoot, $zipPath, [System.IO.Compression.CompressionLevel]::Optimal, $true)
    $check = Test-EntraSnapshotPackageZip -Path $zipPath

    [pscustomobject]@{
        ModulePath = $packageRoot
        ZipPath    = $zipPath
        Runtimes   = @($libraries | ForEach-Object { $_.Directory.Parent.Name } | Sort-Object -Unique)
        Entries    = $check.Entries
        Bytes      = $check.Bytes
    }
}
