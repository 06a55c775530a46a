# Backups against the live sandbox: pg_dump in the real postgres container, real files, real
# faults. Each backup test writes to its own folder so the catalog it checks is its own.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    Wait-SandboxHealthy

    $work = Join-Path ([IO.Path]::GetTempPath()) "frostguard-backups-$([guid]::NewGuid().ToString('N'))"
    New-Item -ItemType Directory -Path $work | Out-Null
    $config = Get-SandboxConfig
    $postgres = Get-SandboxContainer postgres

    function Get-SandboxPassword {
        $line = Get-Content (Join-Path $config.project.directory '.env') | Where-Object { $_ -like "$($config.database.password.envFileKey)=*" } | Select-Object -First 1
        $line.Substring($line.IndexOf('=') + 1)
    }

    # psql on the host, as the application user; the password travels in the environment of
    # this child process only.
    function Invoke-Sql {
        param([Parameter(Mandatory)] [string] $Sql, [string] $Database = $config.database.name)
        $env:PGPASSWORD = Get-SandboxPassword
        try {
            $out = & psql -X -q -t -A -v ON_ERROR_STOP=1 -h $config.database.host -p $config.database.port -U $config.database.user -d $Database -c $Sql 2>&1
            if ($LASTEXITCODE -ne 0) { throw "psql failed: $out" }
            $out
        }
        finally { Remove-Item Env:PGPASSWORD }
    }

    function New-TestFolder {
        param([string] $Name)
        $path = Join-Path $work "$Name-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        New-Item -ItemType Directory -Path $path | Out-Null
        $path
    }

    # Host PIDs of pg_dump processes in this sandbox's postgres container only.
    function Get-PgDumpPid {
        @(docker top $postgres -eo pid,args | Select-Object -Skip 1 | Where-Object { $_ -match '\bpg_dump\b' } |
            ForEach-Object { [int](($_.Trim() -split '\s+')[0]) })
    }

    # Starts Invoke-FrostBackup in another runspace of this process (so Stop() is Ctrl+C).
    function Start-Backup {
        param([hashtable] $Parameters)
        $ps = [powershell]::Create()
        $null = $ps.AddScript({
                param($manifest, $parameters)
                Import-Module $manifest
                $result = Invoke-FrostBackup @parameters -ErrorVariable problems -ErrorAction SilentlyContinue
                [pscustomobject]@{ Backup = $result; Errors = @($problems) }
            }).AddArgument((Get-ModuleManifestPath)).AddArgument($Parameters)
        [pscustomobject]@{ PowerShell = $ps; Handle = $ps.BeginInvoke() }
    }

    function Complete-Backup {
        param($Started)
        try { $Started.PowerShell.EndInvoke($Started.Handle) | Select-Object -Last 1 }
        finally { $Started.PowerShell.Dispose() }
    }

    # Waits on the condition: the run's .partial file holds at least $Bytes.
    function Wait-PartialBytes {
        param([string] $Folder, [long] $Bytes = 4MB, [int] $TimeoutSeconds = 60)
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        while ($true) {
            $partial = Get-ChildItem $Folder -Filter '*.partial' -ErrorAction SilentlyContinue | Select-Object -First 1
            if ($partial -and $partial.Length -ge $Bytes) { return $partial.FullName }
            if ([DateTime]::UtcNow -gt $deadline) { throw "no partial file of $Bytes bytes in $Folder within $TimeoutSeconds s" }
            Start-Sleep -Milliseconds 50
        }
    }

    # What a failed run must leave: no backup listed, no file but the lock, no pg_dump running,
    # no password file in the container.
    function Assert-NothingLeft {
        param([string] $Folder)
        @(Get-FrostBackup -Path $Folder).Count | Should -Be 0
        @(Get-ChildItem $Folder -Force | Where-Object Name -ne '.frostguard-backup.lock').Name | Should -BeNullOrEmpty
        Get-PgDumpPid | Should -BeNullOrEmpty
        docker exec $postgres sh -c 'ls /tmp/frostguard-pgpass.* /tmp/frostguard-dump-* 2>/dev/null; true' | Should -BeNullOrEmpty
    }
}

AfterAll {
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}

