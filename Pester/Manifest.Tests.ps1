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

    It 'lists format files that exist' {
        foreach ($format in $manifestData.FormatsToProcess) {
            Join-Path -Path $moduleRoot -ChildPath $format | Should -Exist
        }
    }
}
