# Replication lag against a real standby: pg_basebackup -R from the sandbox's PostgreSQL, the
# standby run as a host postgres process (the postgres uid the sandbox uses) on 127.0.0.1:25493,
# made to lag by pausing its replay while the primary writes. Stopped and its slot dropped in
# AfterAll, also when a test fails.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    Wait-SandboxHealthy
    $script:config = Get-SandboxConfig
    $script:envFile = Join-Path $config.project.directory '.env'
    function Get-EnvValue([string] $Key) {
        (Get-Content $script:envFile | Where-Object { $_ -like "$Key=*" } | Select-Object -Last 1).Substring($Key.Length + 1)
    }
    $script:bin = '/usr/lib/postgresql/15/bin'
    $script:standbyPort = 25493
    $script:slot = 'frostguard_test_standby'
    $script:appName = 'fg-test-standby'
    $script:asPostgres = @('--reuid=postgres', '--regid=postgres', '--init-groups')

    # The standby's folder, owned by postgres: data directory, socket, passfile, log.
    $script:work = Join-Path ([IO.Path]::GetTempPath()) "fg-standby-$([guid]::NewGuid().ToString('N'))"
    New-Item -ItemType Directory $work | Out-Null
    $script:data = Join-Path $work 'data'
    $script:passfile = Join-Path $work 'pgpass'
    Set-Content -Path $passfile -Value "127.0.0.1:$($config.database.port):*:frostguard_replication:$(ConvertTo-PgPassField (Get-EnvValue REPLICATION_PASSWORD))" -NoNewline
    chmod 0600 $passfile
    chown -R postgres:postgres $work
    chmod 0700 $work

    # psql as root for SQL on the primary or the standby (the database password in a passfile, never on a command line).
    $script:rootPass = Join-Path $work 'root-pgpass'
    Set-Content -Path $rootPass -Value "127.0.0.1:*:*:frostguard:$(ConvertTo-PgPassField (Get-EnvValue POSTGRES_PASSWORD))" -NoNewline
    chmod 0600 $rootPass
    function Invoke-Sql([int] $Port, [string] $Sql) {
        $env:PGPASSFILE = $script:rootPass
        try {
            $out = & psql -X -A -t -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $Port -U frostguard -d frostguard -c $Sql 2>&1
            if ($LASTEXITCODE -ne 0) { throw "psql on port $($Port) failed for '$Sql': $out" }
            ($out | Select-Object -Last 1)
        }
        finally { Remove-Item Env:PGPASSFILE }
    }

    # Before any standby exists: the Database check reports no replication result.
    $script:beforeStandby = @(Test-FrostHealth -Check Database)

    $script:standby = $null
    $env:PGPASSFILE = $passfile
    $connection = "host=127.0.0.1 port=$($config.database.port) user=frostguard_replication application_name=$appName passfile=$passfile"
    $log = & setpriv @asPostgres "$bin/pg_basebackup" -D $data -d $connection -R -C -S $slot -X stream --checkpoint=fast --no-password 2>&1
    Remove-Item Env:PGPASSFILE
    if ($LASTEXITCODE -ne 0) { throw "pg_basebackup from port $($config.database.port) failed: $log" }
    $script:standby = Start-Process -FilePath setpriv -PassThru -RedirectStandardError (Join-Path $work 'standby.log') -RedirectStandardOutput (Join-Path $work 'standby.out') `
        -ArgumentList (@($asPostgres) + @("$bin/postgres", '-D', $data, '-c', "port=$standbyPort", '-c', 'listen_addresses=127.0.0.1', '-c', "unix_socket_directories=$work",
            '-c', 'hot_standby=on', '-c', "hba_file=$(Join-Path $data 'pg_hba.conf')", '-c', 'wal_receiver_status_interval=1s'))

    # Waits on a condition: what pg_stat_replication on the primary says about this standby.
    function Wait-Replication([string] $State, [int] $TimeoutSeconds = 60) {
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        while ($true) {
            $now = Invoke-Sql $config.database.port "SELECT coalesce((SELECT state FROM pg_stat_replication WHERE application_name = '$appName'), 'absent')"
            if ($now -eq $State) { return }
            if ($script:standby.HasExited) { throw "the standby exited: $(Get-Content -Raw (Join-Path $work 'standby.log'))" }
            if ([DateTime]::UtcNow -gt $deadline) { throw "the standby is '$now', not '$State', after $TimeoutSeconds s; its log: $(Get-Content -Raw (Join-Path $work 'standby.log'))" }
            Start-Sleep -Milliseconds 200
        }
    }

    $script:lagTable = Join-Path $work 'lag-thresholds.md'
    Set-Content -Path $lagTable -Value "| Metric | Warning | Critical |`n|---|---|---|`n| Replication Lag | > 2s | > 6s |`n"
}

