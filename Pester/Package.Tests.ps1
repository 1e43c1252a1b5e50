# build.ps1 -Package: the release folder, the zip Azure Automation imports,
# and a round trip through a file-system PSResourceGet repository. The
# package is built with -NoBuild from the libraries already in
# module/EntraSnapshot/runtimes/ (build.ps1 and the cargo test put them
# there); a missing library, pwsh or PSResourceGet is a failure, never a skip.

BeforeAll {
    $repositoryRoot = Split-Path -Path $PSScriptRoot -Parent
    $moduleRoot = Join-Path -Path $repositoryRoot -ChildPath 'module/EntraSnapshot'
    . (Join-Path -Path $repositoryRoot -ChildPath 'scripts/New-EntraSnapshotPackage.ps1')
    Add-Type -AssemblyName System.IO.Compression
    Add-Type -AssemblyName System.IO.Compression.FileSystem

    $outputPath = Join-Path -Path $TestDrive -ChildPath 'out'
    $built = & (Join-Path -Path $repositoryRoot -ChildPath 'build.ps1') -Package -NoBuild -OutputPath $outputPath
    $packageRoot = Join-Path -Path $outputPath -ChildPath 'EntraSnapshot'
    $zipPath = Join-Path -Path $outputPath -ChildPath 'EntraSnapshot.zip'
    $mergedPath = Join-Path -Path $packageRoot -ChildPath 'EntraSnapshot.psm1'

    function New-TestZip {
        # A zip named $Name in $TestDrive with one small entry per name.
        param(
            [Parameter(Mandatory)]
            [string]
            $Name,

            [Parameter(Mandatory)]
            [string[]]
            $Entries
        )
        $path = Join-Path -Path (Join-Path -Path $TestDrive -ChildPath ([guid]::NewGuid().ToString('N'))) -ChildPath $Name
        $null = New-Item -Path (Split-Path -Path $path -Parent) -ItemType Directory
        $zip = [System.IO.Compression.ZipFile]::Open($path, [System.IO.Compression.ZipArchiveMode]::Create)
        try {
            foreach ($entry in $Entries) {
                $stream = $zip.CreateEntry($entry).Open()
                $writer = New-Object -TypeName System.IO.StreamWriter -ArgumentList $stream
                $writer.Write('x')
                $writer.Dispose()
            }
        }
        finally {
            $zip.Dispose()
        }
        $path
    }

    function Get-TopLevelFunctionName {
        # The functions a script defines outside any other function.
        param(
            [Parameter(Mandatory)]
            [string]
            $Path
        )
        $tokens = $null
        $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseFile($Path, [ref]$tokens, [ref]$errors)
        if ($errors.Count -gt 0) {
            throw "$Path does not parse: $($errors[0].Message)"
        }
        @($ast.FindAll({ param($node) $node -is [System.Management.Automation.Language.FunctionDefinitionAst] }, $false) | ForEach-Object { $_.Name })
    }
}

