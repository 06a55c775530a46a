<#
.SYNOPSIS
Point-in-time recovery benchmarks against the sandbox, on a backup root of their own, returned
as figures (min/median/max):

- The achieved RPO: a writer commits a timestamped row every 50 ms (and the sandbox worker keeps
  posting readings), the postgres container is killed (SIGKILL) at a random moment, and once it
  is back the cluster is recovered from the archive with Restore-FrostBackup -Latest. The rows the
  writer saw committed but the recovered database lacks are the data lost; in seconds, from the
  newest committed row the recovery kept to the newest the writer saw committed. Goal: < 5 s.
- Base-backup throughput: Invoke-FrostBackup -Physical (pg_basebackup in a container, then
  pg_verifybackup, zstd and checksum) against pg_basebackup run by hand on the host (plain
  format, WAL streamed), on a database of -SizeMB.
- Recovery time for that database with -WalMB of WAL to replay: Test-FrostBackup -Latest (the
  base backup extracted and replayed in a throwaway container) against pg_basebackup's copy
  plus a manual recovery (cp -a of the copy, recovery.signal, postgres started by hand with the
  same restore_command until pg_is_in_recovery() is false).

The sandbox is left as it was found: archiving off, the tables and ballast dropped, the data
folders the restores kept removed.
#>
param(
    [Parameter(Mandatory)] [string] $ConfigPath,
    [int] $RpoRuns = 3,
    [int] $SizeMB = 1024,
    [int] $WalMB = 256,
    [string] $Folder = (Join-Path ([IO.Path]::GetTempPath()) "frostguard-bench-pitr-$PID"),
    # Each figure is written here as soon as it is measured, so a later failure loses nothing measured.
    [string] $PartialResults
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'BenchCommon.psm1')
New-Item -ItemType Directory -Force -Path $Folder | Out-Null
$variant = Get-Content -Raw $ConfigPath | ConvertFrom-Json
$variant.backupRoot = Join-Path $Folder 'backups'
$variantPath = Join-Path $Folder 'frostguard.json'
$variant | ConvertTo-Json -Depth 10 | Set-Content $variantPath
$env:FROSTGUARD_CONFIG = $variantPath
$env:FROSTGUARD_STATE = Join-Path $Folder 'state'
Import-Module (Join-Path $PSScriptRoot '..' 'FrostGuard.psd1')
$config = $variant
$envFile = Join-Path $config.project.directory '.env'
function Get-EnvValue([string] $Key) { (Get-Content $envFile | Where-Object { $_ -like "$Key=*" } | Select-Object -Last 1).Substring($Key.Length + 1) }
$env:PGPASSWORD = Get-EnvValue $config.database.password.envFileKey
$psqlArgs = @('-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-h', $config.database.host, '-p', $config.database.port, '-U', $config.database.user, '-d', $config.database.name)
function Invoke-Psql([string] $Sql) {
    $out = & psql @psqlArgs -c $Sql
    if ($LASTEXITCODE -ne 0) { throw "psql failed: $Sql" }
    $out | Select-Object -Last 1
}
function Measure-Seconds([scriptblock] $Block) { $t = [Diagnostics.Stopwatch]::StartNew(); & $Block | Out-Null; $t.Elapsed.TotalSeconds }
function Wait-Until([scriptblock] $Condition, [int] $TimeoutSeconds, [string] $What) {
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while (-not (& $Condition)) {
        if ([DateTime]::UtcNow -gt $deadline) { throw "$What did not happen within $TimeoutSeconds s" }
        Start-Sleep -Milliseconds 200
    }
}
function Test-Healthy { try { @(Get-FrostService -Name postgres -WarningAction SilentlyContinue | Where-Object { $_.State -eq 'running' -and $_.Health -eq 'healthy' }).Count -eq 1 } catch { $false } }
function Wait-Archived {
    $wanted = Invoke-Psql 'SELECT pg_current_wal_lsn()'
    Wait-Until { (Invoke-Psql "SELECT coalesce((SELECT r.flush_lsn >= '$wanted'::pg_lsn FROM pg_replication_slots s JOIN pg_stat_replication r ON r.pid = s.active_pid WHERE s.slot_name = 'frostguard_wal_archive'), false)") -eq 't' } 120 'the archiver catching up'
}
$liveData = Get-EnvValue 'PG_DATA'
$dataFoldersBefore = @(Get-ChildItem -Directory (Split-Path $liveData) | ForEach-Object FullName)
$figures = [ordered]@{}
function Save-Figures { if ($PartialResults) { $figures | ConvertTo-Json -Depth 5 | Set-Content $PartialResults } }
$writer = $null
try {
    Invoke-Psql 'CREATE TABLE IF NOT EXISTS fg_bench_pitr_writes (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())' | Out-Null
    Enable-FrostWalArchive -Confirm:$false | Out-Null
    $null = Invoke-FrostBackup -Physical -Label 'bench rpo'

    # --- The achieved RPO under a steady write load, with the database killed at a random moment.
    $lost = @(); $lostRows = @(); $restoreTotal = @(); $downtime = @()
    for ($run = 0; $run -lt $RpoRuns; $run++) {
        Write-Progress -Activity 'Achieved RPO' -Status "run $($run + 1) of $RpoRuns" -PercentComplete (100 * $run / $RpoRuns)
        $acks = Join-Path $Folder "acks-$run.txt"
        Set-Content $acks ''
        # A row is "committed" for the writer once psql returned it: only then is it appended to the file.
        $loop = Join-Path $Folder 'writer.sh'
        Set-Content $loop @"
while true; do
  out=`$(psql $($psqlArgs -join ' ') -c 'INSERT INTO fg_bench_pitr_writes DEFAULT VALUES RETURNING id, extract(epoch FROM at)' 2>/dev/null) && echo "`$out" >> '$acks'
  sleep 0.05
done
"@
        $writer = Start-Process -FilePath bash -ArgumentList $loop -PassThru
        Start-Sleep -Milliseconds (Get-Random -Minimum 3000 -Maximum 8000)
        # A crash, not a stop: the postmaster killed on the host (docker kill would count as a manual stop, and the restart policy would leave it down).
        $postmasterPid = [int](docker inspect -f '{{.State.Pid}}' (Get-FrostService -Name postgres).Container)
        if ($postmasterPid -le 1) { throw "no postmaster PID for the postgres container ($postmasterPid)" }
        & kill -9 $postmasterPid
        Start-Sleep -Milliseconds 500
        Stop-Process -Id $writer.Id -Force -ErrorAction SilentlyContinue
        $writer.WaitForExit(); $writer = $null
        Wait-Until { Test-Healthy } 120 'postgres coming back'
        Wait-Until { (Get-FrostWalArchive).SlotActive } 120 'the archiver streaming again'
        $restore = Restore-FrostBackup -Latest -Confirm:$false
        $restoreTotal += $restore.TotalDuration.TotalSeconds
        $downtime += $restore.Downtime.TotalSeconds
        $committed = @(Get-Content $acks | Where-Object { $_ -match '\|' } | ForEach-Object { $id, $at = $_ -split '\|'; [pscustomobject]@{ Id = [long]$id; At = [double]$at } })
        if ($committed.Count -eq 0) { throw "run $($run): the writer committed nothing before the kill" }
        $present = @((Invoke-Psql "SELECT string_agg(id::text, ',') FROM fg_bench_pitr_writes WHERE id = ANY('{$(($committed.Id) -join ',')}'::bigint[])") -split ',' | Where-Object { $_ } | ForEach-Object { [long]$_ })
        $missing = @($committed | Where-Object Id -NotIn $present)
        $newestKept = ($committed | Where-Object Id -In $present | Measure-Object At -Maximum).Maximum
        $newestCommitted = ($committed | Measure-Object At -Maximum).Maximum
        $lost += $(if ($missing.Count -eq 0) { 0 } else { $newestCommitted - $(if ($newestKept) { $newestKept } else { ($committed | Measure-Object At -Minimum).Minimum }) })
        $lostRows += $missing.Count
        Wait-Until { Test-Healthy } 120 'postgres healthy after the restore'
    }
    Write-Progress -Activity 'Achieved RPO' -Completed
    $figures['pitr.rpo_lost_s'] = Get-Summary $lost -Target '< 5' -Pass { param($m) $m -lt 5 }
    $figures['pitr.rpo_lost_rows'] = Get-Summary $lostRows
    $figures['pitr.restore_latest_total_s'] = Get-Summary $restoreTotal
    $figures['pitr.restore_latest_downtime_s'] = Get-Summary $downtime
    Save-Figures

    # --- Base backup throughput and recovery time at -SizeMB, against pg_basebackup and a manual recovery.
    Write-Progress -Activity "A $SizeMB MB database" -Status 'filling'
    $base = [long](Invoke-Psql 'SELECT pg_database_size(current_database())')
    $rows = [long][math]::Max(0, ($SizeMB * 1MB - $base) / 150)
    Invoke-Psql "DROP TABLE IF EXISTS fg_bench_ballast; CREATE TABLE fg_bench_ballast AS SELECT g AS id, now() - g * interval '1 second' AS at, md5(g::text) || md5((g*7)::text) AS payload, (g % 1000) / 7.0 AS value FROM generate_series(1, $rows) g; ALTER TABLE fg_bench_ballast ADD PRIMARY KEY (id)" | Out-Null
    $figures['pitr.database_mb'] = Get-Summary @([long](Invoke-Psql 'SELECT pg_database_size(current_database())') / 1MB)

    Write-Progress -Activity "A $SizeMB MB database" -Status 'base backups'
    $ours = $null
    $oursSeconds = Measure-Seconds { $script:ours = Invoke-FrostBackup -Physical -Label 'bench 1 GB' }
    $manual = Join-Path $Folder 'manual-base'
    $env:PGPASSWORD = Get-EnvValue 'REPLICATION_PASSWORD' # the sandbox's replication role (walArchive's defaults)
    $manualSeconds = Measure-Seconds {
        & pg_basebackup -h $config.database.host -p $config.database.port -U frostguard_replication -D $manual -Fp -X stream -c fast --no-password
        if ($LASTEXITCODE -ne 0) { throw 'pg_basebackup by hand failed' }
    }
    $env:PGPASSWORD = Get-EnvValue $config.database.password.envFileKey
    $dataMB = $ours.DumpBytes / 1MB
    $figures['pitr.base_backup_data_mb'] = Get-Summary @($dataMB)
    $figures['pitr.base_backup_s'] = Get-Summary @($oursSeconds)
    $figures['pitr.pg_basebackup_by_hand_s'] = Get-Summary @($manualSeconds)
    $figures['pitr.base_backup_mb_s'] = Get-Summary @($dataMB / $oursSeconds)
    $figures['pitr.pg_basebackup_by_hand_mb_s'] = Get-Summary @($dataMB / $manualSeconds)
    $figures['pitr.base_backup_compressed_mb'] = Get-Summary @($ours.SizeBytes / 1MB)
    Save-Figures

    Write-Progress -Activity "A $SizeMB MB database" -Status "writing $WalMB MB of WAL"
    $start = Invoke-Psql 'SELECT pg_current_wal_lsn()'
    $step = 0
    while ([long](Invoke-Psql "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$start')") -lt $WalMB * 1MB) {
        Invoke-Psql "UPDATE fg_bench_ballast SET value = value + 1 WHERE id % 16 = $($step % 16)" | Out-Null
        $step++
    }
    $walBytes = [long](Invoke-Psql "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$start')")
    Wait-Archived
    $figures['pitr.wal_to_replay_mb'] = Get-Summary @($walBytes / 1MB)

    Write-Progress -Activity "A $SizeMB MB database" -Status 'recovery: FrostGuard'
    $drill = Test-FrostBackup -Latest
    $figures['pitr.recovery_s'] = Get-Summary @($drill.RecoveryDuration.TotalSeconds)
    Save-Figures

    Write-Progress -Activity "A $SizeMB MB database" -Status 'recovery: by hand'
    $walFolder = Join-Path $variant.backupRoot "wal/$($config.project.name)"
    $copy = Join-Path $Folder 'manual-run'
    $socket = Join-Path $Folder 'socket'
    New-Item -ItemType Directory -Force $socket | Out-Null
    chown postgres:postgres $socket
    $postmaster = $null
    $manualRecovery = Measure-Seconds {
        cp -a $manual $copy
        chown -R postgres:postgres $copy
        chmod 0700 $copy
        New-Item -ItemType File (Join-Path $copy 'recovery.signal') | Out-Null
        chown postgres:postgres (Join-Path $copy 'recovery.signal')
        Set-Content (Join-Path $copy 'bench_hba.conf') 'local all all trust'
        chown postgres:postgres (Join-Path $copy 'bench_hba.conf')
        # The same restore_command as FrostGuard's, in a script (an argument list through Start-Process would be re-split at its spaces).
        $restoreScript = Join-Path $Folder 'restore_command.sh'
        Set-Content $restoreScript @"
#!/bin/sh
for d in $walFolder $walFolder/earlier-*; do if [ -f "`$d/`$1" ]; then exec cp "`$d/`$1" "`$2"; fi; done
if [ -f "$walFolder/`$1.partial" ]; then exec cp "$walFolder/`$1.partial" "`$2"; fi
exit 1
"@
        chmod 0755 $restoreScript
        $startScript = Join-Path $Folder 'start-manual.sh'
        Set-Content $startScript @"
#!/bin/sh
exec runuser -u postgres -- /usr/lib/postgresql/15/bin/postgres -D '$copy' -c listen_addresses= -c port=25999 -c 'unix_socket_directories=$socket' -c 'hba_file=$copy/bench_hba.conf' -c archive_mode=off -c "restore_command=$restoreScript %f %p" 2>'$(Join-Path $Folder 'manual-postgres.log')'
"@
        chmod 0755 $startScript
        # The manual recovery runs as the postgres user on the host: it must pass through the bench's folders to the archive (FrostGuard's container has it mounted).
        chmod 0755 $Folder
        chmod 0711 $variant.backupRoot (Join-Path $variant.backupRoot 'wal')
        $script:postmaster = Start-Process -FilePath sh -ArgumentList $startScript -PassThru
        Wait-Until { if ($script:postmaster.HasExited) { throw "the manual recovery's postgres ended: $(Get-Content -Raw (Join-Path $Folder 'manual-postgres.log'))" }; (& psql -X -A -t -q -h $socket -p 25999 -U frostguard -d postgres -c 'SELECT pg_is_in_recovery()' 2>$null) -eq 'f' } 1800 'the manual recovery promoting'
    }
    $figures['pitr.manual_recovery_s'] = Get-Summary @($manualRecovery)
    Save-Figures
    if ($postmaster) { & kill -INT (Get-Content (Join-Path $copy 'postmaster.pid') -TotalCount 1); $postmaster.WaitForExit(60000) | Out-Null }
}
finally {
    if ($writer) { Stop-Process -Id $writer.Id -Force -ErrorAction SilentlyContinue }
    $env:PGPASSWORD = Get-EnvValue $config.database.password.envFileKey
    Disable-FrostWalArchive -Confirm:$false -ErrorAction Continue | Out-Null
    foreach ($sql in 'DROP TABLE IF EXISTS fg_bench_ballast', 'DROP TABLE IF EXISTS fg_bench_pitr_writes', 'ALTER SYSTEM RESET max_slot_wal_keep_size', 'SELECT pg_reload_conf()') { Invoke-Psql $sql | Out-Null }
    Get-ChildItem -Directory (Split-Path $liveData) | Where-Object { $_.FullName -notin $dataFoldersBefore -and $_.Name -like '*.before-pitr-*' } | Remove-Item -Recurse -Force
    Remove-Item -Recurse -Force $Folder -ErrorAction SilentlyContinue
    Remove-Item Env:PGPASSWORD
}
$figures
