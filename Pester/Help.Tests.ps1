BeforeDiscovery {
    $manifestPath = Join-Path -Path (Split-Path -Path $PSScriptRoot -Parent) -ChildPath 'module/EntraSnapshot/EntraSnapshot.psd1'
    Import-Module -Name $manifestPath -Force -ErrorAction Stop
    $commandCases = @(
        Get-Command -Module 'EntraSnapshot' -CommandType Function |
            ForEach-Object {
                @{
                    Name = $_.Name
                }
            }
    )
}

BeforeAll {
    $manifestPath = Join-Path -Path (Split-Path -Path $PSScriptRoot -Parent) -ChildPath 'module/EntraSnapshot/EntraSnapshot.psd1'
    Import-Module -Name $manifestPath -Force -ErrorAction Stop
}

AfterAll {
    Remove-Module -Name 'EntraSnapshot' -Force -ErrorAction SilentlyContinue
}

Describe 'Help for <Name>' -ForEach $commandCases {
    BeforeAll {
        $help = Get-Help -Name $Name -Full
        $command = Get-Command -Name $Name
        $commonParameters = @(
            [System.Management.Automation.PSCmdlet]::CommonParameters
            [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
        )
        $parameterNames = @(
            $command.Parameters.Keys |
                Where-Object { $commonParameters -notcontains $_ }
        )
    }

    It 'has a synopsis written by hand' {
        # Without comment-based help, PowerShell makes the syntax the synopsis.
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis.Trim() | Should -Not -BeLike "$Name *"
    }

    It 'has a description' {
        ($help.Description | Out-String).Trim() | Should -Not -BeNullOrEmpty
    }

    It 'has at least one example with code' {
        $examples = @($help.Examples.Example)
        $examples.Count | Should -BeGreaterThan 0
        foreach ($example in $examples) {
            $example.Code.Trim() | Should -Not -BeNullOrEmpty
        }
    }

    It 'documents every parameter' {
        foreach ($parameterName in $parameterNames) {
            $parameterHelp = @($help.Parameters.Parameter | Where-Object { $_.Name -eq $parameterName })
            $parameterHelp.Count | Should -Be 1 -Because "-$parameterName needs a .PARAMETER section"
            ($parameterHelp[0].Description | Out-String).Trim() | Should -Not -BeNullOrEmpty -Because "-$parameterName needs a description"
        }
    }
}
