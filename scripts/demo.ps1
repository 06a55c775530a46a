<#
.SYNOPSIS
The main job against the sandbox: the daily operations runbook, run for real, its checklist
verified by Pester, and its report written.
#>
$ErrorActionPreference = 'Stop'
$root = Resolve-Path (Join-Path $PSScriptRoot '..')
Import-Module (Join-Path $root 'FrostGuard.psd1')
$runbook = Join-Path $root 'runbooks/daily-operations.md'
$out = Join-Path $root '.artifacts/demo'
New-Item -ItemType Directory -Force -Path $out | Out-Null

Write-Host "`n== Invoke-FrostRunbook $runbook" -ForegroundColor Cyan
$results = Invoke-FrostRunbook $runbook
$results | Format-Table -AutoSize | Out-Host

Write-Host "== Invoke-FrostChecklist $runbook" -ForegroundColor Cyan
$checklist = Invoke-FrostChecklist $runbook -OutputFile (Join-Path $out 'daily-operations.checklist.xml')

$report = $results | Export-FrostRunReport -Path (Join-Path $out 'daily-operations.html') -Checklist $checklist
Write-Host "`nRun $($results[0].RunId): $(@($results | Where-Object Status -eq 'Succeeded').Count) of $($results.Count) steps succeeded;" `
    "checklist $($checklist.PassedCount) passed, $($checklist.FailedCount) failed, $($checklist.SkippedCount) manual." -ForegroundColor Cyan
Write-Host "Report: $($report.FullName)" -ForegroundColor Cyan
if (@($results | Where-Object Status -in 'Failed', 'TimedOut').Count -gt 0 -or $checklist.FailedCount -gt 0) { exit 1 }
