function New-EntraSnapshotSigningKey {
    <#
    .SYNOPSIS
    Makes an Ed25519 key pair that signs snapshots, so a forged one can be told.

    .DESCRIPTION
    New-EntraSnapshotSigningKey writes a new private key to -Path (PEM,
    readable by its owner only) and its public key beside it, with '.pub'
    added. Give the private key to the commands that store snapshots
    (Export-EntraSnapshot, Compare-EntraSnapshot -To Live,
    Restore-EntraObject: -SigningKeyFile, or $env:ENTRASNAP_SIGNING_KEY_FILE)
    and the public key to those that must trust them (Test-EntraSnapshot,
    Compare-EntraSnapshot, Restore-EntraObject: -VerifyKeyFile, or
    $env:ENTRASNAP_VERIFY_KEY_FILE). Keep the private key where someone who
    can write the store cannot read it. An existing file is never replaced.
    The keys are made by the engine; no key material passes through
    PowerShell or appears in the output.

    .PARAMETER Path
    Where the private key goes. The public key goes to the same path with
    '.pub' added. Neither file may exist.

    .EXAMPLE
    New-EntraSnapshotSigningKey -Path 'C:\Keys\entrasnap-signing.pem'

    KeyId            PrivateKeyFile                    PublicKeyFile
    -----            --------------                    -------------
    3f9a0c4e1b2d7a65 C:\Keys\entrasnap-signing.pem     C:\Keys\entrasnap-signing.pem.pub

    Makes the key pair once, on an admin workstation.

    .EXAMPLE
    $key = New-EntraSnapshotSigningKey -Path 'C:\Keys\entrasnap-signing.pem'
    Export-EntraSnapshot -Store 'D:\EntraSnapshots' -SigningKeyFile $key.PrivateKeyFile |
        Test-EntraSnapshot -VerifyKeyFile $key.PublicKeyFile

    Signs a snapshot and checks its signature. Checking the whole store
    (Test-EntraSnapshot -Store ... -VerifyKeyFile ...) also names every
    older snapshot that was stored before signing began as unsigned.

    .OUTPUTS
    EntraSnapshot.SigningKey

    .LINK
    Test-EntraSnapshot

    .LINK
    Export-EntraSnapshot
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low')]
    [OutputType('EntraSnapshot.SigningKey')]
    param(
        [Parameter(Mandatory, Position = 0)]
        [ValidateNotNullOrEmpty()]
        [string]
        $Path
    )

    $fullPath = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Path)
    if (-not $PSCmdlet.ShouldProcess("$fullPath and $fullPath.pub", 'Write a new signing key pair')) {
        return
    }
    try {
        $made = Invoke-EntraSnapshotJob -Operation 'key.generate' -Parameters @{ privateKeyFile = $fullPath } -TargetObject $fullPath
    }
    catch {
        $PSCmdlet.ThrowTerminatingError($_)
    }
    [pscustomobject]@{
        PSTypeName     = 'EntraSnapshot.SigningKey'
        KeyId          = [string]$made.keyId
        PrivateKeyFile = [string]$made.privateKey
        PublicKeyFile  = [string]$made.publicKey
    }
}
