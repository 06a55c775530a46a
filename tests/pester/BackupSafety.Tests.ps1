# The invariant of "Safety I", against the live sandbox: a backup is private, and is removed only
# by FrostGuard's own retention rules. Each test writes to folders of its own.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    Wait-SandboxHealthy

    $work = Join-Path ([IO.Path]::GetTempPath()) "frostguard-safety-$([guid]::NewGuid().ToString('N'))"
    New-Item -ItemType Directory -Path $work | Out-Null
    $config = Get-SandboxConfig
    $suffix = [guid]::NewGuid().ToString('N').Substring(0, 6)
    $createdDatabases = [Collections.Generic.List[string]]::new()

    function Invoke-Sql {
        param([Parameter(Mandatory)] [string] $Sql, [string] $Database = $config.database.name)
        $line = Get-Content (Join-Path $config.project.directory '.env') | Where-Object { $_ -like "$($config.database.password.envFileKey)=*" } | Select-Object -First 1
        $env:PGPASSWORD = $line.Substring($line.IndexOf('=') + 1)
        try {
            $out = & psql -X -q -t -A -v ON_ERROR_STOP=1 -h $config.database.host -p $config.database.port -U $config.database.user -d $Database -c $Sql 2>&1
            if ($LASTEXITCODE -ne 0) { throw "psql failed: $out" }
            $out
        }
        finally { Remove-Item Env:PGPASSWORD }
    }

    function New-Database([string] $Name) {
        Invoke-Sql "CREATE DATABASE $Name" | Out-Null
        $createdDatabases.Add($Name)
        $Name
    }

    # Databases a run of this suite that was killed before its AfterAll left (a random suffix each): gone before this run adds its own.
    foreach ($leftover in @(Invoke-Sql "SELECT datname FROM pg_database WHERE datname ~ '^fg_(reports|empty|big)_[0-9a-f]{6}$'")) {
        if ($leftover) { Invoke-Sql "DROP DATABASE IF EXISTS $leftover WITH (FORCE)" | Out-Null }
    }

    function New-TestFolder([string] $Name) {
        $path = Join-Path $work "$Name-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        New-Item -ItemType Directory -Path $path | Out-Null
        $path
    }

    function Get-Mode([string] $Path) { (stat -c '%a' $Path) }

    # Starts a pwsh that writes its own PID (the dotnet tool's launcher is not the process to kill).
    function Start-Pwsh([string] $Script, [string] $PidFile) {
        $file = Join-Path $work "child-$([guid]::NewGuid().ToString('N')).ps1"
        Set-Content $file ("Set-Content -LiteralPath '$PidFile' `$PID`n" + $Script)
        $process = Start-Process -FilePath (Get-PwshPath) -PassThru -ArgumentList @('-NoProfile', '-NonInteractive', '-File', $file)
        # The file exists before its number is written: wait for the number (an empty read is 0, and `kill -9 0` ends this whole run).
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        $childPid = 0
        while (-not ([int]::TryParse((Get-Content -LiteralPath $PidFile -Raw -ErrorAction SilentlyContinue), [ref]$childPid) -and $childPid -gt 1)) {
            if ([DateTime]::UtcNow -gt $deadline) { throw 'the child pwsh did not start' }
            Start-Sleep -Milliseconds 50
        }
        [pscustomobject]@{ Launcher = $process; Pid = $childPid }
    }

    function Stop-Pwsh($Child) {
        if ($Child.Pid -le 1) { throw "refusing to kill process $($Child.Pid)" }
        kill -9 $Child.Pid 2>$null
        Wait-ProcessDead $Child.Pid
        if (-not $Child.Launcher.HasExited) { Stop-Process -Id $Child.Launcher.Id -ErrorAction Ignore }
        $Child.Launcher.WaitForExit()
    }
}

AfterAll {
    foreach ($database in $createdDatabases) { Invoke-Sql "DROP DATABASE IF EXISTS $database WITH (FORCE)" | Out-Null }
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}

