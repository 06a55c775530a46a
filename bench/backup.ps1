<#
.SYNOPSIS
Backup throughput and memory, one run each against the sandbox database: Invoke-FrostBackup
(zstd) vs the manual's `pg_dump -Fc` through `docker exec` (the baseline) vs `pg_dump -Z0` on the
host (the limit). Memory is the pwsh process's peak resident size during the backup (VmHWM,
reset just before) against its resident size just before. -Rows fills a ballast table to make the database big
enough to measure; it is dropped afterwards.
#>
param(
    [Parameter(Mandatory)] [string] $ConfigPath,
    [int] $Rows = 2000000,
    [string] $Folder = (Join-Path ([IO.Path]::GetTempPath()) "frostguard-bench-backup-$PID")
)
$ErrorActionPreference = 'Stop'
$env:FROSTGUARD_CONFIG = $ConfigPath
Import-Module (Join-Path $PSScriptRoot '..' 'FrostGuard.psd1')
$config = Get-Content -Raw $ConfigPath | ConvertFrom-Json
$line = Get-Content (Join-Path $config.project.directory '.env') | Where-Object { $_ -like "$($config.database.password.envFileKey)=*" }
$env:PGPASSWORD = $line.Substring($line.IndexOf('=') + 1)
$psqlArgs = @('-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-h', $config.database.host, '-p', $config.database.port, '-U', $config.database.user, '-d', $config.database.name)
$container = (Get-FrostService -Name $config.database.service).Container
New-Item -ItemType Directory -Force -Path $Folder | Out-Null

& psql @psqlArgs -c "DROP TABLE IF EXISTS fg_bench_ballast; CREATE TABLE fg_bench_ballast AS SELECT g AS id, now() - g * interval '1 second' AS at, md5(g::text) || md5((g*7)::text) AS payload, (g % 1000) / 7.0 AS value FROM generate_series(1, $Rows) g"
try {
    $dbBytes = [long](& psql @psqlArgs -c "SELECT pg_database_size(current_database())" | Select-Object -Last 1)
    $null = Invoke-FrostBackup -Destination $Folder -Compression None   # warm caches alike for all three

    $baselineFile = Join-Path $Folder 'baseline.dump'
    $t = [Diagnostics.Stopwatch]::StartNew()
    bash -c "docker exec -e PGPASSWORD $container pg_dump -h 127.0.0.1 -p $($config.database.port) -U $($config.database.user) -Fc $($config.database.name) > '$baselineFile'"
    $baseline = $t.Elapsed.TotalSeconds

    $limitFile = Join-Path $Folder 'limit.dump'
    $t.Restart()
    & pg_dump -h $config.database.host -p $config.database.port -U $config.database.user -Fc -Z0 -f $limitFile $config.database.name
    $limit = $t.Elapsed.TotalSeconds

    # Peak resident size during the backup: reset the kernel's high-water mark (VmHWM) first.
    function Get-StatusKb([string] $Key) { [long]((Get-Content "/proc/$PID/status" | Where-Object { $_ -like "$Key`:*" } | Select-Object -First 1) -replace '\D', '') }
    [GC]::Collect()
    bash -c "echo 5 > /proc/$PID/clear_refs"
    $idle = (Get-StatusKb VmRSS) * 1KB
    $t.Restart()
    $backup = Invoke-FrostBackup -Destination $Folder
    $ours = $t.Elapsed.TotalSeconds
    $peak = (Get-StatusKb VmHWM) * 1KB

    $baselineSize = (Get-Item $baselineFile).Length
    [ordered]@{
        databaseMB          = [math]::Round($dbBytes / 1MB, 1)
        dumpMB              = [math]::Round($backup.DumpBytes / 1MB, 1)
        frostguardSeconds   = [math]::Round($ours, 2)
        frostguardMBps      = [math]::Round($backup.DumpBytes / 1MB / $ours, 1)
        frostguardSizeMB    = [math]::Round($backup.SizeBytes / 1MB, 1)
        baselineSeconds     = [math]::Round($baseline, 2)
        baselineMBps        = [math]::Round($backup.DumpBytes / 1MB / $baseline, 1)
        baselineSizeMB      = [math]::Round($baselineSize / 1MB, 1)
        limitSeconds        = [math]::Round($limit, 2)
        speedupVsBaseline   = [math]::Round($baseline / $ours, 2)
        sizeVsBaseline      = [math]::Round($backup.SizeBytes / $baselineSize, 3)
        memoryGrowthMB      = [math]::Round(($peak - $idle) / 1MB, 1)
        target              = 'speedup >= 2, size <= 1, memory growth < 50 MB'
    } | ConvertTo-Json
}
finally {
    & psql @psqlArgs -c 'DROP TABLE IF EXISTS fg_bench_ballast'
    Remove-Item Env:PGPASSWORD
    Remove-Item -Recurse -Force $Folder
}
