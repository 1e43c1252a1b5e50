function Test-EntraSnapshot {
    <#
    .SYNOPSIS
    Verifies that snapshots in a store are intact: every object re-read and re-hashed.

    .DESCRIPTION
    Test-EntraSnapshot re-reads everything a snapshot refers to (its
    manifest, its index and every object file), re-hashes it and compares
    it with what the snapshot recorded, so you know a backup can be trusted
    before you restore from it. Without -Id it checks every snapshot in the
    store.

    Each problem (a missing or changed object file, an edited manifest)
    comes out as an EntraSnapshot.Problem object that names the snapshot,
    the object type and the object, and as a non-terminating error with
    ErrorId EntraSnapshot.SnapshotDamaged, category InvalidData and the
    snapshot id as target. An intact snapshot produces no output. With
    -Quiet it returns only $true (intact) or $false.

    .PARAMETER Store
    The folder of the snapshot store. Defaults to $env:ENTRASNAP_STORE; one
    of them is required. The store must exist.

    .PARAMETER Id
    The snapshot to verify: its id, 'latest' (the newest export) or
    'label:NAME'. Every snapshot in the store by default.

    .PARAMETER Quiet
    Return $true when every checked snapshot is intact, $false otherwise,
    instead of problems and errors.

    .PARAMETER VerifyKeyFile
    Ed25519 public keys (PEM). Every snapshot's signature is checked against
    them: a forged, re-signed or unsigned snapshot is a problem (kinds
    badSignature and unsigned). Defaults to $env:ENTRASNAP_VERIFY_KEY_FILE
    (comma separated).

    .PARAMETER IdentityFile
    The age identity file that reads an encrypted store (see
    Export-EntraSnapshot -Recipient). Defaults to $env:ENTRASNAP_IDENTITY_FILE.
    The file is read by the engine only.

    .EXAMPLE
    Test-EntraSnapshot -Store 'D:\EntraSnapshots'

    SnapshotId              Kind          Type                    ObjectName     Message
    ----------              ----          ----                    ----------     -------
    20261121T234700Z-7f3a9c objectCorrupt conditionalAccessPolicy Require MFA... snapshot 20261121T234700Z-7f3a9c: ...

    Checks every snapshot in the store and shows what is damaged.

    .EXAMPLE
    if (-not (Test-EntraSnapshot -Store $env:ENTRASNAP_STORE -Id latest -Quiet)) {
        Write-Warning 'The newest snapshot is damaged: take a new one before changing anything.'
    }

    Guards a change procedure on an intact backup.

    .EXAMPLE
    Export-EntraSnapshot -Store ./snapshots | Test-EntraSnapshot -ErrorAction Stop

    Takes a snapshot and verifies it; the first problem stops the script.

    .EXAMPLE
    Describe 'Backups' {
        It 'the newest snapshot is intact' {
            Test-EntraSnapshot -Store 'D:\EntraSnapshots' -Id latest -Quiet | Should -BeTrue
        }
    }

    A Pester check for a change procedure.

    .INPUTS
    EntraSnapshot.Snapshot

    You can pipe snapshots from Get-EntraSnapshot or Export-EntraSnapshot.

    .OUTPUTS
    EntraSnapshot.Problem

    System.Boolean with -Quiet.

    .LINK
    Get-EntraSnapshot

    .LINK
    Export-EntraSnapshot

    .LINK
    about_EntraSnapshot
    #>
    [CmdletBinding()]
    [OutputType('EntraSnapshot.Problem')]
    [OutputType([bool])]
    param(
        [Parameter(Position = 0, ValueFromPipelineByPropertyName)]
        [string]
        $Store,

        [ValidateNotNullOrEmpty()]
        [string]
        $IdentityFile,

        [ValidateNotNullOrEmpty()]
        [string[]]
        $VerifyKeyFile,

        [Parameter(Position = 1, ValueFromPipelineByPropertyName)]
        [Alias('SnapshotId')]
        [ValidateNotNullOrEmpty()]
        [string]
        $Id,

        [switch]
        $Quiet
    )

    process {
        try {
            $storePath = Resolve-EntraSnapshotStore -Store $Store
            $parameters = @{
                store = $storePath
            }
            Add-EntraSnapshotKeyFile -Parameters $parameters -VerifyKeyFile $VerifyKeyFile -NoSigning -IdentityFile $IdentityFile
            $target = $storePath
            if ($PSBoundParameters.ContainsKey('Id')) {
                $parameters.snapshot = $Id
                $target = $Id
            }
            $report = Invoke-EntraSnapshotJob -Operation 'snapshot.verify' -Parameters $parameters -TargetObject $target
        }
        catch {
            $PSCmdlet.ThrowTerminatingError($_)
        }

        # A store others can read, signatures not checked: worth saying, not damage.
        foreach ($warning in @($report.warnings | Where-Object { $null -ne $_ })) {
            Write-Warning ([string]$warning)
        }
        $problems = @($report.problems | Where-Object { $null -ne $_ })
        Write-Verbose "Checked $($report.snapshotsChecked) snapshot(s) and $($report.objectsChecked) object file(s) in '$storePath': $($problems.Count) problem(s)."
        if ($Quiet) {
            return ($problems.Count -eq 0)
        }
        foreach ($problem in $problems) {
            [pscustomobject]@{
                PSTypeName = 'EntraSnapshot.Problem'
                SnapshotId = [string]$problem.snapshot
                Kind       = [string]$problem.kind
                Type       = $problem.type
                ObjectId   = $problem.objectId
                ObjectName = $problem.objectName
                Hash       = $problem.hash
                Message    = [string]$problem.message
                Store      = $storePath
            }
            $PSCmdlet.WriteError((New-EntraSnapshotErrorRecord -Message ([string]$problem.message) -ErrorId 'EntraSnapshot.SnapshotDamaged' -Category InvalidData -TargetObject ([string]$problem.snapshot) -ExceptionType ([System.IO.InvalidDataException])))
        }
    }
}
