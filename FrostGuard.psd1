@{
    RootModule           = 'bin/FrostGuard.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = 'f30e7c8c-258f-4454-b9a4-bc11c75aa190'
    Author               = 'FrostGuard'
    CompanyName          = 'FrostGuard'
    Copyright            = '(c) 2026 FrostGuard. All rights reserved.'
    Description          = 'Operates a FrostGuard Docker Compose deployment: services, health, backups, updates and executable Markdown runbooks.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @(
        'module/FrostGuard.format.ps1xml'
        'module/FrostGuard.Runbooks.format.ps1xml'
        'module/FrostGuard.Backups.format.ps1xml'
        'module/FrostGuard.Health.format.ps1xml'
        'module/FrostGuard.Deployments.format.ps1xml'
        'module/FrostGuard.Security.format.ps1xml'
    )
    CmdletsToExport      = @(
        'Get-FrostDatabase'
        'Get-FrostDeployment'
        'Get-FrostService'
        'Get-FrostRunbook'
        'Test-FrostRunbook'
        'Invoke-FrostRunbook'
        'Get-FrostRunbookRun'
        'Export-FrostRunReport'
        'Invoke-FrostChecklist'
        'ConvertTo-FrostPesterTest'
        'Invoke-FrostBackup'
        'Get-FrostBackup'
        'Test-FrostBackup'
        'Restore-FrostBackup'
        'Remove-FrostBackup'
        'Copy-FrostBackup'
        'Invoke-FrostBackupRetention'
        'Get-FrostRecoveryStatus'
        'Register-FrostBackupSchedule'
        'Get-FrostBackupSchedule'
        'Unregister-FrostBackupSchedule'
        'Restore-FrostDeployment'
        'Start-FrostService'
        'Stop-FrostService'
        'Restart-FrostService'
        'Get-FrostLog'
        'Invoke-FrostServiceCommand'
        'Test-FrostHealth'
        'Get-FrostThreshold'
        'Export-FrostHealthMetric'
        'Send-FrostAlert'
        'Export-FrostAlertRule'
        'Export-FrostDashboard'
        'Update-FrostDeployment'
        'Get-FrostRelease'
        'Undo-FrostDeployment'
        'Set-FrostServiceScale'
        'Set-FrostServiceLimit'
        'Get-FrostScalingAdvice'
        'Update-FrostSecret'
        'Get-FrostSecretAge'
        'Test-FrostCertificate'
        'Test-FrostSecurity'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags = @('PostgreSQL', 'Docker', 'Compose', 'Runbook', 'Backup', 'Operations', 'Linux')
        }
    }
}
