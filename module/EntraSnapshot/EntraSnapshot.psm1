# Private first: public functions call them, and loading the native library
# (below) needs them. A packaged module (build.ps1 -Package) has no Private/
# or Public/ folder: its one psm1 already holds their functions above this.
foreach ($folder in 'Private', 'Public') {
    $folderPath = Join-Path -Path $PSScriptRoot -ChildPath $folder
    if (Test-Path -LiteralPath $folderPath -PathType Container) {
        foreach ($file in @(Get-ChildItem -Path $folderPath -Filter '*.ps1' -File | Sort-Object -Property Name)) {
            . $file.FullName
        }
    }
}

# The environment variables the engine's sign-in reads. They are handed to
# each Graph job as PowerShell sees them: on Linux and macOS the engine can't
# see what `$env:X = ...` set in this session.
$script:EntraSnapshotSignInVariables = @(
    'ENTRASNAP_TOKEN'
    'IDENTITY_ENDPOINT'
    'IDENTITY_HEADER'
    'IMDS_ENDPOINT'
    'MSI_ENDPOINT'
    'MSI_SECRET'
    'AZURE_POD_IDENTITY_AUTHORITY_HOST'
    'AZURE_AUTHORITY_HOST'
    'AZURE_TENANT_ID'
    'AZURE_CLIENT_ID'
    'AZURE_CLIENT_SECRET'
    'AZURE_CLIENT_CERTIFICATE_PATH'
    'AZURE_FEDERATED_TOKEN_FILE'
    'AZURE_CONFIG_DIR'
    'ENTRASNAP_ARC_TOKENS_DIR'
    'PATH'
)

# Loaded once per module import; the declared type behind it lives as long as
# the PowerShell session.
$script:EntraSnapshotNative = Import-EntraSnapshotNative -ModuleRoot $PSScriptRoot

# The manifest names what is exported, in the repository and in a package alike.
$manifestData = Import-PowerShellDataFile -Path (Join-Path -Path $PSScriptRoot -ChildPath 'EntraSnapshot.psd1')
Export-ModuleMember -Function @($manifestData.FunctionsToExport)
