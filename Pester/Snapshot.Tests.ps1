BeforeAll {
    $repositoryRoot = Split-Path -Path $PSScriptRoot -Parent
    $manifestPath = Join-Path -Path $repositoryRoot -ChildPath 'module/EntraSnapshot/EntraSnapshot.psd1'
    Import-Module -Name $manifestPath -Force -ErrorAction Stop

    . (Join-Path -Path $PSScriptRoot -ChildPath 'EntraSnapshotSim.ps1')
}

AfterAll {
    Remove-Module -Name 'EntraSnapshot' -Force -ErrorAction SilentlyContinue
}

Describe 'Export-EntraSnapshot parameters' {
    BeforeAll {
        $command = Get-Command -Name 'Export-EntraSnapshot'
        $binding = $command.ScriptBlock.Attributes | Where-Object { $_ -is [System.Management.Automation.CmdletBindingAttribute] }
    }

    It 'supports -WhatIf and -Confirm with a low impact' {
        $binding.SupportsShouldProcess | Should -BeTrue
        $binding.ConfirmImpact | Should -Be 'Low'
        $command.Parameters.Keys | Should -Contain 'WhatIf'
        $command.Parameters.Keys | Should -Contain 'Confirm'
    }

    It 'declares its output type' {
        $command.OutputType.Name | Should -Contain 'EntraSnapshot.Snapshot'
    }

    It 'takes -AccessToken only as a SecureString, mandatory in its own parameter set' {
        $parameter = $command.Parameters['AccessToken']
        $parameter.ParameterType | Should -Be ([securestring])
        $attribute = $parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }
        $attribute.ParameterSetName | Should -Be 'AccessToken'
        $attribute.Mandatory | Should -BeTrue
    }

    It 'offers the 17 object types for -Type' {
        $validateSet = $command.Parameters['Type'].Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }
        $validateSet.ValidValues.Count | Should -Be 17
        $validateSet.ValidValues | Should -Contain 'conditionalAccessPolicy'
        $validateSet.ValidValues | Should -Contain 'authenticationMethodConfiguration'
    }

    It 'refuses an unknown type before doing anything' {
        { Export-EntraSnapshot -Store (Join-Path -Path $TestDrive -ChildPath 'never') -Type 'frobnicator' } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,Export-EntraSnapshot'
    }

    It 'does not take a token and a managed identity together' {
        $token = ConvertTo-SecureString -String 'not-a-real-token' -AsPlainText -Force
        { Export-EntraSnapshot -Store $TestDrive -ManagedIdentity -AccessToken $token } |
            Should -Throw -ErrorId 'AmbiguousParameterSet,Export-EntraSnapshot'
    }

    It 'needs -Store or $env:ENTRASNAP_STORE' {
        $command.Parameters['Store'].Attributes.Where({ $_ -is [System.Management.Automation.ParameterAttribute] }).Mandatory | Should -Not -Contain $true
        $saved = $env:ENTRASNAP_STORE
        try {
            $env:ENTRASNAP_STORE = $null
            { Export-EntraSnapshot -WhatIf } | Should -Throw -ErrorId 'EntraSnapshot.StoreRequired*'
        }
        finally {
            $env:ENTRASNAP_STORE = $saved
        }
    }

    It 'writes nothing with -WhatIf' {
        $store = Join-Path -Path $TestDrive -ChildPath 'what-if-store'
        Export-EntraSnapshot -Store $store -WhatIf | Should -BeNullOrEmpty
        $store | Should -Not -Exist
    }
}

