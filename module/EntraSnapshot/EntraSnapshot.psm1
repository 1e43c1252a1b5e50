# Private first: public functions call them, and loading the native library
# (below) needs them. A packaged module (build.ps1 -Package) has no Private/
# or Public/ folder: its one psm1 already holds their functions above this.
#
# Import uses no cmdlet of Microsoft.PowerShell.Management or .Utility (Join-Path,
# Test-Path, Get-ChildItem, Sort-Object, Import-PowerShellDataFile, New-Object):
# the first use of either module in a session loads it, 130 to 200 ms each,
# which would be most of the import. .NET calls do the same here.
foreach ($folder in 'Private', 'Public') {
    $folderPath = [System.IO.Path]::Combine($PSScriptRoot, $folder)
    if ([System.IO.Directory]::Exists($folderPath)) {
        $files = [System.IO.Directory]::GetFiles($folderPath, '*.ps1')
        [System.Array]::Sort($files, [System.StringComparer]::OrdinalIgnoreCase)
        foreach ($file in $files) {
            . $file
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

# The manifest names what is exported, in the repository and in a package
# alike. It is read as Import-PowerShellDataFile reads it (a parse, then only
# literal values), without loading that cmdlet's module.
$manifestAst = [System.Management.Automation.Language.Parser]::ParseFile([System.IO.Path]::Combine($PSScriptRoot, 'EntraSnapshot.psd1'), [ref]$null, [ref]$null)
$manifestData = $manifestAst.Find({ param($node) $node -is [System.Management.Automation.Language.HashtableAst] }, $false).SafeGetValue()
Export-ModuleMember -Function @($manifestData.FunctionsToExport)
