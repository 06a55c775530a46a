# Directory-format backups against the live sandbox: pg_dump -Fd -j in a real short-lived
# container from the postgres service's image, real folders, real faults, and the per-table
# content checksums compared after a real restore while the worker writes.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    Wait-SandboxHealthy

    $work = Join-Path ([IO.Path]::GetTempPath()) "frostguard-backupdir-$([guid]::NewGuid().ToString('N'))"
    New-Item -ItemType Directory -Path $work | Out-Null
    $config = Get-SandboxConfig
    $postgres = Get-SandboxContainer postgres

    function Get-SandboxPassword {
        $line = Get-Content (Join-Path $config.project.directory '.env') | Where-Object { $_ -like "$($config.database.password.envFileKey)=*" } | Select-Object -First 1
        $line.Substring($line.IndexOf('=') + 1)
    }

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

    # The job containers FrostGuard created for a backup root (running or not).
    function Get-JobContainer {
        param([string] $Folder)
        @(docker ps -a --filter "label=frostguard.backup-root=$Folder" --format '{{.ID}}')
    }

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

    # Waits on the condition: the pg_dump job container runs and its partial folder holds $Bytes.
    function Wait-DumpRunning {
        param([string] $Folder, [long] $Bytes = 2MB, [int] $TimeoutSeconds = 60)
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        while ($true) {
            $container = @(docker ps --filter "label=frostguard.backup-root=$Folder" --filter 'label=frostguard.backup-job=pg-dump' --format '{{.ID}}')
            $partial = Get-ChildItem $Folder -Directory -Filter '*.partial' -ErrorAction SilentlyContinue | Select-Object -First 1
            $size = if ($partial) { (Get-ChildItem $partial.FullName -File -Recurse -Force -ErrorAction SilentlyContinue | Measure-Object Length -Sum).Sum } else { 0 }
            if ($container.Count -eq 1 -and $size -ge $Bytes) { return $container[0] }
            if ([DateTime]::UtcNow -gt $deadline) { throw "no running pg_dump job with $Bytes bytes in $Folder within $TimeoutSeconds s" }
            Start-Sleep -Milliseconds 50
        }
    }

    function Assert-NothingLeft {
        param([string] $Folder)
        @(Get-FrostBackup -Path $Folder).Count | Should -Be 0
        @(Get-ChildItem $Folder -Force | Where-Object Name -ne '.frostguard-backup.lock').Name | Should -BeNullOrEmpty
        Get-JobContainer $Folder | Should -BeNullOrEmpty
    }

    # The manifest's checksum, computed independently by psql over the live table.
    function Get-TableChecksum {
        param([string] $Table, [string] $Key, [long] $MaxId, [string] $Method)
        $sum = if ($Method -eq 'md5') { "sum(('x' || substr(md5(t::text), 1, 16))::bit(64)::bigint::numeric)" } else { 'sum(hash_record_extended(t, 0))' }
        Invoke-Sql @"
BEGIN;
SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'; SET LOCAL extra_float_digits = 1; SET LOCAL bytea_output = 'hex';
SELECT count(*) || ' ' || coalesce($sum, 0)::text FROM $Table t WHERE $Key <= $MaxId;
COMMIT;
"@
    }
}

AfterAll {
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}

