# "Safety IV": every state-changing command is killed with a real signal at each commit point of
# the crash-point registry (src/FrostGuard.Engine/Platform/Durability/CrashPoints.cs), in a child pwsh
# that stops there (FROSTGUARD_CRASH_AT) and says so (FROSTGUARD_CRASH_REACHED). Then the
# ordinary cmdlets check what an operator relies on: nothing partial is listed, the interrupted
# work is named, the next run finishes or undoes it and says which, the password in .env opens the
# database, the running images are the current release's, and no exec or job container of a dead
# FrostGuard process is left. kill -9 at every point; SIGTERM and SIGHUP at a sample of them.
# The suite has its own backup root and state folder, and leaves the sandbox as it found it.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    Wait-SandboxHealthy

    $work = Join-Path ([IO.Path]::GetTempPath()) "frostguard-crash-$([guid]::NewGuid().ToString('N'))"
    New-Item -ItemType Directory -Path $work | Out-Null
    $root = Join-Path $work 'root'
    $copies = Join-Path $work 'copies'
    $savedConfig = $env:FROSTGUARD_CONFIG
    $savedState = $env:FROSTGUARD_STATE
    $env:FROSTGUARD_CONFIG = New-ConfigVariant -Path (Join-Path $work 'frostguard.json') -Change { param($c) $c.backupRoot = $root }
    $env:FROSTGUARD_STATE = Join-Path $work 'state'
    $config = Get-SandboxConfig
    $envPath = Join-Path $config.project.directory '.env'
    $passphrase = 'the crash consistency passphrase'
    $script:exercised = [Collections.Generic.List[string]]::new()
    $envCopiesBefore = @(Get-ChildItem -Force -Path $config.project.directory -Filter '.env.*' | ForEach-Object FullName)

    function Get-EnvValue([string] $Key) {
        $line = Get-Content $envPath | Where-Object { $_ -like "$Key=*" } | Select-Object -Last 1
        if ($line) { $line.Substring($line.IndexOf('=') + 1) }
    }

    # psql on the host; the password only in this child's environment.
    function Invoke-Sql([string] $Sql) {
        $env:PGPASSWORD = Get-EnvValue $config.database.password.envFileKey
        try {
            $out = & psql -X -q -t -A -v ON_ERROR_STOP=1 -h $config.database.host -p $config.database.port -U $config.database.user -d $config.database.name -c $Sql 2>&1
            if ($LASTEXITCODE -ne 0) { throw "psql failed: $out" }
            $out
        }
        finally { Remove-Item Env:PGPASSWORD }
    }

    function Get-Migration { @(Invoke-Sql 'SELECT version FROM schema_migrations ORDER BY 1' | ForEach-Object { [int]$_ }) }

    if ((Get-EnvValue BACKEND_TAG) -ne 'current' -or (Get-Migration) -contains 2) {
        throw "The sandbox must start at backend 'current' without migration 2 (BACKEND_TAG=$(Get-EnvValue BACKEND_TAG))."
    }

    # Runs $Script in a child pwsh that stops at $Point, then sends it $Signal and waits for its end.
    function Invoke-Crash {
        param([Parameter(Mandatory)] [string] $Point, [Parameter(Mandatory)] [string] $Script, [ValidateSet('KILL', 'TERM', 'HUP')] [string] $Signal = 'KILL')
        $run = "$Point-$([guid]::NewGuid().ToString('N'))"
        $reached = Join-Path $work "$run.reached"
        $file = Join-Path $work "$run.ps1"
        Set-Content -Path $file -Value @"
`$ErrorActionPreference = 'Stop'
Import-Module '$(Get-ModuleManifestPath)'
`$passphrase = ConvertTo-SecureString '$passphrase' -AsPlainText -Force
$Script
"@
        $start = [Diagnostics.ProcessStartInfo]::new((Get-PwshPath))
        foreach ($argument in '-NoProfile', '-NonInteractive', '-File', $file) { $start.ArgumentList.Add($argument) }
        $start.UseShellExecute = $false
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $start.Environment['FROSTGUARD_CRASH_AT'] = $Point
        $start.Environment['FROSTGUARD_CRASH_REACHED'] = $reached
        $child = [Diagnostics.Process]::Start($start)
        $output = $child.StandardOutput.ReadToEndAsync()
        $errors = $child.StandardError.ReadToEndAsync()
        $deadline = [DateTime]::UtcNow.AddSeconds(180)
        while (-not (Test-Path $reached)) {
            if ($child.WaitForExit(50)) {
                throw "The command ended (exit $($child.ExitCode)) before it reached $Point`n$($output.Result)`n$($errors.Result)"
            }
            if ([DateTime]::UtcNow -gt $deadline) {
                $child.Kill($true)
                throw "The command did not reach $Point within 180 s`n$($output.Result)"
            }
        }
        $name, $reportedPid = (Get-Content -Raw $reached).Trim() -split ' '
        $name | Should -Be $Point
        # pwsh installed as a dotnet tool is a launcher whose child runs PowerShell: signal the process that stopped.
        $parent = ((Get-Content -Raw "/proc/$reportedPid/stat") -replace '^.*\) ', '' -split ' ')[1]
        @([int]$reportedPid, [int]$parent) | Should -Contain $child.Id -Because 'the stopped process is the child pwsh'
        & kill -s $Signal $reportedPid
        if (-not $child.WaitForExit(30000)) { $child.Kill($true); throw "$Point : the command outlived SIG$Signal by 30 s" }
        $script:exercised.Add($Point)
        [pscustomobject]@{ Point = $Point; Signal = $Signal; ExitCode = $child.ExitCode; Output = $output.Result + $errors.Result }
    }

    # Where the operation record of this deployment's interrupted <operation> lies.
    function Get-RecordPath([string] $Operation) { Join-Path $env:FROSTGUARD_STATE "operations/$($config.project.name)/$Operation.json" }

    # Processes started in containers for a FrostGuard process that is gone; job containers likewise.
    function Get-OrphanedWork {
        $orphans = foreach ($entry in Get-ChildItem /proc -Directory | Where-Object Name -Match '^\d+$') {
            $environment = try { [IO.File]::ReadAllText("$($entry.FullName)/environ") } catch { '' }
            if ($environment -match 'FROSTGUARD_OWNER=([^\x00]+)') {
                $boot, $ownerPid, $started = $Matches[1] -split '/'
                $alive = (Test-Path "/proc/$ownerPid/stat") -and ((Get-Content -Raw "/proc/$ownerPid/stat") -replace '^.*\) ', '' -split ' ')[19] -eq $started
                if (-not $alive) { "process $($entry.Name): $((Get-Content -Raw "$($entry.FullName)/cmdline" -ErrorAction SilentlyContinue) -replace "`0", ' ')" }
            }
        }
        @($orphans) + @(docker ps -a --filter 'label=frostguard.owner' --format 'container {{.Names}}')
    }

    # What must hold once the next command has run: services up, the current release running,
    # the .env's password opening the database, nothing of a dead process running.
    function Assert-Invariant {
        param([string] $Because)
        Wait-SandboxHealthy -TimeoutSeconds 90
        (Get-FrostDatabase -WarningAction SilentlyContinue).Database | Should -Be $config.database.name -Because "the password in .env opens the database ($Because)"
        $current = Get-FrostRelease | Where-Object IsCurrent
        foreach ($service in @($current | ForEach-Object Services)) {
            (Get-FrostService -Name $service.Service | Select-Object -First 1).Image | Should -Be $service.Image -Because "the current release runs ($Because)"
        }
        Get-OrphanedWork | Should -BeNullOrEmpty -Because "nothing of a dead FrostGuard process runs ($Because)"
        docker exec (Get-SandboxContainer postgres) sh -c 'ls /tmp/frostguard-dump-* /tmp/frostguard-pgpass.* 2>/dev/null; true' |
            Should -BeNullOrEmpty -Because "no FIFO or password file of a dead backup is left in the database container ($Because)"
        foreach ($folder in $root, $copies) {
            foreach ($backup in @(Get-FrostBackup -Path $folder -WarningAction SilentlyContinue)) {
                Test-Path $backup.Path | Should -BeTrue -Because "a listed backup has its files ($Because)"
            }
        }
    }

    # What a command's run warned: what it said it finished or undid. Its errors are not the point here.
    function Get-Warning([scriptblock] $Command) {
        & $Command 3>&1 2>$null | Where-Object { $_ -is [Management.Automation.WarningRecord] } | ForEach-Object Message
    }
}

AfterAll {
    try {
        if ((Get-EnvValue BACKEND_TAG) -ne 'current' -or (Get-Migration) -contains 2) {
            $target = (Get-FrostRelease | Where-Object { $_.Tags['BACKEND_TAG'] -eq 'current' -and $_.Status -eq 'Deployed' } | Select-Object -Last 1).Id
            try { Undo-FrostDeployment -To $target -RestoreDatabase:((Get-Migration) -contains 2) -Confirm:$false -WarningAction SilentlyContinue | Out-Null }
            finally { if ((Get-Migration) -contains 2) { Reset-SandboxSchema } }
        }
        Wait-SandboxHealthy
    }
    finally {
        # The suites after this one must not inherit its state folder, whatever happened above.
        Get-ChildItem -Force -Path $config.project.directory -Filter '.env.*' | Where-Object FullName -NotIn $envCopiesBefore | Remove-Item -Force
        $env:FROSTGUARD_CONFIG = $savedConfig
        $env:FROSTGUARD_STATE = $savedState
        Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
    }
}

Describe 'A backup, copy, removal or retention run killed at a commit point' {
    It 'backup.dumping: lists nothing, names the intent; the next command ends pg_dump and the next backup removes the partial file' {
        Invoke-Crash backup.dumping 'Invoke-FrostBackup' | Out-Null
        @(Get-FrostBackup -WarningVariable named -WarningAction SilentlyContinue) | Should -HaveCount 0
        "$named" | Should -Match 'was interrupted'
        $warned = Get-Warning { Invoke-FrostBackup }
        ($warned -join "`n") | Should -Match 'undone'
        @(Get-FrostBackup) | Should -HaveCount 1
        Get-ChildItem $root -Filter '*.partial' | Should -BeNullOrEmpty
        Assert-Invariant 'backup.dumping'
    }

    It 'job.container-created: the next command removes the job container no process waits on, and says so' {
        Invoke-Crash job.container-created 'Invoke-FrostBackup -Format Directory' | Out-Null
        @(docker ps -a --filter 'label=frostguard.owner' --format '{{.Names}}') | Should -HaveCount 1
        $warned = Get-Warning { Invoke-FrostBackup -Format Directory }
        ($warned -join "`n") | Should -Match 'job container'
        Assert-Invariant 'job.container-created'
    }

    It 'backup.dumped (SIGTERM): lists nothing; the next backup removes the partial file and says so' {
        Invoke-Crash backup.dumped 'Invoke-FrostBackup' -Signal TERM | Out-Null
        $before = @(Get-FrostBackup).Count
        Get-ChildItem $root -Filter '*.partial' | Should -Not -BeNullOrEmpty
        $warned = Get-Warning { Invoke-FrostBackup }
        ($warned -join "`n") | Should -Match '\.partial'
        @(Get-FrostBackup).Count | Should -Be ($before + 1)
        Assert-Invariant 'backup.dumped'
    }

    It 'backup.files-placed: the archive without a manifest is not listed, is named, and the next backup removes it (undone)' {
        Invoke-Crash backup.files-placed 'Invoke-FrostBackup -IncludeConfig -Passphrase $passphrase' | Out-Null
        $before = @(Get-FrostBackup -WarningVariable named -WarningAction SilentlyContinue)
        "$named" | Should -Match 'create of backup .* was interrupted'
        $orphan = Get-ChildItem $root -Filter '*.dump*' | Where-Object { -not (Test-Path (Join-Path $root ($_.Name -replace '\.dump(\.zst)?$', '.manifest.json'))) }
        $orphan | Should -Not -BeNullOrEmpty
        $warned = Get-Warning { Invoke-FrostBackup }
        ($warned -join "`n") | Should -Match 'never was a backup; its files are removed \(undone\)'
        # The next backup may take the same id within the same second: what counts is that no archive is left without its manifest.
        Get-ChildItem $root -Filter '*.dump*' | Where-Object { -not (Test-Path (Join-Path $root ($_.Name -replace '\.dump(\.zst)?$', '.manifest.json'))) } |
            Should -BeNullOrEmpty
        Get-ChildItem $root -Filter '*.config.sealed' | Should -BeNullOrEmpty
        @(Get-FrostBackup).Count | Should -Be ($before.Count + 1)
        Assert-Invariant 'backup.files-placed'
    }

    It 'base-backup.copied: a base backup killed after pg_basebackup lists nothing; the next backup removes its folder and says so' {
        $before = @(Get-FrostBackup)
        Invoke-Crash base-backup.copied 'Invoke-FrostBackup -Physical' | Out-Null
        @(Get-FrostBackup -WarningVariable named -WarningAction SilentlyContinue) | Should -HaveCount $before.Count
        "$named" | Should -Match 'was interrupted'
        @(Get-ChildItem -Directory $root -Filter '*-base-*.partial') | Should -HaveCount 1
        $warned = Get-Warning { Invoke-FrostBackup }
        ($warned -join "`n") | Should -Match 'Removing the folder .*-base-.*\.partial'
        Get-ChildItem $root -Filter '*.partial' | Should -BeNullOrEmpty
        Get-ChildItem $root -Filter '*.base.tar.zst' | Should -BeNullOrEmpty
        Assert-Invariant 'base-backup.copied'
    }

    It 'backup.committed (SIGHUP): the backup is listed and complete; the next backup says it was finished' {
        Invoke-Crash backup.committed 'Invoke-FrostBackup -Label committed' -Signal HUP | Out-Null
        $committed = Get-FrostBackup | Where-Object Label -EQ 'committed'
        $committed | Should -HaveCount 1
        $committed | Test-FrostBackup -ErrorAction Stop | Out-Null
        $warned = Get-Warning { Invoke-FrostBackup }
        ($warned -join "`n") | Should -Match 'is complete \(finished\)'
        Assert-Invariant 'backup.committed'
    }

    It 'copy.files-placed and copy.committed: the unlisted copy is removed, the listed one kept, each said' {
        $sources = @(Get-FrostBackup | Where-Object Format -EQ 'Custom' | Select-Object -First 2)
        Invoke-Crash copy.files-placed "Get-FrostBackup -Id '$($sources[0].Id)' | Copy-FrostBackup -Destination '$copies'" | Out-Null
        @(Get-FrostBackup -Path $copies -WarningAction SilentlyContinue) | Should -HaveCount 0
        $warned = Get-Warning { $sources[1] | Copy-FrostBackup -Destination $copies }
        ($warned -join "`n") | Should -Match '\(undone\)'
        @(Get-FrostBackup -Path $copies).Id | Should -Be @($sources[1].Id)

        Invoke-Crash copy.committed "Get-FrostBackup -Id '$($sources[0].Id)' | Copy-FrostBackup -Destination '$copies'" | Out-Null
        $warned = Get-Warning { Get-FrostBackup -Path $copies -Id $sources[1].Id | Remove-FrostBackup -Confirm:$false }
        ($warned -join "`n") | Should -Match 'is complete \(finished\)'
        @(Get-FrostBackup -Path $copies).Id | Should -Be @($sources[0].Id)
        Get-FrostBackup -Path $copies -Id $sources[0].Id | Test-FrostBackup -ErrorAction Stop | Out-Null
        Assert-Invariant 'copy'
    }

    It 'remove.manifest-removed: the backup is no longer listed; the next removal removes its archive (finished)' {
        $victim = Invoke-FrostBackup -Destination $copies
        Invoke-Crash remove.manifest-removed "Get-FrostBackup -Path '$copies' -Id '$($victim.Id)' | Remove-FrostBackup -Confirm:`$false" | Out-Null
        (Get-FrostBackup -Path $copies -WarningAction SilentlyContinue).Id | Should -Not -Contain $victim.Id
        Test-Path $victim.Path | Should -BeTrue
        $warned = Get-Warning { Get-FrostBackup -Path $copies | Remove-FrostBackup -Confirm:$false }
        ($warned -join "`n") | Should -Match 'removed now \(finished\)'
        Test-Path $victim.Path | Should -BeFalse
        Assert-Invariant 'remove'
    }

    It 'retention.one-removed: one expired backup is gone, the rest listed; the next run removes the rest' {
        $before = @(Get-FrostBackup)
        $before.Count | Should -BeGreaterThan 2
        Invoke-Crash retention.one-removed 'Invoke-FrostBackupRetention -KeepDaily 1 -KeepWeekly 0 -KeepMonthly 0 -Confirm:$false' | Out-Null
        @(Get-FrostBackup).Count | Should -Be ($before.Count - 1)
        Invoke-FrostBackupRetention -KeepDaily 1 -KeepWeekly 0 -KeepMonthly 0 -Confirm:$false -WarningAction SilentlyContinue | Out-Null
        @(Get-FrostBackup) | Should -HaveCount 1
        Assert-Invariant 'retention'
    }
}

Describe 'A secret rotation killed at a commit point' {
    It '<Point> (SIG<Signal>): the next command <Outcome> the rotation, and the password in .env opens the database' -ForEach @(
        @{ Point = 'rotation.pending-written'; Signal = 'KILL'; Outcome = 'undoes'; Said = 'Undone: the database still had the old password' }
        @{ Point = 'rotation.role-altered'; Signal = 'HUP'; Outcome = 'finishes'; Said = 'Finished: the database had the new password' }
        @{ Point = 'rotation.env-written'; Signal = 'KILL'; Outcome = 'finishes'; Said = 'Finished: the database had the new password' }
    ) {
        $old = Get-EnvValue $config.database.password.envFileKey
        Invoke-Crash $Point 'Update-FrostSecret -Name DatabasePassword -Confirm:$false' -Signal $Signal | Out-Null
        Test-Path (Get-RecordPath rotation) | Should -BeTrue
        $warned = Get-Warning { Get-FrostDatabase }
        ($warned -join "`n") | Should -Match ([regex]::Escape($Said))
        if ($Outcome -eq 'undoes') { Get-EnvValue $config.database.password.envFileKey | Should -Be $old }
        else { Get-EnvValue $config.database.password.envFileKey | Should -Not -Be $old }
        (Get-Item -Force $envPath).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite')
        Test-Path (Get-RecordPath rotation) | Should -BeFalse
        Assert-Invariant $Point
    }
}

Describe 'A restore killed at a commit point' {
    BeforeAll {
        $script:source = Invoke-FrostBackup -Label 'restore source'
    }

    It '<Point> (SIG<Signal>): the writers stay stopped with a record that says so; the next restore <Outcome> it' -ForEach @(
        @{ Point = 'restore.writers-stopped'; Signal = 'KILL'; Outcome = 'undoes'; Said = 'Undone: the database had not been changed'; Skip = $false }
        @{ Point = 'restore.safety-taken'; Signal = 'TERM'; Outcome = 'undoes'; Said = 'Undone: the database had not been changed'; Skip = $false }
        @{ Point = 'restore.database-changing'; Signal = 'KILL'; Outcome = 'undoes'; Said = 'Undone: the database was put back from the safety backup'; Skip = $false }
        @{ Point = 'restore.database-changing'; Signal = 'KILL'; Outcome = 'finishes'; Said = 'Finished: there was no safety backup'; Skip = $true }
        @{ Point = 'restore.restored'; Signal = 'KILL'; Outcome = 'finishes'; Said = 'Finished: the database held'; Skip = $false }
    ) {
        $skip = if ($Skip) { ' -SkipSafetyBackup' } else { '' }
        Invoke-Crash $Point "Get-FrostBackup -Id '$($source.Id)' | Restore-FrostBackup$skip -Confirm:`$false" -Signal $Signal | Out-Null
        Test-Path (Get-RecordPath restore) | Should -BeTrue
        (Get-FrostService -Name worker -WarningVariable named -WarningAction SilentlyContinue).State | Should -Not -Be 'running'
        "$named" | Should -Match "Restore-FrostBackup.*was interrupted at $([regex]::Escape($Point))"
        $warned = Get-Warning { Get-FrostBackup -Id $source.Id | Restore-FrostBackup -Confirm:$false }
        ($warned -join "`n") | Should -Match ([regex]::Escape($Said))
        Test-Path (Get-RecordPath restore) | Should -BeFalse
        Assert-Invariant $Point
    }
}

Describe 'An update or an undo killed at a commit point' {
    It 'a failure FrostGuard did not foresee (not its own error), once the .env changed, rolls the update back' {
        $env:FROSTGUARD_FAIL_AT = 'update.env-written'
        try {
            $result = Update-FrostDeployment -Version next -Service backend -SkipBackup -Confirm:$false -ErrorVariable failed -ErrorAction SilentlyContinue -WarningVariable warned -WarningAction SilentlyContinue
        }
        finally { Remove-Item Env:FROSTGUARD_FAIL_AT }
        "$failed $warned $($result | Out-String)" | Should -Match 'A fault injected at update.env-written'
        Get-EnvValue BACKEND_TAG | Should -Be 'current'
        Test-Path (Get-RecordPath update) | Should -BeFalse
        Assert-Invariant 'a fault at update.env-written'
    }

    It '<Point>: the release before runs again and is current; the next update says it undid the interrupted one' -ForEach @(
        @{ Point = 'update.release-recorded'; Said = 'was applied again' }
        @{ Point = 'update.env-written'; Said = 'was applied again' }
        @{ Point = 'update.applied'; Said = 'was applied again' }
    ) {
        Invoke-Crash $Point 'Update-FrostDeployment -Version next -Service backend -Confirm:$false' | Out-Null
        Test-Path (Get-RecordPath update) | Should -BeTrue
        (Get-FrostService -Name backend -WarningVariable named -WarningAction SilentlyContinue) | Out-Null
        "$named" | Should -Match "Update-FrostDeployment.*was interrupted at $([regex]::Escape($Point))"
        $warned = Get-Warning { Update-FrostDeployment -Version does-not-exist -Service backend -SkipBackup -Confirm:$false -ErrorAction SilentlyContinue }
        ($warned -join "`n") | Should -Match ([regex]::Escape($Said))
        Get-EnvValue BACKEND_TAG | Should -Be 'current'
        Test-Path (Get-RecordPath update) | Should -BeFalse
        Assert-Invariant $Point
    }

    It '<Point>: one healthy slot serves, the one before; no request fails; the next update says what it found and undoes the rest' -ForEach @(
        @{ Point = 'update.slot-started' }
        @{ Point = 'switch.upstream-written' }
        @{ Point = 'update.switched' }
    ) {
        $serving = Get-ServedSlot
        $poller = Start-ProxyPoller
        try {
            Invoke-Crash $Point 'Update-FrostDeployment -Version next -Service backend -SkipBackup -Confirm:$false' | Out-Null
            Test-Path (Get-RecordPath update) | Should -BeTrue
            $warned = Get-Warning { Update-FrostDeployment -Version does-not-exist -Service backend -SkipBackup -Confirm:$false -ErrorAction SilentlyContinue }
        }
        finally { $seen = Stop-ProxyPoller $poller }
        ($warned -join "`n") | Should -Match "Found: the .env names slot $serving"
        ($warned -join "`n") | Should -Match 'Undone: release .* was applied again'
        $seen.Failed | Should -BeNullOrEmpty -Because "no request may fail across the kill and the repair ($($seen.Sent) sent)"
        $seen.Sent | Should -BeGreaterThan 30 -Because 'the client asked all along'
        Get-ServedSlot | Should -Be $serving
        (Get-FrostService -Name backend).Slot | Should -Be $serving
        @(Get-FrostService -IncludeIdleSlot | Where-Object { $_.Service -eq 'backend' -and $_.IsRunning }) | Should -HaveCount 1 -Because 'exactly one slot runs'
        Get-Content -Raw (Join-Path $config.update.proxy.upstreamFolder 'backend.conf') | Should -Match "default `"$serving`""
        Get-EnvValue BACKEND_TAG | Should -Be 'current'
        Test-Path (Get-RecordPath update) | Should -BeFalse
        Assert-Invariant $Point
    }

    It 'undo.tables-dropped, then undo.release-applied: the next undo restores the release''s database and records it current' {
        # update.applied left migration 2 in the database (the release before runs on it); the undo takes it back.
        # The release recorded with the newest backup: the one update.applied left (the updates after it skipped
        # their backup, and one of them may have recorded what it found as a release of its own).
        $target = (Get-FrostRelease | Where-Object { $_.BackupId -and $_.Tags['BACKEND_TAG'] -eq 'current' } | Select-Object -First 1).Id
        $target | Should -Not -BeNullOrEmpty -Because 'the updates at update.release-recorded, env-written and applied each took a backup'
        Invoke-Sql "SELECT to_regclass('public.maintenance_windows') IS NOT NULL" | Should -Be 't'

        # First a failure FrostGuard did not foresee, right after the drops: the safety backup goes back in.
        $env:FROSTGUARD_FAIL_AT = 'undo.tables-dropped'
        try {
            Undo-FrostDeployment -To $target -RestoreDatabase -Confirm:$false -ErrorVariable failed -ErrorAction SilentlyContinue -WarningVariable warned -WarningAction SilentlyContinue | Out-Null
        }
        finally { Remove-Item Env:FROSTGUARD_FAIL_AT }
        "$failed" | Should -Match 'A fault injected at undo.tables-dropped'
        "$warned" | Should -Match 'restoring the safety backup'
        Invoke-Sql "SELECT to_regclass('public.maintenance_windows') IS NOT NULL" | Should -Be 't' -Because 'the table the undo dropped is back from the safety backup'
        # The failed undo left the release record and what runs apart: it is named at once, and the next undo finishes it.
        $null = Get-FrostRelease -WarningVariable named -WarningAction SilentlyContinue
        "$named" | Should -Match 'Undo-FrostDeployment .* failed at undo.release-applied'
        $warned = Get-Warning { Undo-FrostDeployment -To 'no-such-release' -Confirm:$false -ErrorAction SilentlyContinue }
        ($warned -join "`n") | Should -Match 'Finished: release .* applied, its database restored from'
        Get-Migration | Should -Not -Contain 2

        Invoke-Crash undo.tables-dropped "Undo-FrostDeployment -To '$target' -RestoreDatabase -Confirm:`$false" | Out-Null
        $warned = Get-Warning { Undo-FrostDeployment -To 'no-such-release' -Confirm:$false -ErrorAction SilentlyContinue }
        ($warned -join "`n") | Should -Match 'Finished: release .* applied, its database restored from'
        Get-Migration | Should -Not -Contain 2

        Invoke-Crash undo.release-applied "Undo-FrostDeployment -To '$target' -Confirm:`$false" -Signal TERM | Out-Null
        $warned = Get-Warning { Undo-FrostDeployment -To 'no-such-release' -Confirm:$false -ErrorAction SilentlyContinue }
        ($warned -join "`n") | Should -Match 'Finished: release .* applied and recorded current'
        Get-EnvValue BACKEND_TAG | Should -Be 'current'
        Assert-Invariant 'undo'
    }
}

Describe 'A recovery killed at a commit point' {
    It '<Point>: nothing runs from the target; the next recovery removes what the interrupted one made' -ForEach @(
        @{ Point = 'recovery.staged' }
        @{ Point = 'recovery.moved' }
    ) {
        if (-not $script:sealed) { $script:sealed = Invoke-FrostBackup -IncludeConfig -Passphrase (ConvertTo-SecureString $passphrase -AsPlainText -Force) }
        $target = Join-Path $work "drill-$Point"
        Invoke-Crash $Point "Get-FrostBackup -Id '$($sealed.Id)' | Restore-FrostDeployment -Drill -Path '$target' -Passphrase `$passphrase -Confirm:`$false" | Out-Null
        @(Get-ChildItem -Force $work -Filter ".drill-$Point.restoring-*") + @(Get-Item -Force $target -ErrorAction SilentlyContinue) | Should -Not -BeNullOrEmpty
        $warned = Get-Warning { Get-FrostBackup -Id $sealed.Id | Restore-FrostDeployment -Drill -Path (Join-Path $work 'no-such-parent/x') -Passphrase (ConvertTo-SecureString 'wrong passphrase, long enough' -AsPlainText -Force) -Confirm:$false -ErrorAction SilentlyContinue }
        ($warned -join "`n") | Should -Match 'Undone: removed'
        Get-ChildItem -Force $work -Filter ".drill-$Point.restoring-*" | Should -BeNullOrEmpty
        Test-Path $target | Should -BeFalse
        Test-Path "$target.frostguard" | Should -BeFalse
        Assert-Invariant $Point
    }
}

Describe 'A recovery to a point killed at a commit point' {
    BeforeAll {
        Enable-FrostWalArchive -Confirm:$false | Out-Null
        Invoke-FrostBackup -Physical -Label 'crash suite' | Out-Null
        $script:liveData = (Get-Content $envPath | Where-Object { $_ -like 'PG_DATA=*' }) -replace '^PG_DATA=', ''
        $script:dataFolders = @(Get-ChildItem -Directory (Split-Path $liveData) | ForEach-Object FullName)
        function Get-ExtraFolder([string] $Like) { @(Get-ChildItem -Directory (Split-Path $liveData) | Where-Object { $_.FullName -notin $script:dataFolders -and $_.Name -like $Like }) }
    }

    AfterAll {
        try { Disable-FrostWalArchive -Confirm:$false -ErrorAction Continue | Out-Null }
        finally {
            Invoke-Sql 'ALTER SYSTEM RESET max_slot_wal_keep_size' | Out-Null
            Invoke-Sql 'SELECT pg_reload_conf()' | Out-Null
            Get-ChildItem -Directory (Split-Path $liveData) | Where-Object { $_.FullName -notin $script:dataFolders -and $_.Name -like '*.*pitr-*' } | Remove-Item -Recurse -Force
        }
    }

    It '<Point> (<Signal>): the live data folder is untouched; the next Restore-FrostBackup removes the recovered folder, starts what was stopped, and says it undid it' -ForEach @(
        @{ Point = 'pitr.replaying'; Signal = 'KILL' }
        @{ Point = 'pitr.writers-stopped'; Signal = 'KILL' }
    ) {
        $inode = stat -c %i $liveData
        Invoke-Crash $Point 'Restore-FrostBackup -Latest -Confirm:$false' -Signal $Signal | Out-Null
        Test-Path (Get-RecordPath point-in-time) | Should -BeTrue
        Test-Path $liveData | Should -BeTrue
        Get-ExtraFolder '*.pitr-*' | Should -HaveCount 1
        $warned = Get-Warning { Restore-FrostBackup -RestorePoint 'no-such-point' -Confirm:$false -ErrorAction SilentlyContinue }
        ($warned -join "`n") | Should -Match "was interrupted at $([regex]::Escape($Point)).*never touched.*\(undone\)"
        Get-ExtraFolder '*.pitr-*' | Should -BeNullOrEmpty
        Get-ExtraFolder '*.before-pitr-*' | Should -BeNullOrEmpty
        docker ps -a --filter 'label=frostguard.recovery' --format '{{.Names}}' | Should -BeNullOrEmpty
        Test-Path (Get-RecordPath point-in-time) | Should -BeFalse
        Invoke-Sql 'SELECT pg_is_in_recovery()' | Should -Be 'f'
        stat -c %i $liveData | Should -Be $inode -Because 'the live data folder is the one it was, never replaced'
        Assert-Invariant $Point
    }

    It '<Point> (<Signal>): the recovered folder is complete; the next Restore-FrostBackup puts it in place, starts everything and says it finished' -ForEach @(
        @{ Point = 'pitr.swapping'; Signal = 'KILL' }
        @{ Point = 'pitr.swapped'; Signal = 'TERM' }
    ) {
        $inode = stat -c %i $liveData
        Invoke-Crash $Point 'Restore-FrostBackup -Latest -Confirm:$false' -Signal $Signal | Out-Null
        Test-Path (Get-RecordPath point-in-time) | Should -BeTrue
        $previous = @(Get-ExtraFolder '*.before-pitr-*' | Where-Object { (stat -c %i $_.FullName) -eq $inode })
        $previous | Should -HaveCount 1 -Because 'the live folder as it was is kept, renamed'
        $recovered = @(Get-ExtraFolder '*.pitr-*' | Where-Object Name -NotLike '*.before-pitr-*')
        $recoveredInode = if ($recovered) { stat -c %i $recovered[0].FullName } else { stat -c %i $liveData }
        $warned = Get-Warning { Restore-FrostBackup -RestorePoint 'no-such-point' -Confirm:$false -ErrorAction SilentlyContinue }
        ($warned -join "`n") | Should -Match "was interrupted at $([regex]::Escape($Point)).*\(finished\)"
        stat -c %i $liveData | Should -Be $recoveredInode -Because 'the recovered folder is the live one now'
        Get-ExtraFolder '*.pitr-*' | Where-Object Name -NotLike '*.before-pitr-*' | Should -BeNullOrEmpty
        Test-Path (Get-RecordPath point-in-time) | Should -BeFalse
        Invoke-Sql 'SELECT pg_is_in_recovery()' | Should -Be 'f'
        (Get-FrostWalArchive).SlotActive | Should -BeTrue -Because 'the archive''s slot is created again once the recovered folder runs'
        Assert-Invariant $Point
    }
}

Describe 'The crash points' {
    It 'are every one exercised by this suite' {
        $source = Get-Content -Raw (Join-Path (Get-RepoRoot) 'src/FrostGuard.Engine/Platform/Durability/CrashPoints.cs')
        $registry = [regex]::Matches($source, 'new\("([a-z-]+\.[a-z-]+)"') | ForEach-Object { $_.Groups[1].Value }
        $registry.Count | Should -BeGreaterThan 20
        $registry | Where-Object { $_ -notin $script:exercised } | Should -BeNullOrEmpty -Because 'a point no test kills a command at proves nothing'
    }
}
