BeforeAll {
    $repositoryRoot = Split-Path -Path $PSScriptRoot -Parent
    $manifestPath = Join-Path -Path $repositoryRoot -ChildPath 'module/EntraSnapshot/EntraSnapshot.psd1'
    Import-Module -Name $manifestPath -Force -ErrorAction Stop
}

AfterAll {
    Remove-Module -Name 'EntraSnapshot' -Force -ErrorAction SilentlyContinue
}

Describe 'Get-EntraSnapshotEngine' {
    BeforeAll {
        $cargoToml = Get-Content -LiteralPath (Join-Path -Path $repositoryRoot -ChildPath 'Cargo.toml') -Raw
        $crateVersion = [regex]::Match($cargoToml, '(?m)^version\s*=\s*"([^"]+)"').Groups[1].Value
        $header = Get-Content -LiteralPath (Join-Path -Path $repositoryRoot -ChildPath 'include/entrasnap.h') -Raw
        $headerAbiVersion = [int][regex]::Match($header, '#define ENTRASNAP_ABI_VERSION (\d+)').Groups[1].Value
        $engine = @(Get-EntraSnapshotEngine)
    }

    It 'returns one EntraSnapshot.EngineInfo object' {
        $engine.Count | Should -Be 1
        $engine[0].PSObject.TypeNames | Should -Contain 'EntraSnapshot.EngineInfo'
    }

    It 'reports the version of the Rust crates' {
        $crateVersion | Should -Not -BeNullOrEmpty
        $engine[0].Version | Should -Be $crateVersion
    }

    It 'reports the ABI version of include/entrasnap.h' {
        $engine[0].AbiVersion | Should -Be $headerAbiVersion
    }

    It 'lists the operations the engine runs' {
        $engine[0].Operations | Should -Contain 'engine.info'
        $engine[0].Operations | Should -Contain 'engine.selftest'
    }

    It 'reports the library it loaded' {
        $engine[0].Runtime | Should -Match '^(win|linux|osx)-(x64|arm64)$'
        Test-Path -LiteralPath $engine[0].LibraryPath -PathType Leaf | Should -BeTrue
    }

    It 'matches the module version' {
        (Get-Module -Name 'EntraSnapshot').Version | Should -Be ([version]$engine[0].Version)
    }
}

Describe 'Engine jobs' {
    It 'returns the value of a successful job' {
        $value = InModuleScope -ModuleName 'EntraSnapshot' {
            Invoke-EntraSnapshotJob -Operation 'engine.selftest' -Parameters @{
                events = 4
            }
        }
        $value.events | Should -Be 4
    }

    It 'turns a failed job into an error record with the engine code' {
        $thrown = $null
        try {
            InModuleScope -ModuleName 'EntraSnapshot' {
                Invoke-EntraSnapshotJob -Operation 'engine.selftest' -Parameters @{
                    fail = 'failed as asked'
                }
            }
        }
        catch {
            $thrown = $_
        }
        $thrown | Should -Not -BeNullOrEmpty
        $thrown.FullyQualifiedErrorId | Should -BeLike 'EntraSnapshot.SelfTestFailed*'
        $thrown.Exception.Message | Should -Be 'failed as asked'
        $thrown.TargetObject | Should -Be 'engine.selftest'
    }

    It 'reports an unknown operation by name' {
        {
            InModuleScope -ModuleName 'EntraSnapshot' {
                Invoke-EntraSnapshotJob -Operation 'snapshot.frobnicate'
            }
        } | Should -Throw -ExpectedMessage "*'snapshot.frobnicate'*" -ErrorId 'EntraSnapshot.UnknownOperation'
    }

    It 'survives a panic in the engine' {
        {
            InModuleScope -ModuleName 'EntraSnapshot' {
                Invoke-EntraSnapshotJob -Operation 'engine.selftest' -Parameters @{
                    panic = 'job'
                }
            }
        } | Should -Throw -ErrorId 'EntraSnapshot.Panic'
        (Get-EntraSnapshotEngine).Version | Should -Not -BeNullOrEmpty
    }
}

Describe 'Format views' {
    BeforeAll {
        $formatPath = Join-Path -Path $repositoryRoot -ChildPath 'module/EntraSnapshot/EntraSnapshot.Format.ps1xml'
        $views = @(([xml](Get-Content -LiteralPath $formatPath -Raw)).Configuration.ViewDefinitions.View)
    }

    It 'has a view for every EntraSnapshot type a command declares as output' {
        $declared = @(
            Get-Command -Module 'EntraSnapshot' -CommandType Function |
                ForEach-Object { $_.OutputType.Name } |
                Where-Object { $_ -like 'EntraSnapshot.*' } |
                Sort-Object -Unique
        )
        $declared | Should -Contain 'EntraSnapshot.Change'
        $declared | Should -Contain 'EntraSnapshot.RestoreStep'
        $declared | Should -Contain 'EntraSnapshot.RestoreResult'
        $selected = @($views | ForEach-Object { $_.ViewSelectedBy.TypeName })
        foreach ($typeName in $declared) {
            $selected | Should -Contain $typeName
        }
    }

    It 'shows a change as Severity, Type, Name and Reason' {
        $view = $views | Where-Object { $_.Name -eq 'EntraSnapshot.Change' }
        @($view.TableControl.TableHeaders.TableColumnHeader | ForEach-Object { $_.Label }) | Should -Be @('Severity', 'Type', 'Name', 'Reason')
    }
}
