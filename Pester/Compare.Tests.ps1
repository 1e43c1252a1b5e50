BeforeAll {
    $repositoryRoot = Split-Path -Path $PSScriptRoot -Parent
    $manifestPath = Join-Path -Path $repositoryRoot -ChildPath 'module/EntraSnapshot/EntraSnapshot.psd1'
    Import-Module -Name $manifestPath -Force -ErrorAction Stop

    $plainToken = 'eyJ0eXAiOiJKV1QifQ.pester-compare-token-3c9d.sig'
    $token = ConvertTo-SecureString -String $plainToken -AsPlainText -Force

    # A snapshot.compare answer as the engine gives it to the module
    # (records 'module', native/ffi/src/records.rs), most severe first.
    $reportJson = @'
{
  "from": "20260301T000000Z-aaaaaa",
  "to": "20260302T000000Z-bbbbbb",
  "live": false,
  "hidden": 3,
  "counts": {"critical": 1, "high": 1},
  "changes": [
    {
      "Severity": "Critical", "ObjectType": "conditionalAccessPolicy", "ObjectName": "CA001 - Require MFA for all users",
      "ObjectId": "9b5a3c1e-0000-4000-8000-000000000001", "Kind": "Modified", "PreviousId": null,
      "Reason": "Conditional Access policy 'CA001 - Require MFA for all users' was disabled: MFA for all users is no longer enforced",
      "Attributes": [{"Path": "state", "Old": "enabled", "New": "disabled", "Added": [], "Removed": [], "Names": []}],
      "Links": [], "Restorable": null, "ChangedBy": [], "Attribution": null,
      "FromSnapshotId": "20260301T000000Z-aaaaaa", "ToSnapshotId": "20260302T000000Z-bbbbbb", "Live": false, "Store": "STORE"
    },
    {
      "Severity": "High", "ObjectType": "group", "ObjectName": "SG-CA-Exclude-BreakGlass",
      "ObjectId": "5d1f0000-0000-4000-8000-00000000000b", "Kind": "Recreated", "PreviousId": "5d1f0000-0000-4000-8000-00000000000a",
      "Reason": "group 'SG-CA-Exclude-BreakGlass' was deleted and created again",
      "Attributes": [],
      "Links": [{"Link": "members", "Added": [{"Id": "u1", "Name": "Zo\u00eb \u00c5lander"}], "Removed": []}],
      "Restorable": false, "ChangedBy": [], "Attribution": null,
      "FromSnapshotId": "20260301T000000Z-aaaaaa", "ToSnapshotId": "20260302T000000Z-bbbbbb", "Live": false, "Store": "STORE"
    }
  ]
}
'@

    # Plays the engine for a mocked Invoke-EntraSnapshotJob: the changes go
    # to -Pages (its changes list) as the engine's page events would, the rest is the result
    # (with changeCount, and the rendering when there is one). The engine
    # echoes the request's store in every record; STORE stands for it.
    function Send-EngineAnswer {
        param(
            [Parameter(Mandatory)]
            [string]
            $Json,

            [AllowNull()]
            [hashtable]
            $Pages,

            [hashtable]
            $Parameters = @{},

            [string]
            $Rendered
        )

        $answer = ConvertFrom-Json -InputObject $Json.Replace('"STORE"', (ConvertTo-Json -InputObject ([string]$Parameters.store)))
        $changes = @($answer.changes | Where-Object { $null -ne $_ })
        foreach ($change in $changes) {
            $Pages['changes'].Add($change)
        }
        $result = [ordered]@{
            from        = $answer.from
            to          = $answer.to
            live        = $answer.live
            hidden      = $answer.hidden
            counts      = $answer.counts
            changeCount = $changes.Count
            pages       = [int]($changes.Count -gt 0)
        }
        if ($PSBoundParameters.ContainsKey('Rendered')) {
            $result.rendered = $Rendered
        }
        [pscustomobject]$result
    }
    # Written with char codes: Windows PowerShell reads a script without a BOM as ANSI.
    $personName = "Zo$([char]0x00EB) $([char]0x00C5)lander"
    $html = "<!DOCTYPE html>`n<html><body><h1>Changes</h1><p>$personName</p></body></html>`n"

}

AfterAll {
    Remove-Module -Name 'EntraSnapshot' -Force -ErrorAction SilentlyContinue
}

