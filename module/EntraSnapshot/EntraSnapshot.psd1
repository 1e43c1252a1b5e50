@{
    RootModule           = 'EntraSnapshot.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = 'c824900e-259e-4053-b861-46a365ce476a'
    Author               = 'EntraSnapshot contributors'
    Copyright            = '(c) EntraSnapshot contributors. MIT License.'
    Description          = 'Point-in-time snapshots of a Microsoft Entra ID tenant''s configuration: export, compare and restore, backed by a native engine.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @(
        'Desktop'
        'Core'
    )
    TypesToProcess       = @(
        'EntraSnapshot.Types.ps1xml'
    )
    FormatsToProcess     = @(
        'EntraSnapshot.Format.ps1xml'
    )
    FunctionsToExport    = @(
        'Compare-EntraSnapshot'
        'Export-EntraSnapshot'
        'Get-EntraSnapshot'
        'Get-EntraSnapshotEngine'
        'Get-EntraSnapshotHistory'
        'New-EntraSnapshotSigningKey'
        'Remove-EntraSnapshotLabel'
        'Restore-EntraObject'
        'Set-EntraSnapshotLabel'
        'Test-EntraSnapshot'
    )
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @(
                'Entra'
                'EntraID'
                'AzureAD'
                'MicrosoftGraph'
                'Backup'
                'ConditionalAccess'
                'PSEdition_Desktop'
                'PSEdition_Core'
                'Windows'
                'Linux'
                'MacOS'
            )
            # Before publishing to a gallery, set these two to the public
            # addresses of the repository and of its license text, and
            # uncomment them (README, "Packaging"). They stay unset here: the
            # project has no public address yet, and Publish-PSResource
            # refuses an empty or made-up value.
            # ProjectUri   = 'https://<the repository>'
            # LicenseUri   = 'https://<the repository>/LICENSE'
            ReleaseNotes = @'
0.1.0: first packaged release. One merged EntraSnapshot.psm1 with the native
engine in runtimes/<rid>/native/ for each platform built; the zip imports into
Azure Automation (Windows PowerShell 5.1 and PowerShell 7.6 runbooks).
The Windows library (entrasnap.dll) needs Windows 10 / Windows Server 2016 or
later: it is built with Rust 1.78 or later, which dropped Windows 7, 8 and
Server 2012.
'@
        }
    }
}