Describe 'Get-EntraSnapshot and Test-EntraSnapshot parameters' {
    It 'declare their output types' {
        (Get-Command -Name 'Get-EntraSnapshot').OutputType.Name | Should -Contain 'EntraSnapshot.Snapshot'
        $testOutput = (Get-Command -Name 'Test-EntraSnapshot').OutputType
        $testOutput.Name | Should -Contain 'EntraSnapshot.Problem'
        $testOutput.Type | Should -Contain ([bool])
    }

    It 'take the store and the id from piped snapshots' {
        foreach ($name in 'Get-EntraSnapshot', 'Test-EntraSnapshot') {
            $parameters = (Get-Command -Name $name).Parameters
            $parameters['Store'].Attributes.Where({ $_ -is [System.Management.Automation.ParameterAttribute] }).ValueFromPipelineByPropertyName | Should -Contain $true
            $parameters['Id'].Aliases | Should -Contain 'SnapshotId'
        }
    }

    It 'report a missing store without creating it' {
        $missing = Join-Path -Path $TestDrive -ChildPath 'no-store-here'
        { Get-EntraSnapshot -Store $missing } | Should -Throw -ErrorId 'EntraSnapshot.StoreError*'
        { Test-EntraSnapshot -Store $missing -Quiet } | Should -Throw -ErrorId 'EntraSnapshot.StoreError*'
        $missing | Should -Not -Exist
    }
}