AfterAll {
    if ($script:standby -and -not $script:standby.HasExited) {
        # SIGINT: PostgreSQL's fast shutdown; then wait for the process to be gone.
        kill -INT $script:standby.Id
        if (-not $script:standby.WaitForExit(30000)) { kill -KILL $script:standby.Id; $script:standby.WaitForExit(10000) | Out-Null }
    }
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while ((Invoke-Sql $config.database.port "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$slot' AND active") -gt 0 -and [DateTime]::UtcNow -lt $deadline) {
        Start-Sleep -Milliseconds 200 # the walsender ends shortly after its standby
    }
    Invoke-Sql $config.database.port "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$slot'" | Out-Null
    Invoke-Sql $config.database.port 'DROP TABLE IF EXISTS fg_replication_lag_test' | Out-Null
    Remove-Item -Recurse -Force $script:work -ErrorAction SilentlyContinue
}

Describe 'Replication lag against a real standby' {
    It 'gives no replication result while no standby or slot exists' {
        $beforeStandby.Count | Should -Be 3 -Because 'endpoint, connections and longest-transaction only'
        $beforeStandby.Target | Should -Not -Match '^replica'
        ($beforeStandby | Where-Object Target -like '*/frostguard').Message | Should -Match 'No standby connected'
    }

    It 'reports an Ok streaming standby with its replay lag in seconds and bytes' {
        Wait-Replication streaming
        $results = @(Test-FrostHealth -Check Database)
        $replica = $results | Where-Object Target -eq "replica:$appName@127.0.0.1"
        $replica | Should -Not -BeNullOrEmpty -Because ($results | Out-String)
        $replica.Status | Should -Be 'Ok'
        $replica.Unit | Should -Be 's'
        $replica.Observed | Should -BeLessThan 30
        $replica.Message | Should -Match 'streaming; .* behind; replay lag'
        $replica.Threshold | Should -Be 'Warning > 30 s; Critical > 300 s'
        ($results | Where-Object Target -like '*/frostguard').Message | Should -Match '1 standby\(s\) connected'
        $results.Status | Should -Not -Contain 'Critical'
    }

    It 'turns Warning, then Critical, while the standby replays nothing and the primary writes' {
        Wait-Replication streaming
        Invoke-Sql $standbyPort 'SELECT pg_wal_replay_pause()' | Out-Null
        try {
            $statuses = [Collections.Generic.List[string]]::new()
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            $replica = $null
            # Poll (writing each time, so the standby keeps reporting) until the lag crosses the critical line.
            while ([DateTime]::UtcNow -lt $deadline) {
                Invoke-Sql $config.database.port 'CREATE TABLE IF NOT EXISTS fg_replication_lag_test (n int); INSERT INTO fg_replication_lag_test SELECT generate_series(1, 1000)' | Out-Null
                $replica = Test-FrostHealth -Check Database -Threshold $lagTable | Where-Object Target -eq "replica:$appName@127.0.0.1"
                $statuses.Add($replica.Status)
                if ($replica.Status -eq 'Critical') { break }
                Start-Sleep -Milliseconds 500
            }
            $statuses | Should -Contain 'Warning'
            $replica.Status | Should -Be 'Critical' -Because "statuses seen: $($statuses -join ', '); last: $($replica.Message)"
            $replica.Observed | Should -BeGreaterThan 6
            $replica.Message | Should -Match ([regex]::Escape("> 6 s (Critical, $($lagTable):3)"))
            $replica.Message | Should -Match '(KiB|MiB) behind'
        }
        finally {
            Invoke-Sql $standbyPort 'SELECT pg_wal_replay_resume()' | Out-Null
        }
    }

    It 'reports the slot Critical once its standby is gone' {
        kill -INT $script:standby.Id
        $script:standby.WaitForExit(30000) | Should -BeTrue
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while ((Invoke-Sql $config.database.port "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$slot' AND active") -gt 0) {
            if ([DateTime]::UtcNow -gt $deadline) { throw "slot $slot still active 30 s after its standby stopped" }
            Start-Sleep -Milliseconds 200
        }
        $slotResult = Test-FrostHealth -Check Database | Where-Object Target -eq "replica-slot:$slot"
        $slotResult.Status | Should -Be 'Critical'
        $slotResult.Message | Should -Match "pg_drop_replication_slot\('$slot'\)"
    }
}