Describe 'Invoke-FrostBackup -Format Directory' {
    It 'writes a folder with -Jobs 2: a SHA-256 per file and one over the list, snapshot counts and content checksums, no container left' {
        $folder = New-TestFolder directory
        $backup = Invoke-FrostBackup -Destination $folder -Format Directory -Jobs 2 -Verify -Label pester
        $backup.Format | Should -Be 'Directory'
        $backup.Compression | Should -Be 'Gzip'
        $backup.Verified | Should -BeTrue
        $backup.Path | Should -Be (Join-Path $folder "$($backup.Id).dir")
        Test-Path -PathType Container $backup.Path | Should -BeTrue
        $manifest = Get-Content -Raw $backup.ManifestPath | ConvertFrom-Json
        $manifest.jobs | Should -Be 2
        $files = Get-ChildItem $backup.Path -File | Sort-Object { $_.Name } -Culture ([cultureinfo]::InvariantCulture)
        @($manifest.files.name) | Should -Be @($files.Name)
        $files.Name | Should -Contain 'toc.dat'
        foreach ($file in $files) {
            ($manifest.files | Where-Object name -eq $file.Name).sha256 | Should -Be (Get-FileHash -Algorithm SHA256 $file.FullName).Hash.ToLowerInvariant()
        }
        # The list digest is the SHA-256 of what sha256sum prints for the folder.
        Push-Location $backup.Path
        try { $listing = (sha256sum -- $files.Name) -join "`n" } finally { Pop-Location }
        $digest = [Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($listing + "`n"))
        [Convert]::ToHexString($digest).ToLowerInvariant() | Should -Be $backup.Sha256
        $backup.SizeBytes | Should -Be ($files | Measure-Object Length -Sum).Sum
        $readings = $manifest.checksums | Where-Object table -eq 'readings'
        $readings.keyColumn | Should -Be 'id'
        $readings.rows | Should -Be $backup.RowCounts['public.readings']
        @($manifest.checksums.table) | Should -Contain 'sites'
        @(Get-ChildItem $folder -Force -Filter '*.partial').Count | Should -Be 0
        Get-JobContainer $folder | Should -BeNullOrEmpty
        (Get-FrostBackup -Path $folder).Id | Should -Be $backup.Id
    }

    It '-Compression Zstd with -Format Directory is one BackupOptionsConflict error, and nothing is written' {
        $folder = New-TestFolder conflict
        $null = Invoke-FrostBackup -Destination $folder -Format Directory -Compression Zstd -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'BackupOptionsConflict,FrostGuard.InvokeFrostBackupCommand'
        @(Get-ChildItem $folder -Force).Count | Should -Be 0
    }

    It 'options no format can honour are refused before -WhatIf previews them (<Options>)' -ForEach @(
        @{ Options = '-Jobs 4'; Arguments = @{ Jobs = 4 } }
        @{ Options = '-Format Directory -Compression Zstd'; Arguments = @{ Format = 'Directory'; Compression = 'Zstd' } }
    ) {
        $folder = New-TestFolder whatif
        $null = Invoke-FrostBackup -Destination $folder @Arguments -WhatIf -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'BackupOptionsConflict,FrostGuard.InvokeFrostBackupCommand'
        @(Get-ChildItem $folder -Force).Count | Should -Be 0
    }

    It 'a container and a partial folder left by a run that died are removed by the next run, with warnings' {
        $folder = New-TestFolder leftover
        $stale = Join-Path $folder 'frostguard-20200101T000000Z.partial'
        New-Item -ItemType Directory -Path $stale | Out-Null
        Set-Content (Join-Path $stale 'toc.dat') 'half a dump'
        $image = docker inspect --format '{{.Image}}' $postgres
        $left = docker create --label "frostguard.backup-root=$folder" --label 'frostguard.backup-job=pg-dump' --network host --entrypoint /bin/true $image
        try {
            $backup = Invoke-FrostBackup -Destination $folder -Format Directory -WarningVariable warnings -WarningAction SilentlyContinue
            @($warnings | Where-Object { "$_" -match [regex]::Escape($stale) }).Count | Should -Be 1
            @($warnings | Where-Object { "$_" -match 'Removed the container' }).Count | Should -Be 1
            Get-JobContainer $folder | Should -BeNullOrEmpty
            (Get-FrostBackup -Path $folder).Id | Should -Be $backup.Id
            Test-Path $stale | Should -BeFalse
        }
        finally { docker rm -f $left 2>$null | Out-Null }
    }
}