Describe 'build.ps1 -Package' {
    It 'writes the module folder and the zip' {
        $built.ZipPath | Should -Be $zipPath
        $built.ModulePath | Should -Be $packageRoot
        $zipPath | Should -Exist
        foreach ($file in 'EntraSnapshot.psd1', 'EntraSnapshot.psm1', 'EntraSnapshot.Format.ps1xml', 'en-US/about_EntraSnapshot.help.txt') {
            Join-Path -Path $packageRoot -ChildPath $file | Should -Exist
        }
        Join-Path -Path $packageRoot -ChildPath 'Private' | Should -Not -Exist
        Join-Path -Path $packageRoot -ChildPath 'Public' | Should -Not -Exist
    }

    It 'carries the native library for this platform in runtimes/RID/native/' {
        . (Join-Path -Path $moduleRoot -ChildPath 'Private/Resolve-EntraSnapshotRuntime.ps1')
        $runtime = Resolve-EntraSnapshotRuntime
        $built.Runtimes | Should -Contain $runtime
        @(Get-ChildItem -Path (Join-Path -Path $packageRoot -ChildPath "runtimes/$runtime/native") -File).Count | Should -BeGreaterThan 0
        @(Get-ChildItem -Path (Join-Path -Path $packageRoot -ChildPath 'runtimes') -Recurse -File | Where-Object { $_.Name -like '.git*' }).Count | Should -Be 0
    }

    It 'merges the module into one psm1 with a UTF-8 BOM that parses' {
        $bytes = [System.IO.File]::ReadAllBytes($mergedPath)
        @($bytes[0], $bytes[1], $bytes[2]) | Should -Be @(0xEF, 0xBB, 0xBF)
        $tokens = $null
        $errors = $null
        $null = [System.Management.Automation.Language.Parser]::ParseFile($mergedPath, [ref]$tokens, [ref]$errors)
        @($errors).Count | Should -Be 0
    }

    It 'defines exactly the functions of Private/ and Public/' {
        $sources = @(
            Get-ChildItem -Path (Join-Path -Path $moduleRoot -ChildPath 'Private'), (Join-Path -Path $moduleRoot -ChildPath 'Public') -Filter '*.ps1' -File
        )
        $sources.Count | Should -BeGreaterThan 0
        $expected = @($sources | ForEach-Object { Get-TopLevelFunctionName -Path $_.FullName })
        foreach ($source in $sources) {
            $expected | Should -Contain $source.BaseName
        }
        $merged = @(Get-TopLevelFunctionName -Path $mergedPath)
        ($merged | Sort-Object) -join ', ' | Should -Be (($expected | Sort-Object) -join ', ')
    }

    It 'ships the manifest unchanged' {
        $shipped = Join-Path -Path $packageRoot -ChildPath 'EntraSnapshot.psd1'
        [System.IO.File]::ReadAllText($shipped) | Should -BeExactly ([System.IO.File]::ReadAllText((Join-Path -Path $moduleRoot -ChildPath 'EntraSnapshot.psd1')))
    }
}

