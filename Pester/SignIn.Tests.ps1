BeforeAll {
    $repositoryRoot = Split-Path -Path $PSScriptRoot -Parent
    $manifestPath = Join-Path -Path $repositoryRoot -ChildPath 'module/EntraSnapshot/EntraSnapshot.psd1'
    Import-Module -Name $manifestPath -Force -ErrorAction Stop

    # Microsoft.Graph.Authentication is not installed here: stand-ins for its
    # cmdlets, so Pester can mock them.
    function global:Get-MgContext {
        $null
    }
    function global:Get-MgEnvironment {
        param(
            [string]
            $Name
        )
    }
    function global:Invoke-MgGraphRequest {
        param(
            [string]
            $Method,

            [string]
            $Uri,

            [string]
            $OutputType,

            [switch]
            $SkipHttpErrorCheck
        )
    }

    # What Invoke-MgGraphRequest -OutputType HttpResponseMessage returns: the
    # response, whose request carries the session's bearer token.
    function New-SessionResponse {
        param(
            [Parameter(Mandatory)]
            [string]
            $Token,

            [System.Net.HttpStatusCode]
            $Status = [System.Net.HttpStatusCode]::OK
        )

        $request = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::Get, 'https://graph.microsoft.com/v1.0/organization')
        $request.Headers.Authorization = [System.Net.Http.Headers.AuthenticationHeaderValue]::new('Bearer', $Token)
        $response = [System.Net.Http.HttpResponseMessage]::new($Status)
        $response.RequestMessage = $request
        $response
    }
}

AfterAll {
    Remove-Module -Name 'EntraSnapshot' -Force -ErrorAction SilentlyContinue
    Remove-Item -Path 'function:global:Get-MgContext', 'function:global:Get-MgEnvironment', 'function:global:Invoke-MgGraphRequest' -ErrorAction SilentlyContinue
}

Describe 'The token of a Connect-MgGraph session' {
    BeforeEach {
        Mock -ModuleName 'EntraSnapshot' -CommandName 'Get-Module' -ParameterFilter { $Name -eq 'Microsoft.Graph.Authentication' } -MockWith {
            [pscustomobject]@{
                Name    = 'Microsoft.Graph.Authentication'
                Version = [version]'2.25.0'
            }
        }
        Mock -ModuleName 'EntraSnapshot' -CommandName 'Get-MgContext' -MockWith {
            [pscustomobject]@{
                Account     = 'admin@contoso.com'
                TenantId    = '72f988bf-86f1-41af-91ab-2d7cd011db47'
                Environment = 'Global'
            }
        }
        Mock -ModuleName 'EntraSnapshot' -CommandName 'Get-MgEnvironment' -MockWith {
            [pscustomobject]@{
                Name          = 'Global'
                GraphEndpoint = 'https://graph.microsoft.com'
            }
        }
        Mock -ModuleName 'EntraSnapshot' -CommandName 'Invoke-MgGraphRequest' -MockWith {
            New-SessionResponse -Token 'session-token-1'
        }
    }

    It 'is read from the request the session signs' {
        $token = InModuleScope -ModuleName 'EntraSnapshot' {
            Get-EntraSnapshotGraphSessionToken -GraphUrl 'https://graph.microsoft.com'
        }
        $token | Should -BeExactly 'session-token-1'
        Should -Invoke -ModuleName 'EntraSnapshot' -CommandName 'Invoke-MgGraphRequest' -Times 1 -Exactly -ParameterFilter {
            $OutputType -eq 'HttpResponseMessage' -and $SkipHttpErrorCheck
        }
    }

    It 'is still the session''s token when Graph answers 403 (no Organization.Read.All)' {
        Mock -ModuleName 'EntraSnapshot' -CommandName 'Invoke-MgGraphRequest' -MockWith {
            New-SessionResponse -Token 'session-token-403' -Status ([System.Net.HttpStatusCode]::Forbidden)
        }
        $token = InModuleScope -ModuleName 'EntraSnapshot' {
            Get-EntraSnapshotGraphSessionToken
        }
        $token | Should -BeExactly 'session-token-403'
    }

    It 'never goes to another Graph than the session''s (an emulator must not get a real token)' {
        $token = InModuleScope -ModuleName 'EntraSnapshot' {
            Get-EntraSnapshotGraphSessionToken -GraphUrl 'http://127.0.0.1:8750'
        }
        $token | Should -BeNullOrEmpty
        Should -Invoke -ModuleName 'EntraSnapshot' -CommandName 'Invoke-MgGraphRequest' -Times 0 -Exactly
    }

    It 'never goes to another port of the same host' {
        Mock -ModuleName 'EntraSnapshot' -CommandName 'Get-MgEnvironment' -MockWith {
            [pscustomobject]@{
                Name          = 'Global'
                GraphEndpoint = 'http://127.0.0.1:8750'
            }
        }
        $token = InModuleScope -ModuleName 'EntraSnapshot' {
            Get-EntraSnapshotGraphSessionToken -GraphUrl 'http://127.0.0.1:8751'
        }
        $token | Should -BeNullOrEmpty
        Should -Invoke -ModuleName 'EntraSnapshot' -CommandName 'Invoke-MgGraphRequest' -Times 0 -Exactly
    }

    It 'is not looked for when Microsoft.Graph.Authentication is not loaded, and the module is not imported to look' {
        Mock -ModuleName 'EntraSnapshot' -CommandName 'Get-Module' -ParameterFilter { $Name -eq 'Microsoft.Graph.Authentication' } -MockWith {
            $null
        }
        Mock -ModuleName 'EntraSnapshot' -CommandName 'Get-Command' -MockWith {
            $null
        }
        $token = InModuleScope -ModuleName 'EntraSnapshot' {
            Get-EntraSnapshotGraphSessionToken
        }
        $token | Should -BeNullOrEmpty
        Should -Invoke -ModuleName 'EntraSnapshot' -CommandName 'Get-MgContext' -Times 0 -Exactly
        # Get-Command of a Graph cmdlet would import the Graph module.
        Should -Invoke -ModuleName 'EntraSnapshot' -CommandName 'Get-Command' -Times 0 -Exactly
    }

    It 'is handed to the engine for the job, with the session''s variables, and never kept' {
        Mock -ModuleName 'EntraSnapshot' -CommandName 'Invoke-EntraSnapshotJob' -MockWith {
            [pscustomobject]@{
                sawToken       = $Parameters['token']
                tokenRefresh   = $Parameters['tokenRefresh']
                fromSession    = [bool]$TokenFromSession
                sawEnvironment = $Parameters['environment']['ENTRASNAP_PESTER_PROBE'] -eq $null -and $Parameters['environment']['AZURE_TENANT_ID'] -eq 'tenant-from-session'
            }
        }
        $saved = $env:AZURE_TENANT_ID
        try {
            $env:AZURE_TENANT_ID = 'tenant-from-session'
            $seen = InModuleScope -ModuleName 'EntraSnapshot' {
                $parameters = @{ store = 'x' }
                Invoke-EntraSnapshotGraphJob -Operation 'snapshot.export' -Parameters $parameters -GraphUrl 'https://graph.microsoft.com'
                # The caller's parameters never hold the token.
                $parameters.ContainsKey('token') | Should -BeFalse
            }
        }
        finally {
            $env:AZURE_TENANT_ID = $saved
        }
        $seen.sawToken | Should -BeExactly 'session-token-1'
        $seen.tokenRefresh | Should -BeTrue
        $seen.fromSession | Should -BeTrue
        $seen.sawEnvironment | Should -BeTrue
    }
}

