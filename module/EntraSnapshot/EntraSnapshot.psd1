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
            Tags = @(
                'Entra'
                'EntraID'
                'AzureAD'
                'MicrosoftGraph'
                'Backup'
                'ConditionalAccess'
            )
        }
    }
}
