# Recovery to a point in time against the live sandbox: continuous WAL archiving, a physical base
# backup, then drills (a throwaway container) and real restores (the data folders swapped) to a
# time, a named restore point and the latest archived WAL, and the refusals of targets out of
# reach. A probe table, written with clock_timestamp(), tells which rows each recovery kept. The
# suite has its own backup root and leaves the sandbox with archiving off, the probe table gone
# and the data folders it set aside removed.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    Wait-SandboxHealthy

    $script:work = Join-Path ([IO.Path]::GetTempPath()) "frostguard-pitr-$([guid]::NewGuid().ToString('N'))"
    New-Item -ItemType Directory -Path $work | Out-Null
    $script:savedConfig = $env:FROSTGUARD_CONFIG
    $script:savedState = $env:FROSTGUARD_STATE
    $env:FROSTGUARD_CONFIG = New-ConfigVariant -Path (Join-Path $work 'frostguard.json') -Change { param($c) $c.backupRoot = (Join-Path $work 'backups') }
    $env:FROSTGUARD_STATE = Join-Path $work 'state'
    $script:config = Get-SandboxConfig
    $script:envFile = Join-Path $config.project.directory '.env'
    $script:liveData = (Get-Content $envFile | Where-Object { $_ -like 'PG_DATA=*' }) -replace '^PG_DATA=', ''

    # One committed row; its id and the clock_timestamp() it was stamped with.
    function Add-ProbeRow {
        $id, $at = (Invoke-SandboxSql 'INSERT INTO frostguard_pitr_probe DEFAULT VALUES RETURNING id, at') -split '\|'
        [pscustomobject]@{ Id = [long]$id; At = [DateTimeOffset]::Parse($at, [cultureinfo]::InvariantCulture) }
    }

    function Test-ProbeRow([long] $Id) { (Invoke-SandboxSql "SELECT count(*) FROM frostguard_pitr_probe WHERE id = $Id") -eq '1' }

    # Waits until the archiver has flushed everything the server wrote so far.
    function Wait-Archived([int] $TimeoutSeconds = 30) {
        $wanted = Invoke-SandboxSql 'SELECT pg_current_wal_lsn()'
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        while ((Invoke-SandboxSql "SELECT coalesce((SELECT r.flush_lsn >= '$wanted'::pg_lsn FROM pg_replication_slots s JOIN pg_stat_replication r ON r.pid = s.active_pid WHERE s.slot_name = 'frostguard_wal_archive'), false)") -ne 't') {
            if ([DateTime]::UtcNow -gt $deadline) { throw "the archiver did not flush $wanted within $TimeoutSeconds s" }
            Start-Sleep -Milliseconds 100
        }
    }

    # A moment strictly between two commits: the row before it and the row after it.
    function New-Target {
        $before = Add-ProbeRow
        Start-Sleep -Milliseconds 300
        $target = [DateTimeOffset]::UtcNow
        Start-Sleep -Milliseconds 300
        $after = Add-ProbeRow
        Wait-Archived
        [pscustomobject]@{ Before = $before; Time = $target; After = $after }
    }

    function Get-LiveSnapshot {
        (docker ps -a --filter "label=com.docker.compose.project=$($config.project.name)" --format '{{.ID}}' |
            ForEach-Object { docker inspect -f '{{.Name}} {{.State.StartedAt}} {{.RestartCount}}' $_ } | Sort-Object) -join "`n"
    }

    if ((Get-FrostWalArchive).Enabled) { throw 'The sandbox must start without WAL archiving (Disable-FrostWalArchive).' }
    Invoke-SandboxSql 'CREATE TABLE IF NOT EXISTS frostguard_pitr_probe (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())' | Out-Null
    Enable-FrostWalArchive -Confirm:$false | Out-Null
    $script:base = Invoke-FrostBackup -Physical -Label 'pitr suite'
    $script:dataFoldersBefore = @(Get-ChildItem -Directory (Split-Path $liveData) | ForEach-Object FullName)
}

AfterAll {
    try { Disable-FrostWalArchive -Confirm:$false -ErrorAction Continue | Out-Null }
    finally {
        Invoke-SandboxSql 'DROP TABLE IF EXISTS frostguard_pitr_probe' | Out-Null
        Invoke-SandboxSql 'ALTER SYSTEM RESET max_slot_wal_keep_size' | Out-Null
        Invoke-SandboxSql 'SELECT pg_reload_conf()' | Out-Null
        # The data folders the restores kept (the operator removes them once satisfied; the suite is that operator).
        Get-ChildItem -Directory (Split-Path $liveData) | Where-Object { $_.FullName -notin $script:dataFoldersBefore -and $_.Name -like '*.*pitr-*' } | Remove-Item -Recurse -Force
        $env:FROSTGUARD_CONFIG = $script:savedConfig
        $env:FROSTGUARD_STATE = $script:savedState
        Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
        Wait-SandboxHealthy
    }
}