Describe 'Directory backups: faults leave no backup, no files and no container' {
    BeforeAll {
        Invoke-Sql 'DROP TABLE IF EXISTS fg_test_dir_ballast; CREATE TABLE fg_test_dir_ballast AS SELECT g AS id, md5(g::text) || md5((g*7)::text) || md5((g*13)::text) AS payload FROM generate_series(1, 2000000) g' | Out-Null
    }

    AfterAll {
        Invoke-Sql 'DROP TABLE IF EXISTS fg_test_dir_ballast' | Out-Null
    }

    It 'the dump container killed mid-run is one BackupFailed error with pg_dump''s exit; the password was never in its inspect' {
        $folder = New-TestFolder killed
        $started = Start-Backup @{ Destination = $folder; Format = 'Directory'; Jobs = 2; Compression = 'None' }
        $container = Wait-DumpRunning $folder
        $inspect = docker inspect $container | Out-String
        docker kill $container | Out-Null
        $result = Complete-Backup $started
        $inspect | Should -Match 'pg_dump' -Because 'the inspect was taken of the dump container'
        $inspect | Should -Not -Match ([regex]::Escape((Get-SandboxPassword)))
        # Mirrors the database container: same image id and user, its read-only binds and tmpfs, host network; never its data directory.
        $job = ($inspect | ConvertFrom-Json)[0]
        $db = (docker inspect $postgres | ConvertFrom-Json)[0]
        $job.Image | Should -Be $db.Image
        $job.Config.User | Should -Be $db.Config.User
        $job.HostConfig.NetworkMode | Should -Be 'host'
        foreach ($mount in $db.Mounts | Where-Object { -not $_.RW }) { $job.HostConfig.Binds | Should -Contain "$($mount.Source):$($mount.Destination):ro" }
        foreach ($mount in $db.Mounts | Where-Object RW) { @($job.Mounts.Source) | Should -Not -Contain $mount.Source }
        @($job.HostConfig.Tmpfs.PSObject.Properties.Name) | Should -Be @($db.HostConfig.Tmpfs.PSObject.Properties.Name)
        $writable = @($job.Mounts | Where-Object RW)
        $writable.Count | Should -Be 1 -Because 'the partial folder is its only writable mount'
        $writable[0].Destination | Should -BeLike (Join-Path $folder '*.partial')
        $result.Backup | Should -BeNullOrEmpty
        $result.Errors.Count | Should -Be 1
        $result.Errors[0].FullyQualifiedErrorId | Should -Be 'BackupFailed,FrostGuard.InvokeFrostBackupCommand'
        $result.Errors[0].Exception.Message | Should -Match 'pg_dump exited with code 137'
        $result.Errors[0].Exception.Message | Should -Match $postgres
        Assert-NothingLeft $folder
    }

    It 'Ctrl+C kills and removes the dump container and removes the partial folder' {
        $folder = New-TestFolder stopped
        $started = Start-Backup @{ Destination = $folder; Format = 'Directory'; Jobs = 2; Compression = 'None' }
        $null = Wait-DumpRunning $folder
        $started.PowerShell.Stop()
        $started.PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'
        $started.PowerShell.Dispose()
        Assert-NothingLeft $folder
    }
}

