<#
.SYNOPSIS
Backup benchmarks against the sandbox database, returned as figures (min/median/max):

- Throughput at each size of -SizesMB (a ballast table fills the database to that size; it is
  dropped afterwards): Invoke-FrostBackup (zstd; on the largest size also with the archive over
  the exec's stdout instead of the FIFO, and with each other compression) vs the manual's
  `docker-compose exec -T postgres pg_dump -Fc … > file` (the baseline) vs `pg_dump -Fc -Z0` on
  the host (the limit), interleaved, -Runs times each. Also the output sizes, and the memory
  growth of this pwsh process during Invoke-FrostBackup (peak resident size, VmHWM reset just
  before, against the resident size just before): it must stay flat as the database grows.
- Memory only (with -MemoryOnlyMB): one Invoke-FrostBackup at each larger size, its memory
  growth measured as above, to show the figure stays flat beyond the throughput sizes.
- Formats (with -Formats): -Format Directory -Jobs 2 vs the custom format, and
  Restore-FrostBackup -Jobs 2 vs one job for both formats, on the largest size. pg_dump and
  pg_restore work in parallel across tables, so the ballast is split over two tables there.
#>
param(
    [Parameter(Mandatory)] [string] $ConfigPath,
    [int[]] $SizesMB = @(256, 512, 1024),
    [int] $Runs = 3,
    [switch] $Formats,
    # Sizes at which only the memory growth of one Invoke-FrostBackup is measured (it must not grow with the database).
    [int[]] $MemoryOnlyMB = @(),
    [string] $Folder = (Join-Path ([IO.Path]::GetTempPath()) "frostguard-bench-backup-$PID")
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'BenchCommon.psm1')
$env:FROSTGUARD_CONFIG = $ConfigPath
Import-Module (Join-Path $PSScriptRoot '..' 'FrostGuard.psd1')
$config = Get-Content -Raw $ConfigPath | ConvertFrom-Json
$line = Get-Content (Join-Path $config.project.directory '.env') | Where-Object { $_ -like "$($config.database.password.envFileKey)=*" }
$env:PGPASSWORD = $line.Substring($line.IndexOf('=') + 1)
$psqlArgs = @('-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-h', $config.database.host, '-p', $config.database.port, '-U', $config.database.user, '-d', $config.database.name)
[string[]] $compose = if ((& docker compose version 2>$null) -and $LASTEXITCODE -eq 0) { 'docker', 'compose' } else { 'docker-compose' }
New-Item -ItemType Directory -Force -Path $Folder | Out-Null
# The same deployment with pg_dump's archive over the exec's stdout (database.dumpOutput), for comparison.
$stdoutConfig = Join-Path $Folder 'stdout-config.json'
$variant = Get-Content -Raw $ConfigPath | ConvertFrom-Json
$variant.database | Add-Member -NotePropertyName dumpOutput -NotePropertyValue 'stdout' -Force
$variant | ConvertTo-Json -Depth 10 | Set-Content -Path $stdoutConfig

function Invoke-Psql([string] $Sql) {
    $out = & psql @psqlArgs -c $Sql
    if ($LASTEXITCODE -ne 0) { throw "psql failed: $Sql" }
    $out
}

# Fills the ballast tables until the database is about $TargetMB (rows of ~150 bytes on disk).
function Set-DatabaseSize([int] $TargetMB, [string[]] $Tables) {
    foreach ($table in $Tables) { Invoke-Psql "DROP TABLE IF EXISTS $table" | Out-Null }
    $base = [long](Invoke-Psql 'SELECT pg_database_size(current_database())' | Select-Object -Last 1)
    $rows = [long][math]::Max(0, ($TargetMB * 1MB - $base) / 150 / $Tables.Count)
    foreach ($table in $Tables) {
        Invoke-Psql "CREATE TABLE $table AS SELECT g AS id, now() - g * interval '1 second' AS at, md5(g::text) || md5((g*7)::text) AS payload, (g % 1000) / 7.0 AS value FROM generate_series(1, $rows) g; ALTER TABLE $table ADD PRIMARY KEY (id)" | Out-Null
    }
    [long](Invoke-Psql 'SELECT pg_database_size(current_database())' | Select-Object -Last 1)
}

function Get-StatusBytes([string] $Key) { 1KB * [long]((Get-Content "/proc/$PID/status" | Where-Object { $_ -like "$Key`:*" } | Select-Object -First 1) -replace '\D', '') }

function Measure-Seconds([scriptblock] $Block) { $t = [Diagnostics.Stopwatch]::StartNew(); & $Block | Out-Null; $t.Elapsed.TotalSeconds }

$ballast = @('fg_bench_ballast')
$figures = [ordered]@{}
try {
    foreach ($size in $SizesMB) {
        $dbBytes = Set-DatabaseSize $size $ballast
        $null = Invoke-FrostBackup -Destination $Folder -Compression None   # warm the caches alike for all three
        Get-FrostBackup -Path $Folder | Remove-FrostBackup -Confirm:$false
        $series = @{ ours = @(); baseline = @(); limit = @(); oursMBps = @(); baselineMBps = @(); growth = @(); oursSize = @(); baselineSize = @(); cpu = @(); gzip = @(); none = @(); gzipSize = @(); noneSize = @(); stdout = @() }
        $largest = $size -eq ($SizesMB | Measure-Object -Maximum).Maximum
        for ($run = 0; $run -lt $Runs; $run++) {
            Write-Progress -Activity "Backup of a $size MB database" -Status "run $($run + 1) of $Runs" -PercentComplete (100 * $run / $Runs)
            $baselineFile = Join-Path $Folder 'baseline.dump'
            $seconds = Measure-Seconds {
                bash -c 'cd "$1" && shift && "$@" > "$0"' $baselineFile $config.project.directory @compose -p $config.project.name exec -T -e "PGPASSWORD=$env:PGPASSWORD" $config.database.service `
                    pg_dump -h 127.0.0.1 -p $config.database.port -U $config.database.user -Fc $config.database.name
                if ($LASTEXITCODE -ne 0) { throw 'the baseline pg_dump failed' }
            }
            $series.baseline += $seconds
            $series.baselineSize += (Get-Item $baselineFile).Length

            $limitFile = Join-Path $Folder 'limit.dump'
            $series.limit += Measure-Seconds {
                & pg_dump -h $config.database.host -p $config.database.port -U $config.database.user -Fc -Z0 -f $limitFile $config.database.name
                if ($LASTEXITCODE -ne 0) { throw 'the host pg_dump failed' }
            }
            Remove-Item $baselineFile, $limitFile

            [GC]::Collect()
            bash -c "echo 5 > /proc/$PID/clear_refs"
            $idle = Get-StatusBytes VmRSS
            $backup = $null
            $cpuBefore = [Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime
            $seconds = Measure-Seconds { $script:backup = Invoke-FrostBackup -Destination $Folder }
            $series.cpu += ([Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime - $cpuBefore).TotalSeconds
            $series.growth += ((Get-StatusBytes VmHWM) - $idle) / 1MB
            $series.ours += $seconds
            $series.oursMBps += $backup.DumpBytes / 1MB / $seconds
            $series.baselineMBps += $backup.DumpBytes / 1MB / $series.baseline[-1]
            $series.oursSize += $backup.SizeBytes
            $backup | Remove-FrostBackup -Confirm:$false
            if ($largest) {
                # The other compressions, on the largest size only: pg_dump's own gzip, and none.
                foreach ($compression in 'Gzip', 'None') {
                    $other = $null
                    $series[$compression.ToLowerInvariant()] += Measure-Seconds { $script:other = Invoke-FrostBackup -Destination $Folder -Compression $compression }
                    $series["$($compression.ToLowerInvariant())Size"] += $other.SizeBytes
                    $other | Remove-FrostBackup -Confirm:$false
                }
                # The default backup with the archive over the exec's stdout instead of the FIFO.
                $other = $null
                $series.stdout += Measure-Seconds { $script:other = Invoke-FrostBackup -ConfigPath $stdoutConfig -Destination $Folder }
                $other | Remove-FrostBackup -Confirm:$false
            }
        }
        Write-Progress -Activity "Backup of a $size MB database" -Completed
        $key = "backup.$($size)mb"
        $figures["$key.database_mb"] = Get-Summary @($dbBytes / 1MB)
        $figures["$key.frostguard_s"] = Get-Summary $series.ours
        $figures["$key.baseline_s"] = Get-Summary $series.baseline
        $figures["$key.limit_s"] = Get-Summary $series.limit
        $figures["$key.frostguard_mb_per_s"] = Get-Summary $series.oursMBps
        $figures["$key.baseline_mb_per_s"] = Get-Summary $series.baselineMBps
        $speedups = for ($i = 0; $i -lt $Runs; $i++) { $series.baseline[$i] / $series.ours[$i] }
        $figures["$key.speedup_vs_baseline"] = Get-Summary $speedups -Target '>= 2' -Pass { param($m) $m -ge 2 }
        $figures["$key.speed_vs_limit"] = Get-Summary @(for ($i = 0; $i -lt $Runs; $i++) { $series.limit[$i] / $series.ours[$i] })
        $sizes = for ($i = 0; $i -lt $Runs; $i++) { $series.oursSize[$i] / $series.baselineSize[$i] }
        $figures["$key.size_vs_baseline"] = Get-Summary $sizes -Target '<= 1' -Pass { param($m) $m -le 1 }
        $figures["$key.memory_growth_mb"] = Get-Summary $series.growth -Target '< 50' -Pass { param($m) $m -lt 50 }
        $figures["$key.frostguard_cpu_s"] = Get-Summary $series.cpu
        if ($largest) {
            $figures["$key.gzip_s"] = Get-Summary $series.gzip
            $figures["$key.gzip_size_vs_baseline"] = Get-Summary @(for ($i = 0; $i -lt $Runs; $i++) { $series.gzipSize[$i] / $series.baselineSize[$i] })
            $figures["$key.none_s"] = Get-Summary $series.none
            $figures["$key.none_size_vs_baseline"] = Get-Summary @(for ($i = 0; $i -lt $Runs; $i++) { $series.noneSize[$i] / $series.baselineSize[$i] })
            $figures["$key.frostguard_stdout_s"] = Get-Summary $series.stdout
        }
    }

    foreach ($size in $MemoryOnlyMB) {
        $dbBytes = Set-DatabaseSize $size $ballast
        Write-Progress -Activity "Backup of a $size MB database" -Status 'memory growth'
        [GC]::Collect()
        bash -c "echo 5 > /proc/$PID/clear_refs"
        $idle = Get-StatusBytes VmRSS
        $backup = Invoke-FrostBackup -Destination $Folder
        $growth = ((Get-StatusBytes VmHWM) - $idle) / 1MB
        $backup | Remove-FrostBackup -Confirm:$false
        Write-Progress -Activity "Backup of a $size MB database" -Completed
        $figures["backup.$($size)mb.database_mb"] = Get-Summary @($dbBytes / 1MB)
        $figures["backup.$($size)mb.memory_growth_mb"] = Get-Summary @($growth) -Target '< 50' -Pass { param($m) $m -lt 50 }
    }

    if ($Formats) {
        $ballast = @('fg_bench_ballast', 'fg_bench_ballast_2')
        $size = ($SizesMB | Measure-Object -Maximum).Maximum
        $null = Set-DatabaseSize $size $ballast
        $null = Invoke-FrostBackup -Destination $Folder -Compression None
        $custom = $null; $directory = $null
        $customSeconds = Measure-Seconds { $script:custom = Invoke-FrostBackup -Destination $Folder }
        $directorySeconds = Measure-Seconds { $script:directory = Invoke-FrostBackup -Destination $Folder -Format Directory -Jobs 2 }
        $figures['parallel.custom_backup_s'] = Get-Summary @($customSeconds)
        $figures['parallel.directory_jobs2_backup_s'] = Get-Summary @($directorySeconds)
        $figures['parallel.directory_jobs2_vs_custom'] = Get-Summary @($customSeconds / $directorySeconds)
        $restores = @{}
        foreach ($case in @(@($custom, 1), @($custom, 2), @($directory, 1), @($directory, 2))) {
            $restored = Restore-FrostBackup -InputObject $case[0] -Jobs $case[1] -Confirm:$false
            $restores["$($case[0].Format)_jobs$($case[1])"] = $restored.RestoreDuration.TotalSeconds
            Get-FrostBackup -Id $restored.SafetyBackupId | Remove-FrostBackup -Confirm:$false
        }
        foreach ($name in $restores.Keys | Sort-Object) { $figures["parallel.restore_$($name.ToLowerInvariant())_s"] = Get-Summary @($restores[$name]) }
        $figures['parallel.restore_directory_jobs2_vs_jobs1'] = Get-Summary @($restores['Directory_jobs1'] / $restores['Directory_jobs2'])
        # The manual's objective for a database restore is 15–30 min: how far inside it this restore is.
        $figures['parallel.restore_vs_rto_upper_bound'] = Get-Summary @($restores['Directory_jobs2'] / (30 * 60)) -Target '<= 1' -Pass { param($m) $m -le 1 }
    }
}
finally {
    foreach ($table in 'fg_bench_ballast', 'fg_bench_ballast_2') { & psql @psqlArgs -c "DROP TABLE IF EXISTS $table" | Out-Null }
    Remove-Item Env:PGPASSWORD
    Remove-Item -Recurse -Force $Folder
}
$figures