Describe 'Snapshots of entrasnap-sim' {
    BeforeAll {
        $started = Start-EntraSnapshotSim -RepositoryRoot $repositoryRoot -WorkFolder $TestDrive
        $simProcess = $started.Process
        $graphUrl = $started.GraphUrl
        $sim = $graphUrl
        # Looks like a JWT so a leak would be easy to spot; the emulator accepts any bearer token.
        $plainToken = 'eyJ0eXAiOiJKV1QifQ.pester-token-5e7b1c.sig'
        if ($null -ne $sim) {
            $store = Join-Path -Path $TestDrive -ChildPath 'store'
            $token = ConvertTo-SecureString -String $plainToken -AsPlainText -Force
            $verbose = Export-EntraSnapshot -Store $store -GraphUrl $graphUrl -AccessToken $token -Verbose 4>&1
            $exported = @($verbose | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
            $verboseText = ($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object { $_.Message }) -join "`n"
        }
    }

    AfterAll {
        Stop-EntraSnapshotSim -Process $simProcess
    }

    It 'exports one EntraSnapshot.Snapshot with the tenant''s objects' {
        $exported.Count | Should -Be 1
        $snapshot = $exported[0]
        $snapshot.PSObject.TypeNames | Should -Contain 'EntraSnapshot.Snapshot'
        $snapshot.SnapshotId | Should -Match '^\d{8}T\d{6}Z-[0-9a-f]{6}$'
        $snapshot.TenantId | Should -Not -BeNullOrEmpty
        $snapshot.Counts['conditionalAccessPolicy'] | Should -BeGreaterOrEqual 12
        $snapshot.Counts.Count | Should -Be 17
        $snapshot.Modes['user'] | Should -Be 'full'
        $snapshot.Requests | Should -BeGreaterThan 0
        $snapshot.Throttled | Should -Not -BeNullOrEmpty
        $snapshot.Duration | Should -BeOfType ([timespan])
        $snapshot.Store | Should -Be $store
    }

    It 'never shows the token' {
        $verboseText | Should -Not -BeLike '*pester-token-5e7b1c*'
        ($exported | ConvertTo-Json -Depth 5) | Should -Not -BeLike '*pester-token-5e7b1c*'
    }

    It 'exports only the types asked for, incrementally the second time' {
        $token = ConvertTo-SecureString -String $plainToken -AsPlainText -Force
        $second = Export-EntraSnapshot -Store $store -GraphUrl $graphUrl -AccessToken $token -Type namedLocation, user
        @($second.Counts.Keys) | Sort-Object | Should -Be @('namedLocation', 'user')
        $second.Modes['user'] | Should -Be 'incremental'
    }

    It 'lists the snapshots newest first, and gets the latest' {
        $all = @(Get-EntraSnapshot -Store $store)
        $all.Count | Should -Be 2
        $all[0].PSObject.TypeNames | Should -Contain 'EntraSnapshot.Snapshot'
        $all[1].SnapshotId | Should -Be $exported[0].SnapshotId
        $all[1].CreatedAt | Should -BeOfType ([datetime])
        $all[1].Intact | Should -BeTrue
        (Get-EntraSnapshot -Store $store -Id latest).SnapshotId | Should -Be $all[0].SnapshotId
        (Get-EntraSnapshot -Store $store -Id $exported[0].SnapshotId).Counts['conditionalAccessPolicy'] | Should -Be $exported[0].Counts['conditionalAccessPolicy']
    }

    It 'names an id the store does not hold' {
        { Get-EntraSnapshot -Store $store -Id '20000101T000000Z-000000' -ErrorAction Stop } | Should -Throw -ErrorId 'EntraSnapshot.SnapshotNotFound*'
    }

    It 'resolves a relative -Store against the current location' {
        Push-Location -LiteralPath $TestDrive
        try {
            @(Get-EntraSnapshot -Store 'store').Count | Should -Be 2
        }
        finally {
            Pop-Location
        }
    }

    It 'verifies intact snapshots quietly' {
        Test-EntraSnapshot -Store $store -Quiet | Should -BeTrue
        $errors = $null
        Test-EntraSnapshot -Store $store -ErrorVariable errors | Should -BeNullOrEmpty
        $errors.Count | Should -Be 0
        Get-EntraSnapshot -Store $store | Test-EntraSnapshot -Quiet | Should -Be @($true, $true)
    }

    It 'signs exports with a key New-EntraSnapshotSigningKey made, and names a forged snapshot' {
        $key = New-EntraSnapshotSigningKey -Path (Join-Path -Path $TestDrive -ChildPath 'signing.pem')
        $key.PSObject.TypeNames | Should -Contain 'EntraSnapshot.SigningKey'
        $key.KeyId | Should -Match '^[0-9a-f]{16}$'
        Test-Path -LiteralPath $key.PublicKeyFile | Should -BeTrue
        { New-EntraSnapshotSigningKey -Path $key.PrivateKeyFile } | Should -Throw -ErrorId 'EntraSnapshot.InvalidArgument*'

        $signed = Join-Path -Path $TestDrive -ChildPath 'signed'
        $token = ConvertTo-SecureString -String $plainToken -AsPlainText -Force
        $snapshot = Export-EntraSnapshot -Store $signed -GraphUrl $graphUrl -AccessToken $token -Type namedLocation -SigningKeyFile $key.PrivateKeyFile
        $manifest = Join-Path -Path $signed -ChildPath "snapshots/$($snapshot.SnapshotId).json"
        (Get-Content -LiteralPath $manifest -Raw) | Should -BeLike "*$($key.KeyId)*"
        Test-EntraSnapshot -Store $signed -VerifyKeyFile $key.PublicKeyFile -Quiet | Should -BeTrue
        $warnings = $null
        Test-EntraSnapshot -Store $signed -WarningVariable warnings -WarningAction SilentlyContinue | Should -BeNullOrEmpty
        ($warnings -join ' ') | Should -BeLike '*no verify key was given*'

        # Edited by hand: the signature no longer holds.
        $text = Get-Content -LiteralPath $manifest -Raw
        [System.IO.File]::WriteAllText($manifest, $text.Replace('"kind": "export"', '"kind": "import"'))
        $problems = @(Test-EntraSnapshot -Store $signed -VerifyKeyFile $key.PublicKeyFile -ErrorAction SilentlyContinue)
        @($problems | ForEach-Object { $_.Kind }) | Should -Contain 'badSignature'
        $saved = $env:ENTRASNAP_VERIFY_KEY_FILE
        try {
            $env:ENTRASNAP_VERIFY_KEY_FILE = $key.PublicKeyFile
            Test-EntraSnapshot -Store $signed -Quiet | Should -BeFalse -Because 'the verify key comes from the environment too'
        }
        finally {
            $env:ENTRASNAP_VERIFY_KEY_FILE = $saved
        }
    }

    It 'encrypts a store to a recipient and reads it with the identity file only' {
        # A key pair made for this test with `entrasnap keygen --age`; it guards nothing.
        $identity = Join-Path -Path $TestDrive -ChildPath 'age-identity.txt'
        [System.IO.File]::WriteAllText($identity, "AGE-SECRET-KEY-1EZ96R2HS4J50G8RQXTYT6HXQ3VQT4P6HLLQ5UXQJQRQU3Z7S2T4SZKWFXU`n")
        $encrypted = Join-Path -Path $TestDrive -ChildPath 'encrypted'
        $token = ConvertTo-SecureString -String $plainToken -AsPlainText -Force
        $snapshot = Export-EntraSnapshot -Store $encrypted -GraphUrl $graphUrl -AccessToken $token -Type namedLocation -Recipient 'age1nggzxd0m8mgdzc0x3c296q9rrmf454klg0ueasupes74gwc524ushvs9ma'
        $objectFile = Get-ChildItem -LiteralPath (Join-Path -Path $encrypted -ChildPath 'objects') -File -Recurse | Select-Object -First 1
        [System.Text.Encoding]::ASCII.GetString([System.IO.File]::ReadAllBytes($objectFile.FullName), 0, 21) | Should -Be 'age-encryption.org/v1'
        @(Get-EntraSnapshot -Store $encrypted).Count | Should -Be 1 -Because 'listing needs no key'
        { Test-EntraSnapshot -Store $encrypted -Quiet } | Should -Throw '*encrypted*'
        Test-EntraSnapshot -Store $encrypted -IdentityFile $identity -Quiet | Should -BeTrue
        Push-Location -LiteralPath $TestDrive
        $saved = $env:ENTRASNAP_IDENTITY_FILE
        try {
            $env:ENTRASNAP_IDENTITY_FILE = 'age-identity.txt'
            Test-EntraSnapshot -Store 'encrypted' -Quiet | Should -BeTrue -Because 'the identity comes from the environment, relative to the current location'
            $changes = @(Compare-EntraSnapshot -Store 'encrypted' -From $snapshot.SnapshotId -To Live -GraphUrl $graphUrl -AccessToken $token -Type namedLocation)
            $changes.Count | Should -Be 0
        }
        finally {
            $env:ENTRASNAP_IDENTITY_FILE = $saved
            Pop-Location
        }
    }

    It 'keeps the store readable by its owner only' {
        $manifest = Get-ChildItem -LiteralPath (Join-Path -Path $store -ChildPath 'snapshots') -File | Select-Object -First 1
        if ([System.IO.Path]::DirectorySeparatorChar -eq '\') {
            # Windows: a protected ACL on the root for OWNER RIGHTS (S-1-3-4), inherited below.
            foreach ($path in $store, $manifest.FullName) {
                $acl = Get-Acl -LiteralPath $path
                $sids = @($acl.Access | ForEach-Object { $_.IdentityReference.Translate([System.Security.Principal.SecurityIdentifier]).Value } | Sort-Object -Unique)
                $sids | Should -Be @('S-1-3-4') -Because "$path grants access to its owner only"
            }
            (Get-Acl -LiteralPath $store).AreAccessRulesProtected | Should -BeTrue
        }
        else {
            (Get-Item -LiteralPath $store).UnixMode | Should -Be 'drwx------'
            (Get-Item -LiteralPath $manifest.FullName).UnixMode | Should -Be '-rw-------'
        }
    }

    It 'reports a damaged object as problems and SnapshotDamaged errors' {
        $damaged = Join-Path -Path $TestDrive -ChildPath 'damaged'
        Copy-Item -LiteralPath $store -Destination $damaged -Recurse
        $snapshotIds = @(Get-EntraSnapshot -Store $damaged | ForEach-Object { $_.SnapshotId })
        $objectFile = Get-ChildItem -LiteralPath (Join-Path -Path $damaged -ChildPath 'objects') -File -Recurse | Select-Object -First 1
        $bytes = [System.IO.File]::ReadAllBytes($objectFile.FullName)
        $middle = [int][math]::Floor($bytes.Length / 2)
        $bytes[$middle] = $bytes[$middle] -bxor 0xff
        [System.IO.File]::WriteAllBytes($objectFile.FullName, $bytes)

        Test-EntraSnapshot -Store $damaged -Quiet | Should -BeFalse
        $errors = $null
        $problems = @(Test-EntraSnapshot -Store $damaged -ErrorVariable errors -ErrorAction SilentlyContinue)
        $problems.Count | Should -BeGreaterThan 0
        $problems[0].PSObject.TypeNames | Should -Contain 'EntraSnapshot.Problem'
        $snapshotIds | Should -Contain $problems[0].SnapshotId
        $problems[0].Message | Should -BeLike "*$($problems[0].SnapshotId)*"
        $errors.Count | Should -Be $problems.Count
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'EntraSnapshot.SnapshotDamaged*'
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $errors[0].TargetObject | Should -Be $problems[0].SnapshotId
        Test-EntraSnapshot -Store $store -Quiet | Should -BeTrue -Because 'the original store is untouched'
    }
}

# Ctrl+C at the prompt stops the pipeline; PowerShell.Stop() on another
# runspace does exactly the same (StopProcessing, then the finally blocks).
Describe 'An export stopped halfway' {
    BeforeAll {
        $started = Start-EntraSnapshotSim -RepositoryRoot $repositoryRoot -WorkFolder $TestDrive
        $simProcess = $started.Process
        $graphUrl = $started.GraphUrl
        $store = Join-Path -Path $TestDrive -ChildPath 'stopped'
    }

    AfterAll {
        Stop-EntraSnapshotSim -Process $simProcess
    }

    It 'stops its Graph requests, lists no snapshot and leaves a store that verifies' {
        $shell = [powershell]::Create()
        try {
            $null = $shell.AddScript({
                    param($ManifestPath, $Store, $GraphUrl)
                    Import-Module -Name $ManifestPath
                    $token = ConvertTo-SecureString -String 'any' -AsPlainText -Force
                    Export-EntraSnapshot -Store $Store -GraphUrl $GraphUrl -AccessToken $token -Full
                }).AddArgument($manifestPath).AddArgument($store).AddArgument($graphUrl)
            $running = $shell.BeginInvoke()
            # Stop once the export is under way: Graph has seen its requests.
            $deadline = [datetime]::UtcNow.AddSeconds(60)
            while ([long](Invoke-EntraSnapshotSimGraph -GraphUrl $graphUrl -Path '_sim/stats').requests -lt 3 -and -not $running.IsCompleted -and [datetime]::UtcNow -lt $deadline) {
                Start-Sleep -Milliseconds 20
            }
            $running.IsCompleted | Should -BeFalse -Because 'the export (paced at one Conditional Access request per second) is still running'
            $shell.Stop()
            $shell.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally {
            $shell.Dispose()
        }
        # Nothing more reaches Graph once the job is stopped and freed.
        $after = [long](Invoke-EntraSnapshotSimGraph -GraphUrl $graphUrl -Path '_sim/stats').requests
        Start-Sleep -Milliseconds 1500
        [long](Invoke-EntraSnapshotSimGraph -GraphUrl $graphUrl -Path '_sim/stats').requests | Should -Be $after
        @(Get-EntraSnapshot -Store $store -WarningAction SilentlyContinue).Count | Should -Be 0
        Test-EntraSnapshot -Store $store -Quiet | Should -BeTrue
    }
}
