BeforeAll {
    $repositoryRoot = Split-Path -Path $PSScriptRoot -Parent
    $moduleRoot = Join-Path -Path $repositoryRoot -ChildPath 'module/EntraSnapshot'
    $manifestPath = Join-Path -Path $moduleRoot -ChildPath 'EntraSnapshot.psd1'
}

Describe 'EntraSnapshot.psd1' {
    BeforeAll {
        $manifest = Test-ModuleManifest -Path $manifestPath -ErrorAction Stop
        $manifestData = Import-PowerShellDataFile -Path $manifestPath
    }

    It 'is a valid module manifest' {
        $manifest.Name | Should -Be 'EntraSnapshot'
        $manifest.RootModule | Should -Be 'EntraSnapshot.psm1'
    }

    It 'exports exactly the functions in Public/' {
        $publicNames = @(
            Get-ChildItem -Path (Join-Path -Path $moduleRoot -ChildPath 'Public') -Filter '*.ps1' -File |
                ForEach-Object { $_.BaseName } |
                Sort-Object
        )
        $exported = @($manifestData.FunctionsToExport | Sort-Object)
        $publicNames.Count | Should -BeGreaterThan 0
        ($exported -join ', ') | Should -Be ($publicNames -join ', ')
    }

    It 'runs on Windows PowerShell 5.1 and PowerShell 7' {
        $manifest.PowerShellVersion | Should -Be ([version]'5.1')
        $manifestData.CompatiblePSEditions | Should -Contain 'Desktop'
        $manifestData.CompatiblePSEditions | Should -Contain 'Core'
    }

    It 'has the version of the Rust crates' {
        $cargoToml = Get-Content -LiteralPath (Join-Path -Path $repositoryRoot -ChildPath 'Cargo.toml') -Raw
        $crateVersion = [regex]::Match($cargoToml, '(?m)^version\s*=\s*"([^"]+)"').Groups[1].Value
        $manifest.Version | Should -Be ([version]$crateVersion)
    }

    It 'has what a gallery shows: tags, release notes, and project and license addresses that are real or left for the publisher' {
        $psData = $manifestData.PrivateData.PSData
        foreach ($tag in 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS') {
            $psData.Tags | Should -Contain $tag
        }
        $psData.ReleaseNotes | Should -Match 'Windows 10 / Windows Server 2016'
        $psData.ReleaseNotes | Should -Match 'Rust 1\.78'
        # Publish-PSResource refuses an empty ProjectUri or LicenseUri, and
        # the project has no public address yet: each is set to an absolute
        # https address or left as the commented line the README tells the
        # publisher to fill in.
        $text = Get-Content -LiteralPath $manifestPath -Raw
        foreach ($key in 'ProjectUri', 'LicenseUri') {
            if ($psData.ContainsKey($key)) {
                $uri = $null
                [uri]::TryCreate([string]$psData[$key], [System.UriKind]::Absolute, [ref]$uri) | Should -BeTrue -Because "$key must be an absolute address"
                $uri.Scheme | Should -Be 'https'
                $uri.Host | Should -Not -Match '[<>]'
            }
            else {
                $text | Should -Match "(?m)^\s*# $key\s+= 'https://<the repository>"
            }
        }
    }

    It 'lists format files that exist' {
        foreach ($format in $manifestData.FormatsToProcess) {
            Join-Path -Path $moduleRoot -ChildPath $format | Should -Exist
        }
    }
}