Describe 'Invoke-FrostBackup' {
    It 'writes a zstd archive and its manifest; the checksum, versions and snapshot row counts are right' {
        $folder = New-TestFolder default
        $backup = Invoke-FrostBackup -Destination $folder -Label 'pester' -Verify
        $backup | Should -BeOfType ([FrostGuard.FrostBackup])
        $backup.Compression | Should -Be 'Zstd'
        $backup.Verified | Should -BeTrue
        $backup.Label | Should -Be 'pester'
        $backup.Database | Should -Be $config.database.name
        $backup.ServerVersion | Should -BeLike '15.*'
        $backup.PgDumpVersion | Should -Be $backup.ServerVersion
        $backup.Path | Should -Be (Join-Path $folder "$($backup.Id).dump.zst")
        (Get-FileHash -Algorithm SHA256 $backup.Path).Hash.ToLowerInvariant() | Should -Be $backup.Sha256
        (Get-Item $backup.Path).Length | Should -Be $backup.SizeBytes
        $backup.SizeBytes | Should -BeLessThan $backup.DumpBytes
        $manifest = Get-Content -Raw $backup.ManifestPath | ConvertFrom-Json
        $manifest.sha256 | Should -Be $backup.Sha256
        $manifest.snapshot | Should -Not -BeNullOrEmpty
        ($manifest.tables | Where-Object table -eq 'sites').rows | Should -Be ([long](Invoke-Sql 'SELECT count(*) FROM sites'))
        $backup.RowCounts['public.readings'] | Should -BeGreaterThan 0
        @(Get-ChildItem $folder -Filter '*.partial').Count | Should -Be 0
        # The archive is pg_dump's custom format once decompressed.
        $head = [byte[]]::new(5)
        $stream = [IO.File]::OpenRead($backup.Path)
        try { $null = $stream.Read($head, 0, 4) } finally { $stream.Dispose() }
        [BitConverter]::ToString($head, 0, 4) | Should -Be '28-B5-2F-FD' -Because 'a zstd frame starts with its magic number'
    }

    It 'pg_dump''s archive leaves the container through a FIFO in its /tmp, read here; with database.dumpOutput stdout, through the exec''s stdout' {
        $folder = New-TestFolder output
        $viaFifo = Invoke-FrostBackup -Destination $folder -Verbose 4>&1
        $messages = @(($viaFifo | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Message)
        @($messages -match "^pg_dump writes to /tmp/frostguard-dump-[0-9a-f]{32}\.[0-9a-f-]+\.\d+\.\d+ in $postgres, read here as /proc/\d+/root/tmp/").Count | Should -Be 1
        docker exec $postgres sh -c 'ls /tmp/frostguard-dump-* 2>/dev/null; true' | Should -BeNullOrEmpty -Because 'the FIFO is removed afterwards'

        $path = New-ConfigVariant -Path (Join-Path $work 'stdout.json') -Change {
            param($c) $c.database | Add-Member -NotePropertyName dumpOutput -NotePropertyValue 'stdout' }
        $viaStdout = Invoke-FrostBackup -ConfigPath $path -Destination $folder -Verbose 4>&1
        ($viaStdout | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Message |
            Should -Contain "pg_dump writes to the exec's stdout (database.dumpOutput is 'stdout' in $path)"

        foreach ($backup in ($viaFifo + $viaStdout) | Where-Object { $_ -is [FrostGuard.FrostBackup] }) {
            $tested = Test-FrostBackup -InputObject $backup -Restore -ConfigPath $path
            $tested.Passed | Should -BeTrue
            $tested.RowCountsMatch | Should -BeTrue
            $tested.ContentMatches | Should -BeTrue
        }
    }

    It '-Compression Gzip writes pg_dump''s own compressed archive and None the raw one' {
        $folder = New-TestFolder formats
        $gzip = Invoke-FrostBackup -Destination $folder -Compression Gzip
        $none = Invoke-FrostBackup -Destination $folder -Compression None
        foreach ($backup in $gzip, $none) {
            $backup.Path | Should -BeLike '*.dump'
            [Text.Encoding]::ASCII.GetString([IO.File]::ReadAllBytes($backup.Path), 0, 5) | Should -Be 'PGDMP'
            (Get-FileHash -Algorithm SHA256 $backup.Path).Hash.ToLowerInvariant() | Should -Be $backup.Sha256
        }
        $none.SizeBytes | Should -Be $none.DumpBytes
        $gzip.SizeBytes | Should -BeLessThan $none.SizeBytes
        (Get-FrostBackup -Path $folder).Id | Should -Be @($none.Id, $gzip.Id)
    }

    It 'never shows the database password in docker inspect, in ps (arguments and environment) or in its output' {
        $folder = New-TestFolder secret
        Invoke-Sql 'CREATE TABLE IF NOT EXISTS fg_test_ballast AS SELECT g AS id, md5(g::text) || md5((g*7)::text) AS payload FROM generate_series(1, 1500000) g' | Out-Null
        try {
            $password = Get-SandboxPassword
            $started = Start-Backup @{ Destination = $folder; Verbose = $true }
            $null = Wait-PartialBytes $folder 1MB
            $inspect = docker inspect $postgres | Out-String
            $ps = ps -eww e -o args | Out-String
            $pids = Get-PgDumpPid
            $result = Complete-Backup $started
            $pids.Count | Should -Be 1 -Because 'the check ran while pg_dump was running'
            $ps | Should -Match 'pg_dump'
            $inspect | Should -Not -Match ([regex]::Escape($password))
            $ps | Should -Not -Match ([regex]::Escape($password))
            $result.Errors.Count | Should -Be 0
            ($result | ConvertTo-Json -Depth 5) | Should -Not -Match ([regex]::Escape($password))
            Get-Content -Raw $result.Backup.ManifestPath | Should -Not -Match ([regex]::Escape($password))
        }
        finally { Invoke-Sql 'DROP TABLE IF EXISTS fg_test_ballast' | Out-Null }
    }

    It 'removes the partial file a dead run left behind, with a warning' {
        $folder = New-TestFolder leftover
        Set-Content -Path (Join-Path $folder 'frostguard-20200101T000000Z.partial') -Value 'half a dump'
        $backup = Invoke-FrostBackup -Destination $folder -WarningVariable warnings -WarningAction SilentlyContinue
        $warnings.Count | Should -Be 1
        "$($warnings[0])" | Should -Match 'frostguard-20200101T000000Z.partial'
        (Get-ChildItem $folder -Filter '*.partial').Count | Should -Be 0
        (Get-FrostBackup -Path $folder).Id | Should -Be $backup.Id
    }

    It '-WhatIf writes nothing' {
        $folder = New-TestFolder whatif
        Invoke-FrostBackup -Destination $folder -WhatIf | Should -BeNullOrEmpty
        @(Get-ChildItem $folder -Force).Count | Should -Be 0
    }
}

Describe 'Invoke-FrostBackup faults leave no backup and no files' {
    BeforeAll {
        # Enough data that pg_dump is still streaming when the fault is injected.
        Invoke-Sql 'DROP TABLE IF EXISTS fg_test_ballast; CREATE TABLE fg_test_ballast AS SELECT g AS id, md5(g::text) || md5((g*7)::text) || md5((g*13)::text) AS payload FROM generate_series(1, 2000000) g' | Out-Null
    }

    AfterAll {
        Invoke-Sql 'DROP TABLE IF EXISTS fg_test_ballast' | Out-Null
    }

    It 'pg_dump killed mid-stream is one BackupFailed error naming pg_dump''s exit' {
        $folder = New-TestFolder killed
        $started = Start-Backup @{ Destination = $folder }
        $null = Wait-PartialBytes $folder
        $pids = Get-PgDumpPid
        $pids.Count | Should -Be 1
        kill -9 $pids[0]
        $result = Complete-Backup $started
        $result.Backup | Should -BeNullOrEmpty
        $result.Errors.Count | Should -Be 1
        $result.Errors[0].FullyQualifiedErrorId | Should -Be 'BackupFailed,FrostGuard.InvokeFrostBackupCommand'
        $result.Errors[0].Exception.Message | Should -Match 'pg_dump exited with code 137'
        $result.Errors[0].Exception.Message | Should -Match $postgres
        $result.Errors[0].ErrorDetails.RecommendedAction | Should -Match 'Invoke-FrostBackup'
        Assert-NothingLeft $folder
    }

    It 'Ctrl+C stops pg_dump in the container and leaves nothing' {
        $folder = New-TestFolder stopped
        $started = Start-Backup @{ Destination = $folder }
        $null = Wait-PartialBytes $folder
        (Get-PgDumpPid).Count | Should -Be 1
        $started.PowerShell.Stop()
        $started.PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'
        $started.PowerShell.Dispose()
        Assert-NothingLeft $folder
    }

    It 'two concurrent backups never write at once: the second fails with BackupInProgress, the first completes' {
        $folder = New-TestFolder concurrent
        $first = Start-Backup @{ Destination = $folder }
        $null = Wait-PartialBytes $folder 1MB
        $second = Invoke-FrostBackup -Destination $folder -ErrorVariable problems -ErrorAction SilentlyContinue
        $second | Should -BeNullOrEmpty
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'BackupInProgress,FrostGuard.InvokeFrostBackupCommand'
        $problems[0].TargetObject | Should -Be $folder
        @(Get-ChildItem $folder -Filter '*.partial').Count | Should -Be 1 -Because 'only the first run writes'
        $result = Complete-Backup $first
        $result.Errors.Count | Should -Be 0
        @(Get-FrostBackup -Path $folder).Id | Should -Be @($result.Backup.Id)
    }

    It 'the postgres container stopped mid-backup is one BackupFailed error, and nothing is left' {
        $folder = New-TestFolder container
        $started = Start-Backup @{ Destination = $folder }
        $null = Wait-PartialBytes $folder
        # No grace time: PostgreSQL's answer to SIGTERM is a smart shutdown that lets pg_dump
        # finish first, which would make this a successful backup, not a fault.
        docker stop --time 0 $postgres | Out-Null
        try {
            $result = Complete-Backup $started
        }
        finally {
            docker start $postgres | Out-Null
            Wait-SandboxHealthy
        }
        $result.Backup | Should -BeNullOrEmpty
        $result.Errors.Count | Should -Be 1
        $result.Errors[0].FullyQualifiedErrorId | Should -Be 'BackupFailed,FrostGuard.InvokeFrostBackupCommand'
        $result.Errors[0].Exception.Message | Should -Match $postgres
        Assert-NothingLeft $folder
    }
}

Describe 'Invoke-FrostBackup preconditions' {
    It 'a wrong database password is one DatabaseAuthenticationFailed error, without the password, and no files' {
        $folder = New-TestFolder password
        $env:FROSTGUARD_TEST_WRONG_PASSWORD = 'wrong-' + [guid]::NewGuid()
        try {
            $path = New-ConfigVariant -Path (Join-Path $work 'password.json') -Change {
                param($c) $c.database.password = [pscustomobject]@{ environmentVariable = 'FROSTGUARD_TEST_WRONG_PASSWORD' } }
            $backup = Invoke-FrostBackup -ConfigPath $path -Destination $folder -ErrorVariable problems -ErrorAction SilentlyContinue
            $backup | Should -BeNullOrEmpty
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -Be 'DatabaseAuthenticationFailed,FrostGuard.InvokeFrostBackupCommand'
            ($problems[0] | Out-String) | Should -Not -Match ([regex]::Escape($env:FROSTGUARD_TEST_WRONG_PASSWORD))
            Assert-NothingLeft $folder
        }
        finally { Remove-Item Env:FROSTGUARD_TEST_WRONG_PASSWORD }
    }

    It 'a destination that cannot be written is one BackupDestinationNotWritable error naming it' {
        $file = Join-Path $work 'a-file'
        Set-Content -Path $file -Value 'not a folder'
        $destination = Join-Path $file 'backups'
        $backup = Invoke-FrostBackup -Destination $destination -ErrorVariable problems -ErrorAction SilentlyContinue
        $backup | Should -BeNullOrEmpty
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'BackupDestinationNotWritable,FrostGuard.InvokeFrostBackupCommand'
        $problems[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $problems[0].TargetObject | Should -Be $destination
        $problems[0].ErrorDetails.RecommendedAction | Should -Match '-Destination'
    }

    It 'a read-only file system is BackupDestinationNotWritable; a full one fails preflight with BackupInsufficientSpace' {
        $readOnly = New-TestFolder readonly
        $small = New-TestFolder small
        mount -t tmpfs -o 'ro,size=1m' tmpfs $readOnly
        mount -t tmpfs -o 'size=1m' tmpfs $small
        try {
            $null = Invoke-FrostBackup -Destination $readOnly -ErrorVariable problems -ErrorAction SilentlyContinue
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -Be 'BackupDestinationNotWritable,FrostGuard.InvokeFrostBackupCommand'

            $null = Invoke-FrostBackup -Destination $small -ErrorVariable full -ErrorAction SilentlyContinue
            $full.Count | Should -Be 1
            $full[0].FullyQualifiedErrorId | Should -Be 'BackupInsufficientSpace,FrostGuard.InvokeFrostBackupCommand'
            $full[0].Exception.Message | Should -Match ([regex]::Escape($small))
            Assert-NothingLeft $small
        }
        finally {
            umount $readOnly
            umount $small
        }
    }

    It 'a lock left by a process that died does not block the next backup' {
        $folder = New-TestFolder deadlock
        $lock = Join-Path $folder '.frostguard-backup.lock'
        $holder = Start-Process -FilePath (Get-PwshPath) -PassThru -ArgumentList @('-NoProfile', '-Command',
            "`$s = [IO.File]::Open('$lock', 'OpenOrCreate', 'ReadWrite', 'None'); Set-Content '$lock.held' `$PID; Start-Sleep 600")
        # pwsh as a dotnet tool is a launcher with the real process as its child: the holder
        # writes its own PID, and that process is the one that dies.
        $holderPid = $null
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while (-not $holderPid) {
                if ([DateTime]::UtcNow -gt $deadline) { throw 'the lock holder did not start' }
                Start-Sleep -Milliseconds 50
                $holderPid = Get-Content -Force "$lock.held" -ErrorAction SilentlyContinue | Select-Object -First 1
            }
            Remove-Item -Force "$lock.held"
            $null = Invoke-FrostBackup -Destination $folder -ErrorVariable busy -ErrorAction SilentlyContinue
            $busy[0].FullyQualifiedErrorId | Should -Be 'BackupInProgress,FrostGuard.InvokeFrostBackupCommand'
        }
        finally {
            if ($holderPid) {
                kill -9 $holderPid
                Wait-ProcessDead $holderPid
            }
            # The launcher exits by itself once its child is gone, possibly between these two lines.
            if (-not $holder.HasExited) { Stop-Process -Id $holder.Id -ErrorAction Ignore }
            $holder.WaitForExit()
        }
        $backup = Invoke-FrostBackup -Destination $folder
        (Get-FrostBackup -Path $folder).Id | Should -Be $backup.Id
    }
}

Describe 'Get-FrostBackup' {
    BeforeAll {
        $catalog = New-TestFolder catalog
        $older = Invoke-FrostBackup -Destination $catalog -Label older
        $newer = Invoke-FrostBackup -Destination $catalog -Label newer
        # An archive without a manifest is not a backup.
        Set-Content -Path (Join-Path $catalog 'orphan-20200101T000000Z.dump.zst') -Value 'no manifest'
    }

    It 'lists backups with a manifest, newest first' {
        (Get-FrostBackup -Path $catalog).Id | Should -Be @($newer.Id, $older.Id)
    }

    It '-Latest, -Id and -Since select' {
        (Get-FrostBackup -Path $catalog -Latest).Id | Should -Be $newer.Id
        (Get-FrostBackup -Path $catalog -Id $older.Id).Label | Should -Be 'older'
        @(Get-FrostBackup -Path $catalog -Since $newer.Created.UtcDateTime).Id | Should -Be @($newer.Id)
        @(Get-FrostBackup -Path $catalog -Since ([DateTime]::UtcNow.AddMinutes(5))).Count | Should -Be 0
    }

    It 'an unknown id is one BackupNotFound error' {
        $null = Get-FrostBackup -Path $catalog -Id 'nosuch' -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'BackupNotFound,FrostGuard.GetFrostBackupCommand'
    }

    It 'reads the configured backup root by default' {
        $backup = Invoke-FrostBackup
        (Get-FrostBackup -Latest).Id | Should -Be $backup.Id
        Split-Path $backup.Path | Should -Be $config.backupRoot
    }
}

Describe 'Test-FrostBackup' {
    BeforeAll {
        $tested = New-TestFolder tested
        $good = Invoke-FrostBackup -Destination $tested
    }

    It 'passes a good backup from the pipeline: checksum and pg_restore --list' {
        $result = Get-FrostBackup -Path $tested | Test-FrostBackup
        $result.Id | Should -Be $good.Id
        $result.Passed | Should -BeTrue
        $result.ChecksumMatches | Should -BeTrue
        $result.ArchiveEntries | Should -BeGreaterThan 4
        $result.Restored | Should -BeFalse
    }

    It 'fails a backup with one byte flipped: BackupChecksumMismatch' {
        $tampered = New-TestFolder tampered
        Copy-Item $good.Path, $good.ManifestPath -Destination $tampered
        $copy = Get-FrostBackup -Path $tampered
        $bytes = [IO.File]::ReadAllBytes($copy.Path)
        $bytes[[int]($bytes.Length / 2)] = $bytes[[int]($bytes.Length / 2)] -bxor 0x01
        [IO.File]::WriteAllBytes($copy.Path, $bytes)
        $result = $copy | Test-FrostBackup -ErrorVariable problems -ErrorAction SilentlyContinue
        $result | Should -BeNullOrEmpty
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'BackupChecksumMismatch,FrostGuard.TestFrostBackupCommand'
        $problems[0].TargetObject | Should -Be $copy.Id
        $problems[0].Exception.Message | Should -Match ([regex]::Escape($copy.Path))
    }

    It 'a backup taken while the worker writes restores into a throwaway database with exactly the manifest''s row counts' {
        $before = [long](Invoke-Sql 'SELECT count(*) FROM readings')
        $backup = Invoke-FrostBackup -Destination $tested
        # The worker keeps writing: the live table moves on, the backup must not.
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while ([long](Invoke-Sql 'SELECT count(*) FROM readings') -le $backup.RowCounts['public.readings']) {
            if ([DateTime]::UtcNow -gt $deadline) { throw 'the worker wrote no readings within 60 s' }
            Start-Sleep -Milliseconds 200
        }
        $backup.RowCounts['public.readings'] | Should -BeGreaterOrEqual $before
        $result = Test-FrostBackup -InputObject $backup -Restore
        $result.Passed | Should -BeTrue
        $result.RowCountsMatch | Should -BeTrue
        $result.ContentMatches | Should -BeTrue
        $result.RestoreDuration | Should -BeGreaterThan ([TimeSpan]::Zero)
        Invoke-Sql "SELECT count(*) FROM pg_database WHERE datname LIKE '%fgtest%'" | Should -Be '0'
    }
}

Describe 'Restore-FrostBackup' {
    BeforeAll {
        $restoreFolder = New-TestFolder restore
        Invoke-Sql "DELETE FROM sites WHERE name LIKE 'fg-test-%'" | Out-Null
        function Get-AppStartedAt { Get-FrostService -Name backend, worker | ForEach-Object { "$($_.Service)=$($_.StartedAt)" } }
    }

    It 'refuses a backup with one byte flipped before touching the database: no safety backup, no service stopped' {
        $backup = Invoke-FrostBackup -Destination $restoreFolder
        $tampered = New-TestFolder restore-tampered
        Copy-Item $backup.Path, $backup.ManifestPath -Destination $tampered
        $copy = Get-FrostBackup -Path $tampered
        $bytes = [IO.File]::ReadAllBytes($copy.Path)
        $bytes[100] = $bytes[100] -bxor 0x80
        [IO.File]::WriteAllBytes($copy.Path, $bytes)
        $catalogBefore = @(Get-FrostBackup).Id
        $startedBefore = Get-AppStartedAt

        $result = $copy | Restore-FrostBackup -Confirm:$false -ErrorVariable problems -ErrorAction SilentlyContinue
        $result | Should -BeNullOrEmpty
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'BackupChecksumMismatch,FrostGuard.RestoreFrostBackupCommand'
        $problems[0].TargetObject | Should -Be $copy.Id
        @(Get-FrostBackup).Id | Should -Be $catalogBefore -Because 'no safety backup is taken for a damaged archive'
        Get-AppStartedAt | Should -Be $startedBefore -Because 'backend and worker were never stopped'
    }

    It 'round trip: a backup taken while the worker writes comes back with exactly its rows; later rows are gone; services healthy' {
        $backup = Invoke-FrostBackup -Destination $restoreFolder -Verify
        Invoke-Sql "INSERT INTO sites (name, city) VALUES ('fg-test-after-backup', 'Nowhere')" | Out-Null
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while ([long](Invoke-Sql 'SELECT count(*) FROM readings') -le $backup.RowCounts['public.readings']) {
            if ([DateTime]::UtcNow -gt $deadline) { throw 'the worker wrote no readings within 60 s' }
            Start-Sleep -Milliseconds 200
        }

        $result = $backup | Restore-FrostBackup -Confirm:$false
        $result.BackupId | Should -Be $backup.Id
        $result.RowCountsMatch | Should -BeTrue
        $result.ContentMatches | Should -BeTrue -Because 'each keyed table''s rows up to the snapshot''s highest id give the manifest''s checksum, and none lie above it'
        foreach ($table in $backup.RowCounts.Keys) {
            $result.RowCounts[$table] | Should -Be $backup.RowCounts[$table] -Because "$table must hold exactly the snapshot's rows"
        }
        Invoke-Sql "SELECT count(*) FROM sites WHERE name = 'fg-test-after-backup'" | Should -Be '0'
        $result.ServicesRestarted | Should -Be @('backend', 'worker')
        (Get-FrostBackup -Id $result.SafetyBackupId).Label | Should -Be "safety before restoring $($backup.Id)"
        foreach ($service in Get-FrostService -Name backend, worker) {
            $service.State | Should -Be 'running'
            $service.Health | Should -Be 'healthy'
        }
    }

    It '-Jobs 2 restores from a file staged in the container, gets exactly the backup''s rows, and removes the file' {
        $backup = Invoke-FrostBackup -Destination $restoreFolder
        Invoke-Sql "INSERT INTO sites (name, city) VALUES ('fg-test-after-jobs-backup', 'Nowhere')" | Out-Null
        $result = $backup | Restore-FrostBackup -Jobs 2 -Confirm:$false -Verbose 4>&1 | Tee-Object -Variable everything | Where-Object { $_ -is [FrostGuard.FrostRestore] }
        @($everything | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match 'staged backup .* for 2 jobs' }).Count | Should -Be 1
        $result.RowCountsMatch | Should -BeTrue
        $result.RowCounts['public.readings'] | Should -Be $backup.RowCounts['public.readings']
        Invoke-Sql "SELECT count(*) FROM sites WHERE name = 'fg-test-after-jobs-backup'" | Should -Be '0'
        docker exec $postgres sh -c 'ls /tmp/frostguard-restore-* 2>/dev/null; true' | Should -BeNullOrEmpty
        foreach ($service in Get-FrostService -Name backend, worker) {
            $service.State | Should -Be 'running'
            $service.Health | Should -Be 'healthy'
        }
    }

    It 'a corrupt archive (valid checksum) fails, the safety backup is put back, and backend and worker run again' {
        $raw = Invoke-FrostBackup -Destination (New-TestFolder corrupt) -Compression None
        $bytes = [IO.File]::ReadAllBytes($raw.Path)
        [IO.File]::WriteAllBytes($raw.Path, $bytes[0..([int]($bytes.Length * 0.6))])
        $manifest = Get-Content -Raw $raw.ManifestPath | ConvertFrom-Json
        $manifest.sha256 = (Get-FileHash -Algorithm SHA256 $raw.Path).Hash.ToLowerInvariant()
        $manifest.sizeBytes = (Get-Item $raw.Path).Length
        $manifest | ConvertTo-Json -Depth 5 | Set-Content $raw.ManifestPath
        Invoke-Sql "INSERT INTO sites (name, city) VALUES ('fg-test-before-failed-restore', 'Nowhere')" | Out-Null

        $result = Get-FrostBackup -Path (Split-Path $raw.Path) | Restore-FrostBackup -Confirm:$false -ErrorVariable problems -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $result | Should -BeNullOrEmpty
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'BackupRestoreFailed,FrostGuard.RestoreFrostBackupCommand'
        $problems[0].Exception.Message | Should -Match 'put back from the safety backup'
        Invoke-Sql "SELECT count(*) FROM sites WHERE name = 'fg-test-before-failed-restore'" | Should -Be '1'
        foreach ($service in Get-FrostService -Name backend, worker) {
            $service.State | Should -Be 'running'
            $service.Health | Should -Be 'healthy'
        }
        Invoke-Sql "DELETE FROM sites WHERE name LIKE 'fg-test-%'" | Out-Null
    }
}

Describe 'Copy-FrostBackup, Remove-FrostBackup and Invoke-FrostBackupRetention' {
    BeforeAll {
        $source = New-TestFolder source
        $original = Invoke-FrostBackup -Destination $source -Verify

        # A synthetic catalog: copies of one real backup under other ids and dates.
        function New-SyntheticBackup {
            param([string] $Folder, [DateTimeOffset] $Created, [bool] $Verified)
            $id = 'frostguard-' + $Created.UtcDateTime.ToString('yyyyMMdd''T''HHmmss''Z''')
            $manifest = Get-Content -Raw $original.ManifestPath | ConvertFrom-Json
            $manifest.id = $id
            $manifest.created = $Created.ToString('o')
            $manifest.file = "$id.dump.zst"
            $manifest.verified = $Verified
            Copy-Item $original.Path (Join-Path $Folder $manifest.file)
            $manifest | ConvertTo-Json -Depth 5 | Set-Content (Join-Path $Folder "$id.manifest.json")
            $id
        }
    }

    It 'copies a backup with its manifest, verified by checksum' {
        $external = New-TestFolder external
        $copy = $original | Copy-FrostBackup -Destination $external
        $copy.Id | Should -Be $original.Id
        $copy.Path | Should -Be (Join-Path $external (Split-Path -Leaf $original.Path))
        (Get-FileHash -Algorithm SHA256 $copy.Path).Hash.ToLowerInvariant() | Should -Be $original.Sha256
        (Get-FrostBackup -Path $external).Id | Should -Be $original.Id
        @(Get-ChildItem $external -Filter '*.partial').Count | Should -Be 0
    }

    It 'refuses to report a copy of a damaged backup as done, and leaves nothing at the destination' {
        $damaged = New-TestFolder damaged
        Copy-Item $original.Path, $original.ManifestPath -Destination $damaged
        $bad = Get-FrostBackup -Path $damaged
        $bytes = [IO.File]::ReadAllBytes($bad.Path); $bytes[10] = $bytes[10] -bxor 0xFF; [IO.File]::WriteAllBytes($bad.Path, $bytes)
        $external = New-TestFolder external-bad
        $copy = $bad | Copy-FrostBackup -Destination $external -ErrorVariable problems -ErrorAction SilentlyContinue
        $copy | Should -BeNullOrEmpty
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'BackupChecksumMismatch,FrostGuard.CopyFrostBackupCommand'
        @(Get-FrostBackup -Path $external).Count | Should -Be 0
        @(Get-ChildItem $external | Where-Object Name -ne '.frostguard-backup.lock').Count | Should -Be 0
    }

    It 'Remove-FrostBackup removes the manifest and the archive' {
        $folder = New-TestFolder remove
        $id = New-SyntheticBackup $folder ([DateTimeOffset]::UtcNow.AddDays(-1)) $false
        Get-FrostBackup -Path $folder -Id $id | Remove-FrostBackup -Confirm:$false
        @(Get-ChildItem $folder | Where-Object Name -ne '.frostguard-backup.lock').Count | Should -Be 0
    }

    It 'retention -WhatIf removes nothing; then it keeps exactly the GFS set and the newest verified, and never touches a file without a manifest' {
        $folder = New-TestFolder retention
        # Yesterday noon: always in the past (a manifest dated in the future is refused), whatever the hour the suite runs.
        $now = [DateTimeOffset]::new([DateTime]::UtcNow.Date.AddHours(-12))
        $ids = foreach ($day in 0..9) { New-SyntheticBackup $folder $now.AddDays(-$day) ($day -eq 6) }
        Set-Content (Join-Path $folder 'orphan-20200101T000000Z.dump.zst') 'no manifest'

        $plan = Invoke-FrostBackupRetention -Path $folder -KeepDaily 3 -KeepWeekly 0 -KeepMonthly 0 -WhatIf
        $plan.Count | Should -Be 10
        ($plan | Where-Object Action -eq 'WouldRemove').Count | Should -Be 6
        @(Get-FrostBackup -Path $folder).Count | Should -Be 10

        $done = Invoke-FrostBackupRetention -Path $folder -KeepDaily 3 -KeepWeekly 0 -KeepMonthly 0 -Confirm:$false
        ($done | Where-Object Action -eq 'Remove').Count | Should -Be 6
        (Get-FrostBackup -Path $folder).Id | Should -Be @($ids[0], $ids[1], $ids[2], $ids[6])
        ($done | Where-Object Id -eq $ids[6]).Reasons | Should -Be @('newest verified')
        Test-Path (Join-Path $folder 'orphan-20200101T000000Z.dump.zst') | Should -BeTrue
    }
}

Describe 'Get-FrostRecoveryStatus' {
    It 'shows each objective of the manual: measured restore and fresh verified backup Met, nothing measured Unknown' {
        $backup = Invoke-FrostBackup -Verify
        $tested = $backup | Test-FrostBackup -Restore
        $status = Get-FrostRecoveryStatus
        $status.Id | Should -Be @('rpo', 'rpo-archive', 'database-restore', 'full-recovery', 'rollback')
        ($status | Where-Object Id -eq 'rpo-archive').Status | Should -Be 'Unknown' -Because 'archiving is off in the sandbox'
        $rpo = $status | Where-Object Id -eq 'rpo'
        $rpo.Status | Should -Be 'Met'
        $rpo.Source | Should -Be $backup.Id
        $rpo.TargetLimit | Should -Be ([TimeSpan]::FromHours(24))
        $restore = $status | Where-Object Id -eq 'database-restore'
        $restore.Status | Should -Be 'Met'
        $restore.Source | Should -Be "Test-FrostBackup -Restore $($backup.Id)"
        [math]::Abs($restore.Measured.TotalSeconds - $tested.RestoreDuration.TotalSeconds) | Should -BeLessThan 0.001
        ($status | Where-Object Id -eq 'full-recovery').Status | Should -Be 'Unknown'
        ($status | Where-Object Id -eq 'rollback').Status | Should -Be 'Unknown'
    }

    It 'is Unknown, not Met, for a restore nobody measured (a fresh state folder)' {
        $saved = $env:FROSTGUARD_STATE
        $env:FROSTGUARD_STATE = New-TestFolder state
        try {
            (Get-FrostRecoveryStatus | Where-Object Id -eq 'database-restore').Status | Should -Be 'Unknown'
        }
        finally { $env:FROSTGUARD_STATE = $saved }
    }
}