Describe 'Directory backups: test, tamper, copy, remove' {
    BeforeAll {
        # A keyed table with a column type that has no hash function: its checksum falls back to md5 of the row's text.
        Invoke-Sql "DROP TABLE IF EXISTS fg_test_dir_json; CREATE TABLE fg_test_dir_json (id int PRIMARY KEY, doc json, at timestamptz); INSERT INTO fg_test_dir_json SELECT g, json_build_object('n', g), now() FROM generate_series(1, 50) g" | Out-Null
        $source = New-TestFolder dir-source
        $good = Invoke-FrostBackup -Destination $source -Format Directory -Jobs 2
    }

    AfterAll {
        Invoke-Sql 'DROP TABLE IF EXISTS fg_test_dir_json' | Out-Null
    }

    It 'Test-FrostBackup -Restore restores the folder into a throwaway database: row counts and content checksums match' {
        $result = $good | Test-FrostBackup -Restore
        $result.Passed | Should -BeTrue
        $result.ArchiveEntries | Should -BeGreaterThan 4
        $result.RowCountsMatch | Should -BeTrue
        $result.ContentMatches | Should -BeTrue
        $manifest = Get-Content -Raw $good.ManifestPath | ConvertFrom-Json
        ($manifest.checksums | Where-Object table -eq 'readings').method | Should -Be 'hash_record_extended'
        ($manifest.checksums | Where-Object table -eq 'fg_test_dir_json').method | Should -Be 'md5'
        ($manifest.checksums | Where-Object table -eq 'fg_test_dir_json').rows | Should -Be 50
        Invoke-Sql "SELECT count(*) FROM pg_database WHERE datname LIKE '%fgtest%'" | Should -Be '0'
        Get-JobContainer $source | Should -BeNullOrEmpty
    }

    It 'a manifest whose content checksum is not the data''s fails the restore test with BackupRestoreTestFailed' {
        $folder = New-TestFolder wrong-checksum
        Copy-Item -Recurse $good.Path -Destination $folder
        $manifest = Get-Content -Raw $good.ManifestPath | ConvertFrom-Json
        ($manifest.checksums | Where-Object table -eq 'sites').checksum = '12345'
        $manifest | ConvertTo-Json -Depth 6 | Set-Content (Join-Path $folder (Split-Path -Leaf $good.ManifestPath))
        $null = Get-FrostBackup -Path $folder | Test-FrostBackup -Restore -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'BackupRestoreTestFailed,FrostGuard.TestFrostBackupCommand'
        $problems[0].Exception.Message | Should -Match 'public\.sites: the content checksum'
    }

    It 'one byte flipped in one file fails Test-FrostBackup with BackupChecksumMismatch naming the file; Restore-FrostBackup refuses it' {
        $folder = New-TestFolder dir-tampered
        Copy-Item -Recurse $good.Path, $good.ManifestPath -Destination $folder
        $copy = Get-FrostBackup -Path $folder
        $victim = Get-ChildItem $copy.Path -File | Where-Object Name -ne 'toc.dat' | Sort-Object Length -Descending | Select-Object -First 1
        $bytes = [IO.File]::ReadAllBytes($victim.FullName)
        $bytes[[int]($bytes.Length / 2)] = $bytes[[int]($bytes.Length / 2)] -bxor 0x01
        [IO.File]::WriteAllBytes($victim.FullName, $bytes)

        $result = $copy | Test-FrostBackup -ErrorVariable problems -ErrorAction SilentlyContinue
        $result | Should -BeNullOrEmpty
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'BackupChecksumMismatch,FrostGuard.TestFrostBackupCommand'
        $problems[0].TargetObject | Should -Be $copy.Id
        $problems[0].Exception.Message | Should -Match ([regex]::Escape($victim.Name))

        $catalogBefore = @(Get-FrostBackup).Id
        $restored = $copy | Restore-FrostBackup -Confirm:$false -ErrorVariable refused -ErrorAction SilentlyContinue
        $restored | Should -BeNullOrEmpty
        $refused[0].FullyQualifiedErrorId | Should -Be 'BackupChecksumMismatch,FrostGuard.RestoreFrostBackupCommand'
        @(Get-FrostBackup).Id | Should -Be $catalogBefore -Because 'no safety backup is taken for a damaged archive'
    }

    It 'an added file fails Test-FrostBackup too' {
        $folder = New-TestFolder dir-added
        Copy-Item -Recurse $good.Path, $good.ManifestPath -Destination $folder
        $copy = Get-FrostBackup -Path $folder
        Set-Content (Join-Path $copy.Path 'extra.dat') 'not from pg_dump'
        $null = $copy | Test-FrostBackup -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].FullyQualifiedErrorId | Should -Be 'BackupChecksumMismatch,FrostGuard.TestFrostBackupCommand'
        $problems[0].Exception.Message | Should -Match 'extra\.dat is not in the manifest'
    }

    It 'Copy-FrostBackup copies the folder verified file by file; Remove-FrostBackup and retention remove folders' {
        $external = New-TestFolder dir-external
        $copy = $good | Copy-FrostBackup -Destination $external
        $copy.Path | Should -Be (Join-Path $external "$($good.Id).dir")
        ($copy | Test-FrostBackup).Passed | Should -BeTrue
        @(Get-ChildItem $external -Force -Filter '*.partial').Count | Should -Be 0

        $copy | Remove-FrostBackup -Confirm:$false
        @(Get-ChildItem $external -Force | Where-Object Name -ne '.frostguard-backup.lock').Name | Should -BeNullOrEmpty

        $older = $good | Copy-FrostBackup -Destination $external
        $newer = Invoke-FrostBackup -Destination $external -Format Directory
        $done = Invoke-FrostBackupRetention -Path $external -KeepDaily 1 -KeepWeekly 0 -KeepMonthly 0 -Confirm:$false
        ($done | Where-Object Id -eq $older.Id).Action | Should -Be 'Remove'
        (Get-FrostBackup -Path $external).Id | Should -Be $newer.Id
        Test-Path $older.Path | Should -BeFalse
    }
}