Describe 'Test-EntraSnapshotPackageZip' {
    It 'passes the zip build.ps1 wrote, whose entries use / separators' {
        $check = Test-EntraSnapshotPackageZip -Path $zipPath
        $check.Module | Should -Be 'EntraSnapshot'
        $zip = [System.IO.Compression.ZipFile]::OpenRead($zipPath)
        try {
            $names = @($zip.Entries | ForEach-Object { $_.FullName })
        }
        finally {
            $zip.Dispose()
        }
        $names | Should -Contain 'EntraSnapshot/EntraSnapshot.psd1'
        $names | Should -Contain 'EntraSnapshot/EntraSnapshot.psm1'
        @($names | Where-Object { $_.Contains('\') }).Count | Should -Be 0
    }

    It 'refuses a zip named unlike its folder, naming the rule' {
        $copy = Join-Path -Path $TestDrive -ChildPath 'Renamed.zip'
        Copy-Item -LiteralPath $zipPath -Destination $copy
        { Test-EntraSnapshotPackageZip -Path $copy } | Should -Throw -ErrorId 'EntraSnapshot.Package.ZipName,Test-EntraSnapshotPackageZip' -ExpectedMessage "*rule 'the zip is named after the module folder at its root*"
    }

    It 'refuses a path of 140 characters or more, naming the rule' {
        $long = 'EntraSnapshot/' + ('a' * 130) + '.ps1'
        $path = New-TestZip -Name 'EntraSnapshot.zip' -Entries 'EntraSnapshot/EntraSnapshot.psd1', $long
        { Test-EntraSnapshotPackageZip -Path $path } | Should -Throw -ErrorId 'EntraSnapshot.Package.PathLength,Test-EntraSnapshotPackageZip' -ExpectedMessage "*rule 'every path is shorter than 140 characters'*"
    }

    It 'refuses entries outside the module folder, a missing manifest and backslashes' {
        $outside = New-TestZip -Name 'EntraSnapshot.zip' -Entries 'EntraSnapshot/EntraSnapshot.psd1', 'README.md'
        { Test-EntraSnapshotPackageZip -Path $outside } | Should -Throw -ErrorId 'EntraSnapshot.Package.TopFolder,Test-EntraSnapshotPackageZip' -ExpectedMessage '*nothing sits outside the one module folder*'
        $noManifest = New-TestZip -Name 'EntraSnapshot.zip' -Entries 'EntraSnapshot/EntraSnapshot.psm1'
        { Test-EntraSnapshotPackageZip -Path $noManifest } | Should -Throw -ErrorId 'EntraSnapshot.Package.Manifest,Test-EntraSnapshotPackageZip' -ExpectedMessage '*<module>.psd1*'
        $backslash = New-TestZip -Name 'EntraSnapshot.zip' -Entries 'EntraSnapshot/EntraSnapshot.psd1', 'EntraSnapshot\en-US\about.txt'
        { Test-EntraSnapshotPackageZip -Path $backslash } | Should -Throw -ErrorId 'EntraSnapshot.Package.Separator,Test-EntraSnapshotPackageZip' -ExpectedMessage '*/ separators*'
    }

    It 'refuses a zip over 100 MB' {
        $big = Join-Path -Path (Join-Path -Path $TestDrive -ChildPath 'big') -ChildPath 'EntraSnapshot.zip'
        $null = New-Item -Path (Split-Path -Path $big -Parent) -ItemType Directory
        $stream = [System.IO.File]::Create($big)
        try {
            # One byte over 100 MB; sparse where the file system allows.
            $stream.SetLength(104857601)
        }
        finally {
            $stream.Dispose()
        }
        { Test-EntraSnapshotPackageZip -Path $big } | Should -Throw -ErrorId 'EntraSnapshot.Package.Size,Test-EntraSnapshotPackageZip' -ExpectedMessage '*at most 100 MB*'
    }

    It 'says what it refuses in one line' {
        $copy = Join-Path -Path $TestDrive -ChildPath 'OneLine.zip'
        Copy-Item -LiteralPath $zipPath -Destination $copy
        $message = $null
        try {
            Test-EntraSnapshotPackageZip -Path $copy
        }
        catch {
            $message = $_.Exception.Message
        }
        $message | Should -Not -BeNullOrEmpty
        $message | Should -Not -Match '[\r\n]'
    }
}

Describe 'Publish-PSResource and Install-PSResource' {
    It 'publishes the package to a file-system repository, installs it for the current user and imports it without Add-Type' {
        # PSResourceGet ships with PowerShell 7.4+; under Windows PowerShell
        # 5.1 the round trip runs in pwsh, which must be installed.
        if ($PSVersionTable.PSEdition -eq 'Core') {
            $pwsh = (Get-Process -Id $PID).Path
        }
        else {
            $command = Get-Command -Name 'pwsh' -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
            $command | Should -Not -BeNullOrEmpty -Because 'the Gallery round trip needs PowerShell 7 (pwsh) with PSResourceGet'
            $pwsh = $command.Source
        }

        $home_ = Join-Path -Path $TestDrive -ChildPath 'home'
        $feed = Join-Path -Path $TestDrive -ChildPath 'feed'
        $modules = Join-Path -Path $home_ -ChildPath '.local/share/powershell/Modules'
        $null = New-Item -Path $home_, $feed, $modules -ItemType Directory -Force
        $repositoryName = 'EntraSnapshotTest' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $quote = { param($text) "'" + $text.Replace("'", "''") + "'" }
        $script = @"
`$ErrorActionPreference = 'Stop'
`$ProgressPreference = 'SilentlyContinue'
Push-Location -LiteralPath $(& $quote $TestDrive)
try {
    Import-Module -Name Microsoft.PowerShell.PSResourceGet
    Register-PSResourceRepository -Name $(& $quote $repositoryName) -Uri $(& $quote $feed) -Trusted
    try {
        Publish-PSResource -Path $(& $quote $packageRoot) -Repository $(& $quote $repositoryName)
        [Console]::Out.WriteLine('published ' + @(Get-ChildItem -LiteralPath $(& $quote $feed) -Filter '*.nupkg').Count)
        Install-PSResource -Name 'EntraSnapshot' -Repository $(& $quote $repositoryName) -Scope CurrentUser -TrustRepository
        try {
            `$global:AddTypeCalls = 0
            function global:Add-Type { `$global:AddTypeCalls++; Microsoft.PowerShell.Utility\Add-Type @args }
            Import-Module -Name 'EntraSnapshot'
            `$module = Get-Module -Name 'EntraSnapshot'
            [Console]::Out.WriteLine('base ' + `$module.ModuleBase)
            [Console]::Out.WriteLine('functions ' + (@(`$module.ExportedFunctions.Keys | Sort-Object) -join ','))
            [Console]::Out.WriteLine('folders ' + (@(Get-ChildItem -LiteralPath `$module.ModuleBase -Directory | ForEach-Object { `$_.Name } | Sort-Object) -join ','))
            [Console]::Out.WriteLine('version ' + (Get-EntraSnapshotEngine).Version)
            [Console]::Out.WriteLine('add-type ' + `$global:AddTypeCalls)
            Remove-Module -Name 'EntraSnapshot'
        }
        finally {
            Uninstall-PSResource -Name 'EntraSnapshot' -Scope CurrentUser -SkipDependencyCheck
        }
    }
    finally {
        Unregister-PSResourceRepository -Name $(& $quote $repositoryName)
    }
    [Console]::Out.WriteLine('registered ' + @(Get-PSResourceRepository | Where-Object { `$_.Name -eq $(& $quote $repositoryName) }).Count)
}
finally {
    Pop-Location
}
"@
        $encoded = [Convert]::ToBase64String([System.Text.Encoding]::Unicode.GetBytes($script))

        # The child's per-user folders (modules, repository list) live in
        # $TestDrive: HOME and the XDG folders on Linux and macOS. On Windows
        # they follow the user profile, so the child uninstalls and
        # unregisters what it added.
        $saved = @{}
        $variables = @{
            HOME            = $home_
            XDG_DATA_HOME   = Join-Path -Path $home_ -ChildPath '.local/share'
            XDG_CONFIG_HOME = Join-Path -Path $home_ -ChildPath '.config'
            XDG_CACHE_HOME  = Join-Path -Path $home_ -ChildPath '.cache'
            PSModulePath    = $modules
        }
        # .NET reports a special folder that does not exist as '', and NuGet
        # (inside Publish-PSResource) then writes NuGet/NuGet.Config into the
        # working folder: the folders must exist.
        $null = New-Item -Path $variables.XDG_DATA_HOME, $variables.XDG_CONFIG_HOME, $variables.XDG_CACHE_HOME -ItemType Directory -Force
        foreach ($name in $variables.Keys) {
            $saved[$name] = [Environment]::GetEnvironmentVariable($name)
            [Environment]::SetEnvironmentVariable($name, $variables[$name])
        }
        try {
            $output = @(& $pwsh -NoProfile -NonInteractive -EncodedCommand $encoded 2>&1 | ForEach-Object { "$_" })
            $exitCode = $LASTEXITCODE
        }
        finally {
            foreach ($name in $saved.Keys) {
                [Environment]::SetEnvironmentVariable($name, $saved[$name])
            }
        }

        $because = $output -join [Environment]::NewLine
        $exitCode | Should -Be 0 -Because $because
        $output | Should -Contain 'published 1' -Because $because
        $output | Should -Contain 'add-type 0' -Because $because
        $output | Should -Contain 'registered 0' -Because 'the test repository is unregistered afterwards'
        Join-Path -Path $TestDrive -ChildPath 'NuGet' | Should -Not -Exist -Because 'NuGet found its configuration folder'
        Join-Path -Path (Get-Location).ProviderPath -ChildPath 'NuGet/NuGet.Config' | Should -Not -Exist -Because 'nothing is written into the working folder'
        $output | Should -Contain ('functions ' + (@((Import-PowerShellDataFile -Path (Join-Path -Path $moduleRoot -ChildPath 'EntraSnapshot.psd1')).FunctionsToExport | Sort-Object) -join ',')) -Because $because
        @($output | Where-Object { $_ -like 'version ?*' }).Count | Should -Be 1 -Because $because
        $base = @($output | Where-Object { $_ -like 'base *' }) | Select-Object -First 1
        $base | Should -Not -BeNullOrEmpty -Because $because
        $base = $base.Substring('base '.Length)
        $output | Should -Contain 'folders en-US,runtimes' -Because 'the installed module is the package, without Private/ or Public/'
        if ($PSVersionTable.PSEdition -eq 'Core' -and -not $IsWindows) {
            $base | Should -BeLike "$home_*" -Because 'the module was installed into the redirected HOME'
        }
    }
}
