# The nightly backup job: units and cron files written under a temporary folder (this machine
# runs neither systemd nor cron), read back, and the exact command they would start executed in
# a bare environment, as systemd or cron would, against the sandbox.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    Wait-SandboxHealthy
    $script:work = Join-Path ([IO.Path]::GetTempPath()) "frostguard-schedule-$([guid]::NewGuid().ToString('N'))"
    New-Item -ItemType Directory -Path $work | Out-Null
    # The job runs retention: give it a backup root of its own, so it never prunes the sandbox's.
    $script:backupRoot = Join-Path $work 'backups'
    $script:config = New-ConfigVariant -Path (Join-Path $work 'frostguard.json') -Change {
        param($c)
        if ($c.PSObject.Properties['backupRoot']) { $c.backupRoot = $backupRoot } else { $c | Add-Member backupRoot $backupRoot }
    }
}

AfterAll {
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}

Describe 'Register-FrostBackupSchedule with systemd' {
    BeforeAll {
        $script:units = Join-Path $work 'systemd'
        New-Item -ItemType Directory -Path $units | Out-Null
        $script:metric = Join-Path $work 'textfile dir/frostguard-backup.prom'
        New-Item -ItemType Directory -Path (Split-Path $metric) | Out-Null
    }

    It 'writes nothing with -WhatIf' {
        Register-FrostBackupSchedule -Path $units -ConfigPath $config -WhatIf
        Get-ChildItem -Force $units | Should -BeNullOrEmpty
    }

    It 'writes a service and a daily timer, linked into timers.target, and says systemd is not running here' {
        $schedule = Register-FrostBackupSchedule -At 03:15 -KeepDaily 3 -Label nightly -MetricPath $metric -Path $units -ConfigPath $config -WarningVariable warnings 3>$null
        $schedule.At | Should -Be ([timespan]'03:15')
        $schedule.Enabled | Should -BeTrue
        $schedule.Files | Should -HaveCount 3
        Get-Content (Join-Path $units 'frostguard-backup.timer') | Should -Contain 'OnCalendar=*-*-* 03:15:00'
        (Get-Item (Join-Path $units 'timers.target.wants/frostguard-backup.timer')).LinkTarget | Should -Be '../frostguard-backup.timer'
        $warnings | Should -Match 'systemd is not running'
    }

    It 'passes systemd-analyze verify' -Skip:(-not (Get-Command systemd-analyze -ErrorAction SilentlyContinue)) {
        $out = & systemd-analyze verify (Join-Path $units 'frostguard-backup.service') (Join-Path $units 'frostguard-backup.timer') 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        $out | Where-Object { "$_" -match 'frostguard-backup' } | Should -BeNullOrEmpty
    }

    It 'reads back with Get-FrostBackupSchedule' {
        $schedule = Get-FrostBackupSchedule -Path $units -Scheduler Systemd
        $schedule.KeepDaily | Should -Be 3
        $schedule.Label | Should -Be 'nightly'
        $schedule.ConfigPath | Should -Be $config
        $schedule.Command[0] | Should -Be (Join-Path $PSHOME 'pwsh')
    }

    It 'starts a job that backs up, verifies, applies retention and writes the metric, in a bare environment' {
        $schedule = Get-FrostBackupSchedule -Path $units -Scheduler Systemd
        # systemd starts ExecStart with no shell and almost no environment.
        $output = & env -i @($schedule.Command) 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $backup = Get-FrostBackup -Latest -Path $backupRoot
        $backup.Label | Should -Be 'nightly'
        $backup.Verified | Should -BeTrue
        Get-Content -Raw $metric | Should -Match 'frostguard_health_status\{check="BackupFreshness",target="[^"]+",status="Ok"\} 0'

    }

    It 'exits non-zero, naming the error id, when the backup fails' {
        $broken = New-ConfigVariant -Path (Join-Path $work 'broken.json') -Change { param($c) $c.database.port = 1 }
        $schedule = Get-FrostBackupSchedule -Path $units -Scheduler Systemd
        $argv = @($schedule.Command)
        $argv[[array]::IndexOf($argv, '-ConfigPath') + 1] = $broken
        $output = & env -i @argv 2>&1
        $LASTEXITCODE | Should -Be 1
        ($output -join "`n") | Should -Match 'frostguard-backup failed: \[DatabaseUnreachable'
    }

    It 'is removed by Unregister-FrostBackupSchedule, and a second removal is ScheduleNotFound' {
        Get-FrostBackupSchedule -Path $units -Scheduler Systemd | Unregister-FrostBackupSchedule -WhatIf
        Get-FrostBackupSchedule -Path $units -Scheduler Systemd | Should -Not -BeNullOrEmpty

        Get-FrostBackupSchedule -Path $units -Scheduler Systemd | Unregister-FrostBackupSchedule -Confirm:$false
        Get-FrostBackupSchedule -Path $units | Should -BeNullOrEmpty
        Unregister-FrostBackupSchedule -Path $units -Confirm:$false -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'ScheduleNotFound,*'
    }
}

Describe 'Register-FrostBackupSchedule with cron' {
    BeforeAll {
        $script:cron = Join-Path $work 'cron.d'
        New-Item -ItemType Directory -Path $cron | Out-Null
    }

    It 'writes one cron.d line whose command, run by /bin/sh as cron does, takes a backup' {
        $schedule = Register-FrostBackupSchedule -Scheduler Cron -At 01:05 -Label 'cron 100%' -Path $cron -ConfigPath $config 3>$null
        $line = Get-Content (Join-Path $cron 'frostguard-backup') | Where-Object { $_ -like '5 1 * * * root *' }
        $line | Should -HaveCount 1
        $schedule.Label | Should -Be 'cron 100%'

        # cron: unescape \% (an unescaped % would be a newline), then hand the rest to /bin/sh.
        $command = ($line -replace '^5 1 \* \* \* root ', '') -replace '\\%', '%'
        $output = & env -i /bin/sh -c $command 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        (Get-FrostBackup -Latest -Path $backupRoot).Label | Should -Be 'cron 100%'
    }

    It 'refuses a folder that does not exist with ScheduleWriteFailed' {
        { Register-FrostBackupSchedule -Scheduler Cron -Path (Join-Path $work 'no-such') -ConfigPath $config -ErrorAction Stop } |
            Should -Throw -ErrorId 'ScheduleWriteFailed,FrostGuard.RegisterFrostBackupScheduleCommand'
    }
}
