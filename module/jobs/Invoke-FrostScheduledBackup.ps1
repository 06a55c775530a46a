<#
.SYNOPSIS
The nightly backup job that Register-FrostBackupSchedule installs: backup with verification,
retention, and the backup freshness metric, in a fresh pwsh started by systemd or cron.
.DESCRIPTION
Exits 0 only when the backup, its verification and retention all succeeded, so the scheduler
(systemctl status, cron mail) shows a failed night as failed. Errors go to stderr with their
FrostGuard error id.
#>
param(
    [Parameter(Mandatory)] [string] $ConfigPath,
    [int] $KeepDaily = 7,
    [int] $KeepWeekly = 4,
    [int] $KeepMonthly = 6,
    [string] $Label = 'scheduled',
    [string] $MetricPath
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
try {
    Import-Module (Join-Path $PSScriptRoot '../../FrostGuard.psd1')
    $backup = Invoke-FrostBackup -Verify -Label $Label -ConfigPath $ConfigPath
    "backup $($backup.Id): $($backup.SizeBytes) bytes in $([int]$backup.Duration.TotalSeconds) s, verified"
    $removed = @(Invoke-FrostBackupRetention -KeepDaily $KeepDaily -KeepWeekly $KeepWeekly -KeepMonthly $KeepMonthly -ConfigPath $ConfigPath -Confirm:$false |
            Where-Object Action -eq 'Remove')
    "retention removed $($removed.Count) backup(s)"
    if ($MetricPath) {
        Test-FrostHealth -Check BackupFreshness -ConfigPath $ConfigPath | Export-FrostHealthMetric -Path $MetricPath
        "metrics written to $MetricPath"
    }
}
catch {
    [Console]::Error.WriteLine("frostguard-backup failed: [$($_.FullyQualifiedErrorId)] $_")
    exit 1
}