# A Connect-MgGraph token lives about an hour and only PowerShell can renew
# it: when Graph refuses it in the middle of a job, the engine asks, and the
# module hands over the session's new token. The emulator's tokens here live
# one second; an export of every type takes several (Conditional Access and
# named locations are paced at one request per 1.1 s).
Describe 'A Connect-MgGraph token that expires during an export' {
    BeforeAll {
        . (Join-Path -Path $PSScriptRoot -ChildPath 'EntraSnapshotSim.ps1')
        $started = Start-EntraSnapshotSim -RepositoryRoot $repositoryRoot -WorkFolder $TestDrive -ArgumentList '--token-lifetime-secs', '1'
        $simProcess = $started.Process
        $graphUrl = $started.GraphUrl
        $script:sessionTokens = 0
    }

    AfterAll {
        Stop-EntraSnapshotSim -Process $simProcess
    }

    BeforeEach {
        Mock -ModuleName 'EntraSnapshot' -CommandName 'Get-Module' -ParameterFilter { $Name -eq 'Microsoft.Graph.Authentication' } -MockWith {
            [pscustomobject]@{
                Name = 'Microsoft.Graph.Authentication'
            }
        }
        Mock -ModuleName 'EntraSnapshot' -CommandName 'Get-MgContext' -MockWith {
            [pscustomobject]@{
                Account     = 'admin@contoso.com'
                TenantId    = '72f988bf-86f1-41af-91ab-2d7cd011db47'
                Environment = 'Drill'
            }
        }
        # A session connected to the emulator, as Connect-MgGraph -Environment does for a custom cloud.
        Mock -ModuleName 'EntraSnapshot' -CommandName 'Get-MgEnvironment' -MockWith {
            [pscustomobject]@{
                Name          = 'Drill'
                GraphEndpoint = $graphUrl
            }
        }
        # Each call is the session renewing itself: a new token every time.
        Mock -ModuleName 'EntraSnapshot' -CommandName 'Invoke-MgGraphRequest' -MockWith {
            $script:sessionTokens++
            New-SessionResponse -Token "session-token-$($script:sessionTokens)"
        }
    }

    It 'asks the session for a new token and completes the export' {
        $store = Join-Path -Path $TestDrive -ChildPath 'store'
        $snapshot = Export-EntraSnapshot -Store $store -GraphUrl $graphUrl
        $snapshot.Counts.conditionalAccessPolicy | Should -BeGreaterThan 5
        Should -Invoke -ModuleName 'EntraSnapshot' -CommandName 'Invoke-MgGraphRequest' -Times 2
        Test-EntraSnapshot -Store $store -Id $snapshot.SnapshotId -Quiet | Should -BeTrue
    }
}
