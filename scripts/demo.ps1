<#
.SYNOPSIS
The main job against the sandbox: what the deployment is, its services, its database.
#>
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..' 'FrostGuard.psd1')

Write-Host "`n== Deployment" -ForegroundColor Cyan
Get-FrostDeployment | Out-Host
Write-Host "== Services" -ForegroundColor Cyan
Get-FrostService | Out-Host
Write-Host "== Database" -ForegroundColor Cyan
Get-FrostDatabase | Out-Host