Describe 'A backup is private' {
    It 'backups, copies, sealed configuration, directory archives and journals are 0600 in 0700 folders, even under umask 000' {
        $root = Join-Path $work "umask-$suffix/backups"
        $copies = Join-Path $work "umask-$suffix/copies"
        $state = Join-Path $work "umask-$suffix/state"
        $runbook = Join-Path $work "umask-$suffix.md"
        Set-Content $runbook "# Private`n`n``````bash`necho hello`n``````"
        $script = Join-Path $work "umask-$suffix.ps1"
        Set-Content $script @"
`$ErrorActionPreference = 'Stop'
Import-Module '$(Get-ModuleManifestPath)'
`$env:FROSTGUARD_STATE = '$state'
`$passphrase = ConvertTo-SecureString 'correct horse battery staple' -AsPlainText -Force
`$custom = Invoke-FrostBackup -Destination '$root' -Verify -IncludeConfig -Passphrase `$passphrase
`$folder = Invoke-FrostBackup -Destination '$root' -Format Directory -Jobs 2
`$custom, `$folder | Copy-FrostBackup -Destination '$copies' | Out-Null
Invoke-FrostRunbook '$runbook' 6>`$null | Out-Null
"@
        $output = bash -c "umask 000 && exec '$(Get-PwshPath)' -NoProfile -NonInteractive -File '$script'" 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")

        $files = @(Get-ChildItem -Recurse -Force -File $root, $copies, $state)
        $folders = @(Get-ChildItem -Recurse -Force -Directory $root, $copies, $state) + @(Get-Item $root, $copies, $state)
        $files.Count | Should -BeGreaterThan 10
        @($files | Where-Object Name -like '*.config.sealed').Count | Should -Be 2
        @($files | Where-Object FullName -like '*.dir/*').Count | Should -BeGreaterThan 2
        @($files | Where-Object Name -like '*.jsonl').Count | Should -Be 1
        @($files | Where-Object { (Get-Mode $_.FullName) -ne '600' } | ForEach-Object { "$($_.FullName) $(Get-Mode $_.FullName)" }) | Should -BeNullOrEmpty
        @($folders | Where-Object { (Get-Mode $_.FullName) -ne '700' } | ForEach-Object { "$($_.FullName) $(Get-Mode $_.FullName)" }) | Should -BeNullOrEmpty
    }

    It 'Test-FrostSecurity reports a backup root with a file others can read, and passes it once private' {
        $root = New-TestFolder private-check
        $state = New-TestFolder private-state
        chmod 700 $root $state
        $backup = Invoke-FrostBackup -Destination $root
        $variant = New-ConfigVariant -Path (Join-Path $work 'private-check.json') -Change { param($c) $c.backupRoot = $root; $c | Add-Member -Force stateFolder $state }
        $saved = $env:FROSTGUARD_STATE
        Remove-Item Env:FROSTGUARD_STATE
        try {
            chmod 644 $backup.Path
            $finding = Test-FrostSecurity -Check PrivateFiles -ConfigPath $variant | Where-Object Target -eq $root
            $finding.Status | Should -Be 'Critical'
            $finding.Message | Should -Match ([regex]::Escape($backup.Path))
            $finding.Hint | Should -Match 'chmod -R go-rwx'

            chmod 600 $backup.Path
            (Test-FrostSecurity -Check PrivateFiles -ConfigPath $variant | Where-Object Target -eq $root).Status | Should -Be 'Ok'
            chmod 755 $root
            (Test-FrostSecurity -Check PrivateFiles -ConfigPath $variant | Where-Object Target -eq $root).Status | Should -Be 'Warning'
        }
        finally { $env:FROSTGUARD_STATE = $saved }
    }
}

Describe 'No file makes FrostGuard delete a backup, or anything else' {
    It 'a manifest naming a file outside the root is skipped with a warning, and retention leaves that file alone' {
        $root = New-TestFolder hostile
        $victim = Join-Path $work "victim-$suffix"
        Set-Content $victim 'not a backup'
        $real = Invoke-FrostBackup -Destination $root -Verify
        $manifest = Get-Content -Raw $real.ManifestPath | ConvertFrom-Json
        $manifest.id = 'frostguard-20200101T000000Z'
        $manifest.created = '2020-01-01T00:00:00+00:00'
        $manifest.file = "../$(Split-Path -Leaf $victim)"
        $manifest | ConvertTo-Json -Depth 5 | Set-Content (Join-Path $root 'frostguard-20200101T000000Z.manifest.json')

        $listed = Get-FrostBackup -Path $root -WarningVariable warned 3>$null
        $listed.Id | Should -Be @($real.Id)
        ($warned -join "`n") | Should -Match 'frostguard-20200101T000000Z\.manifest\.json.*not a plain file name'
        $null = Invoke-FrostBackupRetention -Path $root -KeepDaily 1 -KeepWeekly 0 -KeepMonthly 0 -Confirm:$false 3>$null
        Get-Content $victim | Should -Be 'not a backup'
        (Get-FrostBackup -Path $root 3>$null).Id | Should -Be @($real.Id)
    }

    It 'retention with -KeepDaily 1 keeps the newest verified backup of each database in one root' {
        $root = New-TestFolder two-databases
        $reports = New-Database "fg_reports_$suffix"
        Invoke-Sql 'CREATE TABLE totals (id int PRIMARY KEY, n int); INSERT INTO totals VALUES (1, 42)' -Database $reports | Out-Null
        $mainOlder = Invoke-FrostBackup -Destination $root -Verify
        $mainNewer = Invoke-FrostBackup -Destination $root -Verify
        $reportsBackup = Invoke-FrostBackup -Destination $root -Database $reports -Verify

        $done = Invoke-FrostBackupRetention -Path $root -KeepDaily 1 -KeepWeekly 0 -KeepMonthly 0 -Confirm:$false
        ($done | Where-Object Action -eq 'Remove').Id | Should -Be @($mainOlder.Id)
        ($done | Where-Object Id -eq $mainNewer.Id).Database | Should -Be $config.database.name
        (Get-FrostBackup -Path $root).Id | Sort-Object | Should -Be (@($mainNewer.Id, $reportsBackup.Id) | Sort-Object)
    }

    It 'retention refuses keep counts that are all zero, and Remove-FrostBackup and retention ask first' {
        { Invoke-FrostBackupRetention -KeepDaily 0 -KeepWeekly 0 -KeepMonthly 0 -Confirm:$false } |
            Should -Throw -ErrorId 'RetentionPolicyInvalid,FrostGuard.InvokeFrostBackupRetentionCommand'
        (Get-Command Invoke-FrostBackupRetention).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact | Should -Be 'High'
        (Get-Command Remove-FrostBackup).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact | Should -Be 'High'
    }
}

