<#
.SYNOPSIS
Brings the sandbox back to the state every suite starts from, when a run before this one was
cut short (a session that ended mid-run, a CI time-out, a killed pwsh) and left its changes.

.DESCRIPTION
Each suite undoes what it changes in its own AfterAll, but a run killed in the middle of a suite
never gets there, and the sandbox outlives the run (its Compose project name is fixed). Without
this, the next run starts with three workers or an archiver in the override file, and the
failures land on whichever suites come first instead of naming the cause. It undoes, with
FrostGuard's own commands where one exists: WAL archiving, the scale and limits override, the
server's slot WAL limit, the sandbox's migration 2 and a release other than 'current'. It says
on one line each what it found, and fails naming what it could not put back.
#>
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'pester/TestHelpers.psm1') -Force
Import-Module (Get-ModuleManifestPath) -Force

$config = Get-SandboxConfig
$deployment = $config.project.directory
$override = Join-Path $deployment 'docker-compose.override.yml'
$envPath = Join-Path $deployment '.env'

function Get-EnvValue([string] $Key) {
    $line = Get-Content $envPath | Where-Object { $_ -like "$Key=*" } | Select-Object -Last 1
    if ($line) { $line.Substring($line.IndexOf('=') + 1) }
}

function Write-Found([string] $What) { Write-Host "sandbox baseline: $What" }

if ((Get-FrostWalArchive).Enabled) {
    Write-Found 'WAL archiving was enabled; disabling it'
    Disable-FrostWalArchive -Confirm:$false | Out-Null
}
if ((Invoke-SandboxSql 'SHOW max_slot_wal_keep_size') -ne '-1') {
    Write-Found 'max_slot_wal_keep_size was set; resetting it'
    Invoke-SandboxSql 'ALTER SYSTEM RESET max_slot_wal_keep_size' | Out-Null
    Invoke-SandboxSql 'SELECT pg_reload_conf()' | Out-Null
}
if (Test-Path $override) {
    Write-Found "$override was there; scaling the worker to 1 and removing the limits"
    Set-FrostServiceScale -Name worker -Replicas 1 -Confirm:$false | Out-Null
    foreach ($service in 'backend', 'worker') { Set-FrostServiceLimit -Name $service -Remove -Confirm:$false | Out-Null }
    if (Test-Path $override) {
        throw "$override is still there after removing the scale and the limits; read it, and remove what FrostGuard did not write by hand."
    }
}
if ((Invoke-SandboxSql 'SELECT max(version) FROM schema_migrations') -ne '1') {
    Write-Found "the database was past migration 1; taking migration 2 back"
    Reset-SandboxSchema
}
$tag = Get-EnvValue 'BACKEND_TAG'
if ($tag -ne 'current') {
    Write-Found "the backend ran release '$tag'; updating to 'current'"
    Update-FrostDeployment -Version current -SkipBackup -Confirm:$false | Out-Null
}
# The named-volume suite's own deployment (PointInTimeNamedVolume.Tests.ps1), if a run died in it.
$volumeProject = 'frostguard-pitr-volume'
$leftovers = @(docker ps -aq --filter "label=com.docker.compose.project=$volumeProject") + @(docker ps -aq --filter 'label=frostguard.recovery' --filter "name=${volumeProject}_postgres_")
if ($leftovers) {
    Write-Found "the named-volume suite's containers were left; removing them"
    foreach ($id in $leftovers | Select-Object -Unique) { docker rm -f $id | Out-Null }
}
if (@(docker volume ls -q --filter "name=^${volumeProject}_pgdata$")) { docker volume rm "${volumeProject}_pgdata" | Out-Null }
Wait-SandboxHealthy