Describe 'Compare-EntraSnapshot parameters' {
    BeforeAll {
        $command = Get-Command -Name 'Compare-EntraSnapshot'
    }

    It 'declares Change objects and, with -Format, a string as output' {
        $command.OutputType.Name | Should -Contain 'EntraSnapshot.Change'
        $command.OutputType.Type | Should -Contain ([string])
    }

    It 'needs -To' {
        $attribute = $command.Parameters['To'].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }
        $attribute.Mandatory | Should -BeTrue
    }

    It 'takes -From and -Store from piped snapshots' {
        $command.Parameters['From'].Aliases | Should -Contain 'SnapshotId'
        foreach ($name in 'From', 'Store') {
            $command.Parameters[$name].Attributes.Where({ $_ -is [System.Management.Automation.ParameterAttribute] }).ValueFromPipelineByPropertyName | Should -Contain $true
        }
    }

    It 'offers the 17 object types, five severities and four formats' {
        $sets = @{}
        foreach ($name in 'Type', 'SeverityMinimum', 'Format') {
            $sets[$name] = ($command.Parameters[$name].Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }).ValidValues
        }
        $sets.Type.Count | Should -Be 17
        $sets.Type | Should -Contain 'conditionalAccessPolicy'
        ($sets.SeverityMinimum -join ',') | Should -Be 'Info,Low,Medium,High,Critical'
        ($sets.Format -join ',') | Should -Be 'Text,Markdown,Html,Json'
    }

    It 'takes -AccessToken only as a SecureString, and not together with a managed identity' {
        $command.Parameters['AccessToken'].ParameterType | Should -Be ([securestring])
        { Compare-EntraSnapshot -Store $TestDrive -To Live -ManagedIdentity -AccessToken $token } |
            Should -Throw -ErrorId 'AmbiguousParameterSet,Compare-EntraSnapshot'
    }

    It 'refuses an unknown severity before doing anything' {
        { Compare-EntraSnapshot -Store $TestDrive -To latest -SeverityMinimum 'Urgent' } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,Compare-EntraSnapshot'
    }

    It 'needs -Store or $env:ENTRASNAP_STORE' {
        $saved = $env:ENTRASNAP_STORE
        try {
            $env:ENTRASNAP_STORE = $null
            { Compare-EntraSnapshot -To latest } | Should -Throw -ErrorId 'EntraSnapshot.StoreRequired*'
        }
        finally {
            $env:ENTRASNAP_STORE = $saved
        }
    }

    It 'reports a missing store' {
        $missing = Join-Path -Path $TestDrive -ChildPath 'no-store-here'
        { Compare-EntraSnapshot -Store $missing -To latest } | Should -Throw -ErrorId 'EntraSnapshot.StoreError*'
        $missing | Should -Not -Exist
    }

    It 'refuses -PassThru without -OutFile' {
        { Compare-EntraSnapshot -Store $TestDrive -To latest -PassThru } | Should -Throw -ErrorId 'EntraSnapshot.InvalidArgument*'
    }
}

