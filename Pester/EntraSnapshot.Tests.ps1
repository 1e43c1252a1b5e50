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

    It 'collects the records of page events, in order, before the result' {
        $answer = InModuleScope -ModuleName 'EntraSnapshot' {
            $pages = New-Object -TypeName 'System.Collections.Generic.List[object]'
            $value = Invoke-EntraSnapshotJob -Operation 'engine.selftest' -Parameters @{
                events   = 1201
                pageSize = 500
            } -Pages @{ numbers = $pages }
            [pscustomobject]@{ Value = $value; Records = $pages }
        }
        $answer.Value.pages | Should -Be 3
        $answer.Records.Count | Should -Be 1201
        $answer.Records[0] | Should -Be 1
        $answer.Records[500] | Should -Be 501
        $answer.Records[1200] | Should -Be 1201
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

    It 'runs a job when ConvertFrom-Json answers as Windows PowerShell 5.1 does' {
        # 5.1 writes a JSON array as one object (and '[]' as an empty array);
        # 7.x enumerates it (and writes '[]' as nothing). -NoEnumerate is 5.1's
        # shape on 7.x. Several progress events arrive in one poll.
        Mock -ModuleName 'EntraSnapshot' -CommandName 'ConvertFrom-Json' -MockWith {
            Microsoft.PowerShell.Utility\ConvertFrom-Json -InputObject $InputObject -NoEnumerate
        }
        Mock -ModuleName 'EntraSnapshot' -CommandName 'Write-Progress' -MockWith {
            $null = $Activity
        }
        $value = InModuleScope -ModuleName 'EntraSnapshot' {
            Invoke-EntraSnapshotJob -Operation 'engine.selftest' -Parameters @{
                events = 6
            }
        }
        $value.events | Should -Be 6
        Should -Invoke -ModuleName 'EntraSnapshot' -CommandName 'Write-Progress' -Times 6 -Exactly -ParameterFilter {
            $Activity -eq 'Engine self-test' -and $PercentComplete -gt 0
        }
        Should -Invoke -ModuleName 'EntraSnapshot' -CommandName 'Write-Progress' -Times 1 -Exactly -ParameterFilter { $Completed }
    }

    It 'keeps polling through empty polls of a slow job in the 5.1 shape' {
        Mock -ModuleName 'EntraSnapshot' -CommandName 'ConvertFrom-Json' -MockWith {
            Microsoft.PowerShell.Utility\ConvertFrom-Json -InputObject $InputObject -NoEnumerate
        }
        $value = InModuleScope -ModuleName 'EntraSnapshot' {
            # 300 ms between events: polls of 250 ms come back empty ('[]').
            Invoke-EntraSnapshotJob -Operation 'engine.selftest' -Parameters @{
                events  = 2
                delayMs = 300
            }
        }
        $value.events | Should -Be 2
    }

    It 'reports an unknown operation by name' {
        {
            InModuleScope -ModuleName 'EntraSnapshot' {
                Invoke-EntraSnapshotJob -Operation 'snapshot.frobnicate'
            }
        } | Should -Throw -ExpectedMessage "*'snapshot.frobnicate'*" -ErrorId 'EntraSnapshot.UnknownOperation,Invoke-EntraSnapshotJob'
    }

    It 'names the engine code and the public command in the error id a user catches' {
        # PowerShell appends the command that threw; a public cmdlet's error
        # names the cmdlet, not the private function beneath it.
        $missing = Join-Path -Path $TestDrive -ChildPath 'no-such-store'
        $thrown = $null
        try {
            Get-EntraSnapshot -Store $missing
        }
        catch {
            $thrown = $_
        }
        $thrown.FullyQualifiedErrorId | Should -BeExactly 'EntraSnapshot.StoreError,Get-EntraSnapshot'
    }

    It 'survives a panic in the engine' {
        {
            InModuleScope -ModuleName 'EntraSnapshot' {
                Invoke-EntraSnapshotJob -Operation 'engine.selftest' -Parameters @{
                    panic = 'job'
                }
            }
        } | Should -Throw -ErrorId 'EntraSnapshot.Panic,Invoke-EntraSnapshotJob'
        (Get-EntraSnapshotEngine).Version | Should -Not -BeNullOrEmpty
    }

    It 'writes nothing to the console of its host when the engine panics' {
        # Native code writes straight to the process's stderr, past
        # PowerShell's streams: only a child process can see it.
        $script = @"
`$ErrorActionPreference = 'Stop'
`$ProgressPreference = 'SilentlyContinue'
`$env:RUST_BACKTRACE = '1'
Import-Module -Name '$($manifestPath.Replace("'", "''"))'
try {
    & (Get-Module -Name EntraSnapshot) { Invoke-EntraSnapshotJob -Operation 'engine.selftest' -Parameters @{ panic = 'job' } }
}
catch {
    [Console]::Out.WriteLine('caught ' + `$_.FullyQualifiedErrorId)
}
try {
    & (Get-Module -Name EntraSnapshot) { Invoke-EntraSnapshotJob -Operation 'engine.selftest' -Parameters @{ panic = 'start' } }
}
catch {
    [Console]::Out.WriteLine('caught ' + `$_.FullyQualifiedErrorId)
}
"@
        $encoded = [Convert]::ToBase64String([System.Text.Encoding]::Unicode.GetBytes($script))
        $errorFile = Join-Path -Path $TestDrive -ChildPath 'panic.stderr'
        $output = & (Get-Process -Id $PID).Path -NoProfile -NonInteractive -EncodedCommand $encoded 2> $errorFile
        @($output) | Should -Contain 'caught EntraSnapshot.Panic,Invoke-EntraSnapshotJob'
        @($output | Where-Object { $_ -like 'caught *' }).Count | Should -Be 2
        $stderr = Get-Content -LiteralPath $errorFile -Raw
        $stderr | Should -BeNullOrEmpty -Because 'a library must not print panics on its host''s console'
    }
}

Describe 'Import' {
    It 'compiles no C# at import, declares the library once and works in a new session' {
        # A function shadows the cmdlet for every caller in the session, the
        # module included: any Add-Type at import is counted. Add-Type runs
        # csc.exe on Windows PowerShell 5.1 (a subprocess Azure Automation's
        # sandbox refuses) and Roslyn on 7.x (about a second).
        $script = @"
`$ErrorActionPreference = 'Stop'
`$ProgressPreference = 'SilentlyContinue'
`$global:AddTypeCalls = 0
function global:Add-Type { `$global:AddTypeCalls++; Microsoft.PowerShell.Utility\Add-Type @args }
Import-Module -Name '$($manifestPath.Replace("'", "''"))'
Import-Module -Name '$($manifestPath.Replace("'", "''"))' -Force
[Console]::Out.WriteLine('add-type ' + `$global:AddTypeCalls)
[Console]::Out.WriteLine('version ' + (Get-EntraSnapshotEngine).Version)
[Console]::Out.WriteLine('types ' + @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'EntraSnapshot.Native' }).Count)
"@
        $encoded = [Convert]::ToBase64String([System.Text.Encoding]::Unicode.GetBytes($script))
        $output = @(& (Get-Process -Id $PID).Path -NoProfile -NonInteractive -EncodedCommand $encoded)
        $LASTEXITCODE | Should -Be 0
        $output | Should -Contain 'add-type 0'
        $output | Should -Contain 'types 1' -Because 'a second import reuses the declared type'
        @($output | Where-Object { $_ -like 'version ?*' }).Count | Should -Be 1
    }

    It 'loads no other module at import (Microsoft.PowerShell.Management or .Utility cost 130 to 200 ms each)' {
        # The child uses only .NET and Core cmdlets before the import, so any
        # module loaded by then was there at start (as on some 5.1 hosts).
        $script = @"
`$ErrorActionPreference = 'Stop'
`$before = @(Get-Module | ForEach-Object { `$_.Name })
Import-Module -Name '$($manifestPath.Replace("'", "''"))'
foreach (`$module in @(Get-Module)) {
    if (`$before -notcontains `$module.Name) { [Console]::Out.WriteLine('loaded ' + `$module.Name) }
}
"@
        $encoded = [Convert]::ToBase64String([System.Text.Encoding]::Unicode.GetBytes($script))
        $output = @(& (Get-Process -Id $PID).Path -NoProfile -NonInteractive -EncodedCommand $encoded)
        $LASTEXITCODE | Should -Be 0
        $output | Should -Be @('loaded EntraSnapshot')
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