Describe 'Base backups in the catalog' {
    It 'are listed beside logical backups with their type and the range the archive lets them recover to' {
        $logical = Invoke-FrostBackup
        $listed = @(Get-FrostBackup)
        ($listed | Where-Object Id -EQ $logical.Id).Type | Should -Be 'Logical'
        $physical = $listed | Where-Object Id -EQ $base.Id
        $physical.Type | Should -Be 'Physical'
        $physical.StartLsn | Should -Match '^[0-9A-F]+/[0-9A-F]+$'
        $physical.RecoverableTo | Should -BeGreaterThan $physical.RecoverableFrom -Because 'the archive streams on after the base backup'
        ($base | Test-FrostBackup).Passed | Should -BeTrue
        { $base | Restore-FrostBackup -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'BackupOptionsConflict,FrostGuard.RestoreFrostBackupCommand'
    }
}

Describe 'Targets out of reach' {
    It 'refuses a time before the oldest base backup is consistent, before anything stops' {
        $before = Get-LiveSnapshot
        { Restore-FrostBackup -PointInTime $base.RecoverableFrom.AddMinutes(-5) -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'RecoveryTargetUnreachable,FrostGuard.RestoreFrostBackupCommand'
        Get-LiveSnapshot | Should -Be $before
    }

    It 'refuses a time beyond the archived WAL (the archiver stopped), naming how far the archive reaches, before anything stops' {
        $archiver = docker ps --filter "label=com.docker.compose.project=$($config.project.name)" --filter 'label=com.docker.compose.service=wal-archive' --format '{{.Names}}'
        docker stop $archiver | Out-Null
        try {
            1..3 | ForEach-Object { Add-ProbeRow | Out-Null; Start-Sleep -Milliseconds 700 }
            $before = Get-LiveSnapshot
            $failed = $null
            Restore-FrostBackup -PointInTime ([DateTimeOffset]::UtcNow.AddSeconds(-1)) -Confirm:$false -ErrorVariable failed -ErrorAction SilentlyContinue
            $failed.FullyQualifiedErrorId | Should -Be 'RecoveryTargetUnreachable,FrostGuard.RestoreFrostBackupCommand'
            "$failed" | Should -Match 'beyond the archived WAL.*reaches'
            Get-LiveSnapshot | Should -Be $before
            { Test-FrostBackup -PointInTime ([DateTimeOffset]::UtcNow.AddSeconds(-1)) -ErrorAction Stop } | Should -Throw -ErrorId 'RecoveryTargetUnreachable,FrostGuard.TestFrostBackupCommand'
        }
        finally { docker start $archiver | Out-Null }
        Wait-Archived
    }
}

Describe 'Recovery drills (Test-FrostBackup -PointInTime)' {
    It 'to a time: the row committed just before is in the copy, the one just after is not; the live deployment is untouched and the RTO recorded' {
        $t = New-Target
        $before = Get-LiveSnapshot
        $drill = Test-FrostBackup -PointInTime $t.Time -VerifyTable public.frostguard_pitr_probe -TimestampColumn at
        $drill.Passed | Should -BeTrue
        $drill.BaseBackupId | Should -Be $base.Id
        $drill.RowBefore | Should -Match "^$($t.Before.Id) @"
        $drill.RowBeforePresent | Should -BeTrue
        $drill.RowAfter | Should -Match "^$($t.After.Id) @"
        $drill.RowAfterAbsent | Should -BeTrue
        $drill.NewestInCopy | Should -BeLessOrEqual $t.Time
        $drill.Timeline | Should -BeGreaterThan 1 -Because 'the copy promoted onto a timeline of its own'
        $drill.RecoveryDuration | Should -BeGreaterThan ([TimeSpan]::Zero)
        Get-LiveSnapshot | Should -Be $before
        docker ps -a --filter 'label=frostguard.recovery' --format '{{.Names}}' | Should -BeNullOrEmpty
        Get-ChildItem (Join-Path $work 'backups') -Filter '*.partial' | Should -BeNullOrEmpty
        (Get-FrostRecoveryStatus | Where-Object Id -EQ 'database-restore').Source | Should -Match 'Test-FrostBackup -PointInTime'
    }

    It 'to a named restore point: what was committed before it is there, what came after is not' {
        $kept = Add-ProbeRow
        Start-Sleep -Milliseconds 200 # the drill's row before a target is one stamped at least 100 ms before it
        $point = Invoke-FrostBackup -RestorePoint "drill-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $point.Lsn | Should -Match '/'
        Start-Sleep -Milliseconds 200
        $lost = Add-ProbeRow
        Wait-Archived
        $drill = Test-FrostBackup -RestorePoint $point.Name -VerifyTable public.frostguard_pitr_probe -TimestampColumn at
        $drill.Passed | Should -BeTrue
        $drill.RowBefore | Should -Match "^$($kept.Id) @"
        $drill.RowAfter | Should -Match "^$($lost.Id) @"
    }
}

Describe 'Restore-FrostBackup to a point' {
    It '-WhatIf names the base backup, the WAL and what would be lost, and changes nothing' {
        $before = Get-LiveSnapshot
        Restore-FrostBackup -Latest -WhatIf
        Restore-FrostBackup -PointInTime ([DateTimeOffset]::UtcNow.AddSeconds(-2)) -WhatIf -ErrorAction Stop
        Get-LiveSnapshot | Should -Be $before
        Test-Path (Join-Path $env:FROSTGUARD_STATE "operations/$($config.project.name)/point-in-time.json") | Should -BeFalse
        @(Get-ChildItem -Directory (Split-Path $liveData) | Where-Object Name -Like '*.pitr-*') | Should -BeNullOrEmpty
    }

    It 'to a time: the rows after it are gone, those before it stay, the old data folder is kept, archiving goes on from a new slot' {
        $t = New-Target
        $restored = Restore-FrostBackup -PointInTime $t.Time -Confirm:$false
        $restored.BaseBackupId | Should -Be $base.Id
        Test-ProbeRow $t.Before.Id | Should -BeTrue
        Test-ProbeRow $t.After.Id | Should -BeFalse
        Invoke-SandboxSql 'SELECT pg_is_in_recovery()' | Should -Be 'f'
        Test-Path $restored.PreviousDataFolder | Should -BeTrue
        $restored.DataFolder | Should -Be $liveData
        $restored.ArchiveSlotRecreated | Should -BeTrue
        $restored.Downtime.TotalSeconds | Should -BeLessThan 120 -Because 'the writers stop for the swap only, not while the WAL is replayed'
        $restored.RecoveryDuration | Should -BeGreaterThan ([TimeSpan]::Zero)
        Wait-SandboxHealthy
        $archive = Get-FrostWalArchive
        $archive.SlotActive | Should -BeTrue
        $archive.Timelines | Should -Contain $restored.Timeline
        Test-FrostHealth -Check WalArchive | Where-Object Status -EQ 'Critical' | Should -BeNullOrEmpty
    }

    It 'to the latest: a row committed a moment ago comes back (the segment pg_receivewal was writing is replayed)' {
        $row = Add-ProbeRow
        Wait-Archived
        $restored = Restore-FrostBackup -Latest -Confirm:$false
        Test-ProbeRow $row.Id | Should -BeTrue
        Invoke-SandboxSql 'SELECT pg_is_in_recovery()' | Should -Be 'f'
        $restored.Timeline | Should -BeGreaterThan 2 -Because 'each recovery promotes onto a new timeline, following the history of the one before'
        Wait-SandboxHealthy
    }

    It 'to a named restore point, on the timeline the previous restores left' {
        $kept = Add-ProbeRow
        $point = Invoke-FrostBackup -RestorePoint "restore-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $lost = Add-ProbeRow
        Wait-Archived
        Restore-FrostBackup -RestorePoint $point.Name -Confirm:$false | Out-Null
        Test-ProbeRow $kept.Id | Should -BeTrue
        Test-ProbeRow $lost.Id | Should -BeFalse
        Wait-SandboxHealthy
        (Get-FrostWalArchive).SlotActive | Should -BeTrue
    }
}

Describe 'Retention of base backups and WAL' {
    It 'keeps the newest verified base backup and every WAL file from its start; removes the older base backup and the WAL only it needed' {
        $newer = Invoke-FrostBackup -Physical -Label 'newer'
        $high, $low = $newer.StartLsn -split '/'
        $startNumber = [math]::Floor(([Convert]::ToUInt64($high, 16) * 4294967296 + [Convert]::ToUInt64($low, 16)) / 16MB)
        function Get-Number([string] $Name) { [Convert]::ToUInt64($Name.Substring(8, 8), 16) * 256 + [Convert]::ToUInt64($Name.Substring(16, 8), 16) }
        @(Get-FrostWalArchive -Segment | Where-Object { $_.Kind -ne 'History' -and (Get-Number $_.Name) -lt $startNumber }) | Should -Not -BeNullOrEmpty -Because 'the older base backup needed WAL from before the newer one'

        Invoke-FrostBackupRetention -KeepDaily 1 -KeepWeekly 0 -KeepMonthly 0 -Confirm:$false | Out-Null
        @(Get-FrostBackup | Where-Object Type -EQ 'Physical').Id | Should -Be @($newer.Id)
        @(Get-FrostWalArchive -Segment | Where-Object { $_.Kind -ne 'History' -and (Get-Number $_.Name) -lt $startNumber }) | Should -BeNullOrEmpty
        @(Get-FrostWalArchive -Segment | Where-Object Kind -EQ 'History') | Should -Not -BeNullOrEmpty -Because 'history files stay'
        (Get-FrostWalArchive).Gaps | Should -BeNullOrEmpty
        (Test-FrostBackup -Latest).Passed | Should -BeTrue -Because 'what retention keeps still recovers'
    }
}