Describe 'Round trip of a directory backup taken while the worker writes' {
    It 'Restore-FrostBackup -Jobs 2 brings back exactly the snapshot''s rows (counts and content checksum), nothing written after it' {
        Invoke-Sql "DELETE FROM sites WHERE name LIKE 'fg-dir-%'" | Out-Null
        $folder = New-TestFolder roundtrip
        $backup = Invoke-FrostBackup -Destination $folder -Format Directory -Jobs 2 -Verify
        $manifest = Get-Content -Raw $backup.ManifestPath | ConvertFrom-Json
        $readings = $manifest.checksums | Where-Object table -eq 'readings'
        # Written after the snapshot: a marker row, and whatever the worker keeps posting.
        Invoke-Sql "INSERT INTO sites (name, city) VALUES ('fg-dir-after-backup', 'Nowhere')" | Out-Null
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while ([long](Invoke-Sql "SELECT count(*) FROM readings WHERE id > $($readings.maxId)") -eq 0) {
            if ([DateTime]::UtcNow -gt $deadline) { throw 'the worker wrote no readings within 60 s' }
            Start-Sleep -Milliseconds 200
        }

        $result = $backup | Restore-FrostBackup -Jobs 2 -Confirm:$false
        $result.RowCountsMatch | Should -BeTrue
        $result.ContentMatches | Should -BeTrue
        foreach ($table in $backup.RowCounts.Keys) {
            $result.RowCounts[$table] | Should -Be $backup.RowCounts[$table] -Because "$table must hold exactly the snapshot's rows"
        }
        Invoke-Sql "SELECT count(*) FROM sites WHERE name = 'fg-dir-after-backup'" | Should -Be '0'
        # Independently of FrostGuard: psql's checksum of the rows up to the snapshot's highest id
        # (the worker writes again after the restore, above that id).
        foreach ($table in $manifest.checksums) {
            Get-TableChecksum "$($table.schema).$($table.table)" $table.keyColumn $table.maxId $table.method | Should -Be "$($table.rows) $($table.checksum)"
        }
        Get-JobContainer $folder | Should -BeNullOrEmpty
        foreach ($service in Get-FrostService -Name backend, worker) {
            $service.State | Should -Be 'running'
            $service.Health | Should -Be 'healthy'
        }
    }
}
