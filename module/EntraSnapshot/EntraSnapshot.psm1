# Private first: public functions call them, and loading the native library
# (below) needs them.
$privateFiles = @(Get-ChildItem -Path (Join-Path -Path $PSScriptRoot -ChildPath 'Private') -Filter '*.ps1' -File)
$publicFiles = @(Get-ChildItem -Path (Join-Path -Path $PSScriptRoot -ChildPath 'Public') -Filter '*.ps1' -File)

foreach ($file in @($privateFiles + $publicFiles)) {
    . $file.FullName
}

# Loaded once per module import; the Add-Type type behind it lives as long as
# the PowerShell session.
$script:EntraSnapshotNative = Import-EntraSnapshotNative -ModuleRoot $PSScriptRoot

Export-ModuleMember -Function @($publicFiles | ForEach-Object { $_.BaseName })
