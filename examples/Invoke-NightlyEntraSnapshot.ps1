<#
.SYNOPSIS
Nightly Azure Automation runbook: snapshot the tenant with the managed identity, verify it, and summarize the high and critical changes since last night in Markdown.

.DESCRIPTION
Runs under PowerShell 7.x or Windows PowerShell 5.1 in an Automation
account whose system-assigned (or -IdentityClientId user-assigned) managed
identity has the Graph application permissions the README lists. Import
the EntraSnapshot module (build.ps1 -Package makes the zip) into the
account first.

1. Remembers the newest snapshot in the store (none on the first night).
2. Exports the tenant into the store (only what changed since the last
   export is read).
3. Verifies the new snapshot; a damaged one fails the job.
4. Compares last night's snapshot with tonight's and writes a Markdown
   summary of the high and critical changes, each with who made it where
   the audit log says, most severe first.
5. Posts the summary to a Teams incoming webhook when one is given, and
   returns it (the job's output, for mail or a Logic App).

The store must outlive the job: in Automation that is a file share mounted
into a Hybrid Runbook Worker, or the worker's local disk; the cloud
sandbox's disk is discarded after every job.

.PARAMETER Store
The snapshot store folder.

.PARAMETER IdentityClientId
The client id of a user-assigned managed identity; the system-assigned one
when left out.

.PARAMETER TeamsWebhookUrl
A Teams incoming webhook URL to post the summary to. It is a secret: keep
it in an encrypted Automation variable and pass
(Get-AutomationVariable -Name 'TeamsWebhookUrl').

.PARAMETER SummaryPath
Also write the summary to this file.

.EXAMPLE
./Invoke-NightlyEntraSnapshot.ps1 -Store 'D:\EntraSnapshots'

On a Hybrid Runbook Worker: tonight's snapshot, and the summary of what
changed since last night as the job's output.

.EXAMPLE
./Invoke-NightlyEntraSnapshot.ps1 -Store 'D:\EntraSnapshots' -TeamsWebhookUrl (Get-AutomationVariable -Name 'TeamsWebhookUrl')

The same, posted to a Teams channel.

.OUTPUTS
System.String

The Markdown summary.
#>
[CmdletBinding()]
[OutputType([string])]
param(
    [Parameter(Mandatory)]
    [ValidateNotNullOrEmpty()]
    [string]
    $Store,

    [ValidateNotNullOrEmpty()]
    [string]
    $IdentityClientId,

    [ValidateNotNullOrEmpty()]
    [string]
    $TeamsWebhookUrl,

    [ValidateNotNullOrEmpty()]
    [string]
    $SummaryPath
)

$ErrorActionPreference = 'Stop'
Import-Module -Name 'EntraSnapshot'

$signIn = @{ ManagedIdentity = $true }
if ($PSBoundParameters.ContainsKey('IdentityClientId')) {
    $signIn.IdentityClientId = $IdentityClientId
}

# Last night's snapshot; none in a new store.
$previous = $null
if (Test-Path -LiteralPath $Store) {
    $previous = Get-EntraSnapshot -Store $Store | Where-Object { $_.Kind -eq 'Export' } | Select-Object -First 1
}

$tonight = Export-EntraSnapshot -Store $Store @signIn
Write-Verbose "Snapshot $($tonight.SnapshotId): $($tonight.Objects) objects."

$problems = @(Test-EntraSnapshot -Store $Store -Id $tonight.SnapshotId)
if ($problems.Count -gt 0) {
    throw "Snapshot $($tonight.SnapshotId) failed verification: $($problems.Message -join '; ')"
}

$lines = New-Object System.Collections.Generic.List[string]
if ($null -eq $previous) {
    $lines.Add("## Entra snapshot $($tonight.SnapshotId)")
    $lines.Add('')
    $lines.Add("First snapshot of this store: $($tonight.Objects) objects. Changes are summarized from the next run on.")
}
else {
    # -Audit says who made each change; it needs AuditLog.Read.All.
    $changes = @(Compare-EntraSnapshot -Store $Store -From $previous.SnapshotId -To $tonight.SnapshotId -SeverityMinimum High -Audit @signIn)
    $lines.Add("## Entra changes $($previous.SnapshotId) -> $($tonight.SnapshotId)")
    $lines.Add('')
    if ($changes.Count -eq 0) {
        $lines.Add('No high or critical changes.')
    }
    else {
        $critical = @($changes | Where-Object { $_.Severity -eq 'Critical' }).Count
        $lines.Add("$critical critical, $($changes.Count - $critical) high:")
        $lines.Add('')
        foreach ($change in $changes) {
            $by = ''
            if ($change.ChangedBy.Count -gt 0) {
                $by = " (by $($change.ChangedBy -join ', '))"
            }
            $lines.Add("- **$($change.Severity)** $($change.ObjectType) '$($change.ObjectName)': $($change.Reason)$by")
            foreach ($attribute in $change.Attributes) {
                $lines.Add("  - ``$attribute``")
            }
            foreach ($link in $change.Links) {
                $lines.Add("  - ``$link``")
            }
        }
    }
}
$summary = $lines -join "`n"

if ($PSBoundParameters.ContainsKey('SummaryPath')) {
    [System.IO.File]::WriteAllText($SummaryPath, $summary, (New-Object System.Text.UTF8Encoding -ArgumentList $false))
}
if ($PSBoundParameters.ContainsKey('TeamsWebhookUrl')) {
    $body = @{ text = $summary } | ConvertTo-Json -Compress
    $null = Invoke-RestMethod -Method Post -Uri $TeamsWebhookUrl -ContentType 'application/json; charset=utf-8' -Body ([System.Text.Encoding]::UTF8.GetBytes($body))
}
$summary
