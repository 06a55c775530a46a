<#
.SYNOPSIS
Backup throughput and memory, one run each against the sandbox database: Invoke-FrostBackup
(zstd) vs the manual's `pg_dump -Fc` through `docker exec` (the baseline) vs `pg_dump -Z0` on the
host (the limit). Memory is the pwsh process's peak resident size during the backup (VmHWM,
reset just before) against its resident size just before. -Rows fills a ballast table to make the database big
enough to measure; it is dropped afterwards.

-Measure Formats compares instead -Format Directory -Jobs 2 with the default custom format
(backup time and size), and Restore-FrostBackup -Jobs 2 with one job for both formats (the
restore's own duration, without the safety backup). pg_dump and pg_restore parallelise across
tables, so -BallastTables splits the ballast rows over that many tables (a database whose data
is one table gains nothing from jobs). The restores replace the sandbox database with the
backup (taken seconds before) and their safety backups are removed afterwards.
#>
param(
    [Parameter(Mandatory)] [string] $ConfigPath,
    [int] $Rows = 2000000,
    [ValidateSet('Throughput', 'Formats')] [string] $Measure = 'Throughput',
    [ValidateRange(1, 16)] [int] $BallastTables = 1,
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

$ballast = @(1..$BallastTables | ForEach-Object { if ($_ -eq 1) { 'fg_bench_ballast' } else { "fg_bench_ballast_$_" } })
$perTable = [long][math]::Ceiling($Rows / $BallastTables)
foreach ($table in $ballast) {
    & psql @psqlArgs -c "DROP TABLE IF EXISTS $table; CREATE TABLE $table AS SELECT g AS id, now() - g * interval '1 second' AS at, md5(g::text) || md5((g*7)::text) AS payload, (g % 1000) / 7.0 AS value FROM generate_series(1, $perTable) g"
}
try {
    $dbBytes = [long](& psql @psqlArgs -c "SELECT pg_database_size(current_database())" | Select-Object -Last 1)
    if ($Measure -eq 'Formats') {
        $null = Invoke-FrostBackup -Destination $Folder -Compression None   # warm caches alike
        $t = [Diagnostics.Stopwatch]::StartNew()
        $custom = Invoke-FrostBackup -Destination $Folder
        $customSeconds = $t.Elapsed.TotalSeconds
        $t.Restart()
        $directory = Invoke-FrostBackup -Destination $Folder -Format Directory -Jobs 2
        $directorySeconds = $t.Elapsed.TotalSeconds
        $t.Restart()
        $directoryOne = Invoke-FrostBackup -Destination $Folder -Format Directory -Jobs 1
        $directoryOneSeconds = $t.Elapsed.TotalSeconds
        $restores = [ordered]@{}
        foreach ($case in @(@($custom, 1), @($custom, 2), @($directory, 1), @($directory, 2))) {
            $restored = Restore-FrostBackup -InputObject $case[0] -Jobs $case[1] -Confirm:$false
            $restores["$($case[0].Format)_jobs$($case[1])"] = [math]::Round($restored.RestoreDuration.TotalSeconds, 2)
            Get-FrostBackup -Id $restored.SafetyBackupId | Remove-FrostBackup -Confirm:$false
        }
        [ordered]@{
            databaseMB                  = [math]::Round($dbBytes / 1MB, 1)
            ballastTables               = $BallastTables
            customZstdSeconds           = [math]::Round($customSeconds, 2)
            customZstdSizeMB            = [math]::Round($custom.SizeBytes / 1MB, 1)
            directoryJobs2Seconds       = [math]::Round($directorySeconds, 2)
            directoryJobs1Seconds       = [math]::Round($directoryOneSeconds, 2)
            directorySizeMB             = [math]::Round($directory.SizeBytes / 1MB, 1)
            directoryJobs2VsCustom      = [math]::Round($customSeconds / $directorySeconds, 2)
            restoreSeconds              = $restores
            restoreJobs2VsJobs1Custom   = [math]::Round($restores['Custom_jobs1'] / $restores['Custom_jobs2'], 2)
            restoreJobs2VsJobs1Directory = [math]::Round($restores['Directory_jobs1'] / $restores['Directory_jobs2'], 2)
        } | ConvertTo-Json
        return
    }
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
    foreach ($table in $ballast) { & psql @psqlArgs -c "DROP TABLE IF EXISTS $table" }
    Remove-Item Env:PGPASSWORD
    Remove-Item -Recurse -Force $Folder
}