Describe 'Compare-EntraSnapshot with the engine answering' {
    It 'asks the engine for one comparison of two snapshots, without signing in' {
        Mock -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -MockWith {
            $Parameters['sawToken'] = $Parameters.ContainsKey('token')
            Send-EngineAnswer -Json $reportJson -Pages $Pages -Parameters $Parameters
        }
        $null = Compare-EntraSnapshot -Store $TestDrive -From '20260301T000000Z-aaaaaa' -To latest -Type conditionalAccessPolicy, group -SeverityMinimum High -GraphUrl 'http://127.0.0.1:9'
        Should -Invoke -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -Times 1 -Exactly -ParameterFilter {
            $Operation -eq 'snapshot.compare' -and
            $Parameters.store -eq $TestDrive -and
            $Parameters.from -eq '20260301T000000Z-aaaaaa' -and
            $Parameters.to -eq 'latest' -and
            $Parameters.severityMin -ceq 'high' -and
            (@($Parameters.types) -join ',') -eq 'conditionalAccessPolicy,group' -and
            -not $Parameters.ContainsKey('format') -and
            -not $Parameters.ContainsKey('graphUrl') -and
            -not $Parameters.sawToken
        }
    }

    It 'compares from the newest snapshot by default, with the live tenant signed in with the token' {
        Mock -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -MockWith {
            $Parameters['sawToken'] = $Parameters['token'] -eq $plainToken
            Send-EngineAnswer -Json $reportJson -Pages $Pages -Parameters $Parameters
        }
        $null = Compare-EntraSnapshot -Store $TestDrive -To LIVE -GraphUrl 'http://127.0.0.1:9' -AccessToken $token
        Should -Invoke -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -Times 1 -Exactly -ParameterFilter {
            $Parameters.from -eq 'latest' -and
            $Parameters.to -ceq 'live' -and
            $Parameters.severityMin -ceq 'info' -and
            $Parameters.graphUrl -eq 'http://127.0.0.1:9' -and
            $Parameters.sawToken -and
            -not $Parameters.ContainsKey('token')
        }
    }

    It 'types attribute and link changes, each printing as one line' {
        $typedJson = @'
{
  "from": "20260301T000000Z-aaaaaa", "to": "20260302T000000Z-bbbbbb", "live": false, "hidden": 0, "counts": {"high": 1},
  "changes": [{
    "Severity": "High", "ObjectType": "user", "ObjectName": "Adele Vance", "ObjectId": "u1", "Kind": "Modified", "PreviousId": null,
    "Reason": "r",
    "Attributes": [
      {"Path": "department", "Old": "Operations", "New": "Corrupted By Sync", "Added": [], "Removed": [], "Names": []},
      {"Path": "jobTitle", "Old": null, "New": "Intern", "Added": [], "Removed": [], "Names": []},
      {"Path": "accountEnabled", "Old": true, "New": false, "Added": [], "Removed": [], "Names": []},
      {"Path": "conditions.users.excludeUsers", "Old": null, "New": null, "Added": ["g9"], "Removed": ["g1", "g2"],
       "Names": [{"Id": "g1", "Name": "Break Glass 1"}, {"Id": "g2", "Name": "(unknown id)"}, {"Id": "g9", "Name": "Mallory"}]},
      {"Path": "ipRanges", "Old": [{"cidrAddress": "10.0.0.0/8"}], "New": [], "Added": [], "Removed": [], "Names": []}
    ],
    "Links": [{"Link": "members", "Added": [{"Id": "u7", "Name": "Mallory"}], "Removed": [{"Id": "u2", "Name": "Break Glass 2"}]}],
    "Restorable": null, "ChangedBy": [], "Attribution": null,
    "FromSnapshotId": "20260301T000000Z-aaaaaa", "ToSnapshotId": "20260302T000000Z-bbbbbb", "Live": false, "Store": "STORE"
  }]
}
'@
        Mock -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -MockWith {
            Send-EngineAnswer -Json $typedJson -Pages $Pages -Parameters $Parameters
        }
        $change = Compare-EntraSnapshot -Store $TestDrive -From '20260301T000000Z-aaaaaa' -To latest
        $attributes = @($change.Attributes)
        $attributes.Count | Should -Be 5
        foreach ($attribute in $attributes) {
            $attribute.PSObject.TypeNames[0] | Should -BeExactly 'EntraSnapshot.AttributeChange'
            @($attribute.PSObject.Properties.Name) | Should -Be @('Path', 'Old', 'New', 'Added', 'Removed', 'Names')
        }
        "$($attributes[0])" | Should -BeExactly 'department: Operations -> Corrupted By Sync'
        "$($attributes[1])" | Should -BeExactly 'jobTitle: (none) -> Intern'
        "$($attributes[2])" | Should -BeExactly 'accountEnabled: true -> false'
        "$($attributes[3])" | Should -BeExactly 'conditions.users.excludeUsers: +Mallory (g9), -Break Glass 1 (g1), -(unknown id) (g2)'
        "$($attributes[4])" | Should -BeExactly 'ipRanges: [{"cidrAddress":"10.0.0.0/8"}] -> []'
        $attributes[3].Names['g1'] | Should -BeExactly 'Break Glass 1'
        $attributes[3].Added | Should -Be @('g9')
        $attributes[3].Removed | Should -Be @('g1', 'g2')

        $link = @($change.Links)[0]
        $link.PSObject.TypeNames[0] | Should -BeExactly 'EntraSnapshot.LinkChange'
        "$link" | Should -BeExactly 'members: +Mallory (u7), -Break Glass 2 (u2)'
        $link.Added[0].Id | Should -BeExactly 'u7'
        $link.Added[0].Name | Should -BeExactly 'Mallory'

        # The format views print the same lines.
        $table = $attributes | Format-Table | Out-String -Width 200
        $table | Should -Match 'department\s+Operations -> Corrupted By Sync'
        ($change | Format-List Attributes | Out-String -Width 400) | Should -Match 'department: Operations -> Corrupted By Sync'
    }

    It 'returns one EntraSnapshot.Change per change, in the engine''s order' {
        Mock -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -MockWith {
            Send-EngineAnswer -Json $reportJson -Pages $Pages -Parameters $Parameters
        }
        $changes = @(Compare-EntraSnapshot -Store $TestDrive -From '20260301T000000Z-aaaaaa' -To latest)
        $changes.Count | Should -Be 2
        $changes[0].PSObject.TypeNames | Should -Contain 'EntraSnapshot.Change'

        $changes[0].Severity | Should -BeExactly 'Critical'
        $changes[0].ObjectType | Should -Be 'conditionalAccessPolicy'
        $changes[0].ObjectName | Should -Be 'CA001 - Require MFA for all users'
        $changes[0].ObjectId | Should -Be '9b5a3c1e-0000-4000-8000-000000000001'
        $changes[0].Kind | Should -BeExactly 'Modified'
        $changes[0].PreviousId | Should -BeNullOrEmpty
        $changes[0].Reason | Should -BeLike "Conditional Access policy 'CA001 - Require MFA for all users' was disabled*"
        $changes[0].Attributes.Count | Should -Be 1
        $changes[0].Attributes[0].Path | Should -BeExactly 'state'
        $changes[0].Attributes[0].Old | Should -BeExactly 'enabled'
        $changes[0].Attributes[0].New | Should -BeExactly 'disabled'
        $changes[0].Links.Count | Should -Be 0
        $changes[0].Restorable | Should -BeNullOrEmpty
        $changes[0].FromSnapshotId | Should -Be '20260301T000000Z-aaaaaa'
        $changes[0].ToSnapshotId | Should -Be '20260302T000000Z-bbbbbb'
        $changes[0].Live | Should -BeFalse
        $changes[0].Store | Should -Be $TestDrive

        $changes[1].Severity | Should -BeExactly 'High'
        $changes[1].Kind | Should -BeExactly 'Recreated'
        $changes[1].PreviousId | Should -Be '5d1f0000-0000-4000-8000-00000000000a'
        $changes[1].Restorable | Should -BeFalse
        $changes[1].Links[0].Link | Should -BeExactly 'members'
        $changes[1].Links[0].Added[0].Name | Should -BeExactly $personName
    }

    It 'shows changes as a table of severity, type, name and reason' {
        Mock -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -MockWith {
            Send-EngineAnswer -Json $reportJson -Pages $Pages -Parameters $Parameters
        }
        # PowerShell 7.2+ may colour headers; the escape sequences are not what is tested.
        $table = (Compare-EntraSnapshot -Store $TestDrive -To latest | Out-String -Width 250) -replace '\x1b\[[0-9;]*m', ''
        $header = ($table -split "`r?`n" | Where-Object { $_ -match '\S' } | Select-Object -First 1).Trim()
        $header | Should -Match '^Severity\s+Type\s+Name\s+Reason$'
        $table | Should -Match 'Critical\s+conditionalAccessPolicy\s+CA001 - Require MFA for all users'
    }

    It 'returns nothing when nothing changed, so a script can test the result' {
        Mock -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -MockWith {
            Send-EngineAnswer -Json '{"from": "a", "to": "b", "live": false, "hidden": 0, "counts": {}, "changes": []}' -Pages $Pages
        }
        $found = Compare-EntraSnapshot -Store $TestDrive -To latest -SeverityMinimum High
        $found | Should -BeNullOrEmpty
        [bool]$found | Should -BeFalse
    }

    It 'compares each piped snapshot with -To' {
        Mock -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -MockWith {
            Send-EngineAnswer -Json $reportJson -Pages $Pages -Parameters $Parameters
        }
        $snapshots = @(
            [pscustomobject]@{
                PSTypeName = 'EntraSnapshot.Snapshot'
                SnapshotId = '20260301T000000Z-aaaaaa'
                Store      = $TestDrive
            }
            [pscustomobject]@{
                PSTypeName = 'EntraSnapshot.Snapshot'
                SnapshotId = '20260228T000000Z-cccccc'
                Store      = $TestDrive
            }
        )
        $changes = @($snapshots | Compare-EntraSnapshot -To latest)
        $changes.Count | Should -Be 4
        Should -Invoke -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -Times 1 -Exactly -ParameterFilter { $Parameters.from -eq '20260301T000000Z-aaaaaa' }
        Should -Invoke -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -Times 1 -Exactly -ParameterFilter { $Parameters.from -eq '20260228T000000Z-cccccc' }
    }

    It 'returns the rendering as one string with -Format' {
        Mock -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -MockWith {
            Send-EngineAnswer -Json $reportJson -Pages $Pages -Parameters $Parameters -Rendered "# Changes`n`n$personName`n"
        }
        $output = @(Compare-EntraSnapshot -Store $TestDrive -To latest -Format Markdown)
        $output.Count | Should -Be 1
        $output[0] | Should -BeOfType ([string])
        $output[0] | Should -BeExactly "# Changes`n`n$personName`n"
        Should -Invoke -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -Times 1 -Exactly -ParameterFilter { $Parameters.format -ceq 'markdown' }
    }

    It 'writes -OutFile as UTF-8 without a byte order mark, in the format of its extension, and returns nothing' {
        Mock -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -MockWith {
            Send-EngineAnswer -Json $reportJson -Pages $Pages -Parameters $Parameters -Rendered $html
        }
        $file = Join-Path -Path $TestDrive -ChildPath 'changes.html'
        Set-Content -LiteralPath $file -Value 'an older report, longer than the new one would be if it were only appended to'
        $output = Compare-EntraSnapshot -Store $TestDrive -To latest -OutFile $file
        $output | Should -BeNullOrEmpty
        Should -Invoke -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -Times 1 -Exactly -ParameterFilter { $Parameters.format -ceq 'html' }

        $bytes = [System.IO.File]::ReadAllBytes($file)
        $expected = [System.Text.UTF8Encoding]::new($false).GetBytes($html)
        ($bytes[0..2] -join ',') | Should -Not -Be '239,187,191'
        $bytes.Length | Should -Be $expected.Length
        [System.Text.Encoding]::UTF8.GetString($bytes) | Should -BeExactly $html
    }

    It 'resolves a relative -OutFile against the current location, and returns the changes with -PassThru' {
        Mock -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -MockWith {
            Send-EngineAnswer -Json $reportJson -Pages $Pages -Parameters $Parameters -Rendered '{"changes": []}'
        }
        Push-Location -LiteralPath $TestDrive
        try {
            $changes = @(Compare-EntraSnapshot -Store $TestDrive -To latest -Format Json -OutFile 'report.txt' -PassThru)
        }
        finally {
            Pop-Location
        }
        Should -Invoke -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -Times 1 -Exactly -ParameterFilter { $Parameters.format -ceq 'json' }
        Get-Content -LiteralPath (Join-Path -Path $TestDrive -ChildPath 'report.txt') -Raw | Should -Be '{"changes": []}'
        $changes.Count | Should -Be 2
        $changes[0].PSObject.TypeNames | Should -Contain 'EntraSnapshot.Change'
    }

    It 'names an engine that does not render' {
        Mock -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -MockWith {
            Send-EngineAnswer -Json $reportJson -Pages $Pages -Parameters $Parameters
        }
        { Compare-EntraSnapshot -Store $TestDrive -To latest -Format Text } | Should -Throw -ErrorId 'EntraSnapshot.FormatNotSupported*'
    }

    It 'reports a folder it cannot write to as an OutFileFailed error' {
        Mock -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -MockWith {
            Send-EngineAnswer -Json $reportJson -Pages $Pages -Parameters $Parameters -Rendered 'text'
        }
        $file = Join-Path -Path (Join-Path -Path $TestDrive -ChildPath 'no-such-folder') -ChildPath 'changes.txt'
        { Compare-EntraSnapshot -Store $TestDrive -To latest -OutFile $file } | Should -Throw -ErrorId 'EntraSnapshot.OutFileFailed*'
    }

    It 'refuses to write two piped comparisons into one -OutFile' {
        Mock -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -MockWith {
            Send-EngineAnswer -Json $reportJson -Pages $Pages -Parameters $Parameters -Rendered 'text'
        }
        $file = Join-Path -Path $TestDrive -ChildPath 'two.txt'
        { 'a', 'b' | ForEach-Object { [pscustomobject]@{ SnapshotId = $_ } } | Compare-EntraSnapshot -Store $TestDrive -To latest -OutFile $file } |
            Should -Throw -ErrorId 'EntraSnapshot.InvalidArgument*'
        Should -Invoke -CommandName Invoke-EntraSnapshotJob -ModuleName 'EntraSnapshot' -Times 1 -Exactly
    }
}
