function Add-EntraSnapshotKeyFile {
    <#
    .SYNOPSIS
    Adds the key files a command was given (signing, verify, age identity) to a job's parameters, as full paths.

    .DESCRIPTION
    -SigningKeyFile defaults to $env:ENTRASNAP_SIGNING_KEY_FILE,
    -VerifyKeyFile to $env:ENTRASNAP_VERIFY_KEY_FILE (comma separated) and
    -IdentityFile (the age identity that reads an encrypted store) to
    $env:ENTRASNAP_IDENTITY_FILE, as for the entrasnap command: on Linux and
    macOS the engine never sees what `$env:X = ...` set in this session. Paths are resolved against the current
    PowerShell location: the engine's working folder is the process's, which
    Set-Location does not change. The engine reads the files; their content
    never passes through PowerShell.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)]
        [hashtable]
        $Parameters,

        [AllowNull()]
        [AllowEmptyString()]
        [string]
        $SigningKeyFile,

        [AllowNull()]
        [string[]]
        $VerifyKeyFile,

        [AllowNull()]
        [AllowEmptyString()]
        [string]
        $IdentityFile,

        [switch]
        $NoSigning
    )

    if ([string]::IsNullOrWhiteSpace($IdentityFile)) {
        $IdentityFile = $env:ENTRASNAP_IDENTITY_FILE
    }
    if (-not [string]::IsNullOrWhiteSpace($IdentityFile)) {
        $Parameters.identityFile = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($IdentityFile)
    }

    if (-not $NoSigning) {
        if ([string]::IsNullOrWhiteSpace($SigningKeyFile)) {
            $SigningKeyFile = $env:ENTRASNAP_SIGNING_KEY_FILE
        }
        if (-not [string]::IsNullOrWhiteSpace($SigningKeyFile)) {
            $Parameters.signingKeyFile = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($SigningKeyFile)
        }
    }
    $given = @($VerifyKeyFile | Where-Object { -not [string]::IsNullOrWhiteSpace($_) })
    if ($given.Count -eq 0 -and -not [string]::IsNullOrWhiteSpace($env:ENTRASNAP_VERIFY_KEY_FILE)) {
        $given = @($env:ENTRASNAP_VERIFY_KEY_FILE -split ',' | Where-Object { -not [string]::IsNullOrWhiteSpace($_) })
    }
    if ($given.Count -gt 0) {
        $resolved = [System.Collections.Generic.List[string]]::new()
        foreach ($path in $given) {
            $resolved.Add($PSCmdlet.GetUnresolvedProviderPathFromPSPath($path.Trim()))
        }
        $Parameters.verifyKeyFiles = $resolved.ToArray()
    }
}