Describe 'Backups of an empty database, and restore tests that take the locks' {
    It 'an empty database backs up, verifies and passes a restore test' {
        $root = New-TestFolder empty
        $empty = New-Database "fg_empty_$suffix"
        $backup = Invoke-FrostBackup -Destination $root -Database $empty -Verify
        $backup.Verified | Should -BeTrue
        $backup.RowCounts.Count | Should -Be 0
        $test = $backup | Test-FrostBackup -Restore
        $test.Passed | Should -BeTrue
        $test.ArchiveEntries | Should -Be 0
        $test.RowCountsMatch | Should -BeTrue
        $directory = Invoke-FrostBackup -Destination $root -Database $empty -Format Directory -Verify
        ($directory | Test-FrostBackup).Passed | Should -BeTrue
    }

    It 'Test-FrostBackup waits for no one: a backup running on the folder makes it fail with BackupInProgress' {
        $root = New-TestFolder test-lock
        $backup = Invoke-FrostBackup -Destination $root
        $lock = Join-Path $root '.frostguard-backup.lock'
        $holder = Start-Pwsh "`$s = [IO.File]::Open('$lock', 'OpenOrCreate', 'ReadWrite', 'None'); Set-Content '$lock.held' yes; Start-Sleep 600" (Join-Path $work "lock-holder-$suffix.pid")
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while (-not (Test-Path "$lock.held")) {
                if ([DateTime]::UtcNow -gt $deadline) { throw 'the lock holder never took the lock' }
                Start-Sleep -Milliseconds 50
            }
            $null = $backup | Test-FrostBackup -ErrorVariable busy -ErrorAction SilentlyContinue
            $busy[0].FullyQualifiedErrorId | Should -Be 'BackupInProgress,FrostGuard.TestFrostBackupCommand'
        }
        finally { Stop-Pwsh $holder }
        ($backup | Test-FrostBackup).Passed | Should -BeTrue
    }

    It 'a restore test killed mid-restore leaves a throwaway database that the next restore test drops' {
        $root = New-TestFolder killed-test
        $big = New-Database "fg_big_$suffix"
        Invoke-Sql 'CREATE TABLE ballast AS SELECT g AS id, md5(g::text) || md5((g*7)::text) AS payload FROM generate_series(1, 1500000) g' -Database $big | Out-Null
        $backup = Invoke-FrostBackup -Destination $root -Database $big
        $pidFile = Join-Path $work "killed-test-$suffix.pid"
        $child = Start-Pwsh "Import-Module '$(Get-ModuleManifestPath)'; Get-FrostBackup -Path '$root' | Test-FrostBackup -Restore" $pidFile
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            do {
                Start-Sleep -Milliseconds 50
                $throwaway = Invoke-Sql "SELECT datname FROM pg_database WHERE datname LIKE '${big}\_fgtest\_%'"
                if ([DateTime]::UtcNow -gt $deadline) { throw 'the restore test never created its throwaway database' }
            } until ($throwaway)
        }
        finally { Stop-Pwsh $child }
        Invoke-Sql "SELECT count(*) FROM pg_database WHERE datname = '$throwaway'" | Should -Be '1' -Because 'a killed test cannot drop its database'

        $test = $backup | Test-FrostBackup -Restore -WarningVariable warned 3>$null
        $test.Passed | Should -BeTrue
        ($warned -join "`n") | Should -Match "Dropping the database $throwaway, left by a restore test"
        Invoke-Sql "SELECT count(*) FROM pg_database WHERE datname LIKE '%\_fgtest\_%'" | Should -Be '0'
    }
}
