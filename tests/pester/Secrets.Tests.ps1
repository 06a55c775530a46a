# Secret rotation against the live sandbox: the real role, the real .env, the real backend
# restarted, and a real fault (a health URL nothing answers) for the rollback. Every test leaves
# the sandbox healthy with a password that works (read from its .env, as the other suites do).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    Wait-SandboxHealthy

    $config = Get-SandboxConfig
    $envPath = Join-Path $config.project.directory '.env'
    $key = $config.database.password.envFileKey
    $copiesBefore = @(Get-ChildItem -Force -Path $config.project.directory -Filter '.env.*' | ForEach-Object FullName)
    $work = Join-Path ([IO.Path]::GetTempPath()) "frostguard-secrets-$([guid]::NewGuid().ToString('N'))"
    New-Item -ItemType Directory -Path $work | Out-Null

    function Get-SandboxPassword {
        $line = Get-Content $envPath | Where-Object { $_ -like "$key=*" } | Select-Object -First 1
        $line.Substring($line.IndexOf('=') + 1)
    }

    # psql on the host; the password travels in this child's environment only, never its arguments.
    function Invoke-Sql {
        param([Parameter(Mandatory)] [string] $Sql, [string] $Password = (Get-SandboxPassword))
        $env:PGPASSWORD = $Password
        try {
            $out = & psql -X -q -t -A -v ON_ERROR_STOP=1 -h $config.database.host -p $config.database.port -U $config.database.user -d $config.database.name -c $Sql 2>&1
            if ($LASTEXITCODE -ne 0) { throw "psql failed: $out" }
            $out
        }
        finally { Remove-Item Env:PGPASSWORD }
    }

    function Test-Login {
        param([Parameter(Mandatory)] [string] $Password)
        try { (Invoke-Sql -Sql 'SELECT 1' -Password $Password) -eq '1' } catch { $false }
    }

    function Get-FileStat {
        param([string] $Path)
        (& stat -c '%a %u %g' $Path)
    }

    function New-TestValue { 'Fg-' + [guid]::NewGuid().ToString('N') + '-' + [guid]::NewGuid().ToString('N').Substring(0, 8) }

    function ConvertTo-Secure { param([string] $Value) ConvertTo-SecureString -String $Value -AsPlainText -Force }

    function Get-BackendStart { (Get-FrostService -Name backend | Select-Object -First 1).StartedAt }

    # Every distinct command line seen on this host while a script block runs (a sampler in another
    # runspace of this process reads /proc/*/cmdline in a loop until told to stop).
    function Watch-CommandLine {
        param([Parameter(Mandatory)] [scriptblock] $While)
        $seen = [System.Collections.Concurrent.ConcurrentDictionary[string, byte]]::new()
        $stop = [System.Threading.ManualResetEventSlim]::new($false)
        $rounds = [ref]0
        $sampler = [powershell]::Create()
        $null = $sampler.AddScript({
                param($seen, $stop, $rounds)
                while (-not $stop.IsSet) {
                    foreach ($file in [IO.Directory]::GetFiles('/proc', 'cmdline', [IO.SearchOption]::TopDirectoryOnly) + [IO.Directory]::GetDirectories('/proc')) {
                        $path = if ($file.EndsWith('cmdline')) { $file } else { "$file/cmdline" }
                        try { $text = [IO.File]::ReadAllText($path) } catch { continue }
                        if ($text) { $null = $seen.TryAdd($text.Replace([char]0, ' '), 0) }
                    }
                    $rounds.Value++
                }
            }).AddArgument($seen).AddArgument($stop).AddArgument($rounds)
        $handle = $sampler.BeginInvoke()
        try { $result = & $While }
        finally {
            $stop.Set()
            $null = $sampler.EndInvoke($handle)
            $sampler.Dispose()
        }
        [pscustomobject]@{ Result = $result; CommandLines = @($seen.Keys); Rounds = $rounds.Value }
    }
}

AfterAll {
    # The dated copies hold old passwords: the ones these tests made go (the rotated one stays in force).
    Get-ChildItem -Force -Path $config.project.directory -Filter '.env.*' | Where-Object { $_.FullName -notin $copiesBefore } | Remove-Item -Force
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
    Wait-SandboxHealthy
    Test-Login (Get-SandboxPassword) | Should -BeTrue -Because 'the sandbox must be left with a working password'
}

Describe 'Update-FrostSecret' {
    It 'computes the verifier PostgreSQL itself stores for a role (same salt, same StoredKey and ServerKey)' {
        $role = "fg_scram_$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $password = New-TestValue
        try {
            $stored = Invoke-Sql "SET password_encryption = 'scram-sha-256'; CREATE ROLE $role PASSWORD '$password'; SELECT rolpassword FROM pg_authid WHERE rolname = '$role'"
            $stored | Should -Match '^SCRAM-SHA-256\$4096:'
            # The engine lives in FrostGuard's private load context: reach its type by reflection.
            $engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'FrostGuard.Engine' } | Select-Object -First 1
            $type = $engine.GetType('FrostGuard.Engine.Secrets.ScramVerifier', $true)
            $parsed = $type.GetMethod('Parse').Invoke($null, @([string]$stored))
            $computed = $type.GetMethod('Compute').Invoke($null, @([string]$password, [byte[]]$parsed.Salt, [int]$parsed.Iterations))
            $computed.ToString() | Should -BeExactly $stored
        }
        finally { Invoke-Sql "DROP ROLE IF EXISTS $role" | Out-Null }
    }

    It 'rotates to a generated value: the old password stops working, the new one is in the .env (same mode and owner), a dated 0600 copy keeps the old, the backend restarts healthy' {
        $old = Get-SandboxPassword
        $oldText = Get-Content -Raw $envPath
        $statBefore = Get-FileStat $envPath
        $backendBefore = Get-BackendStart

        $rotation = Update-FrostSecret -Name DatabasePassword -Confirm:$false

        $new = Get-SandboxPassword
        $new | Should -Not -Be $old
        $new.Length | Should -BeGreaterOrEqual 32
        Test-Login $new | Should -BeTrue
        Test-Login $old | Should -BeFalse
        Get-FileStat $envPath | Should -Be $statBefore
        $statBefore | Should -Match '^600 '
        # Only the password line changed.
        (Get-Content -Raw $envPath).Replace("$key=$new", "$key=$old") | Should -BeExactly $oldText

        $rotation.Name | Should -Be 'DatabasePassword'
        $rotation.ValueSource | Should -Be 'Generated'
        $rotation.RestartedServices | Should -Be @('backend')
        $rotation.BackupFile | Should -Match '\.env\.\d{8}T\d{6}Z'
        Get-Content -Raw $rotation.BackupFile | Should -BeExactly $oldText
        Get-FileStat $rotation.BackupFile | Should -Be $statBefore
        $rotation.Verification | Should -Match 'answered 200'
        Get-BackendStart | Should -BeGreaterThan $backendBefore
        (Get-FrostService -Name backend).Health | Should -Be 'healthy'
        Write-Host "    rotation took $([math]::Round($rotation.Duration.TotalSeconds, 1)) s (backend restart included)"

        $age = Get-FrostSecretAge | Where-Object Name -eq 'DatabasePassword'
        $age.Source | Should -Match 'rotation log'
        $age.Status | Should -Be 'Ok'
        ($rotation.RotatedAt - $age.LastRotated).Duration().TotalSeconds | Should -BeLessThan 1
    }

    It 'sets a given value and never shows it: streams, result, journal, state folder, command lines, PostgreSQL log (log_statement=all), pg_stat_activity, docker inspect' {
        $value = New-TestValue
        $postgres = Get-SandboxContainer postgres
        $since = [DateTime]::UtcNow.AddSeconds(-1).ToString('yyyy-MM-ddTHH:mm:ss')
        # pg_stat_activity watched by a session opened before the rotation (sessions outlive ALTER ROLE).
        $activityFile = Join-Path $work 'activity.txt'
        $watchSql = Join-Path $work 'watch.sql'
        Set-Content -Path $watchSql -Value "SELECT count(*) AS sessions, string_agg(coalesce(query, ''), ' | ') AS queries FROM pg_stat_activity \watch 0.1"
        Invoke-Sql "ALTER SYSTEM SET log_statement = 'all'" | Out-Null
        Invoke-Sql 'SELECT pg_reload_conf()' | Out-Null
        $watcher = $null
        try {
            $start = [Diagnostics.ProcessStartInfo]::new('psql')
            foreach ($a in '-X', '-q', '-A', '-h', $config.database.host, '-p', "$($config.database.port)", '-U', $config.database.user, '-d', $config.database.name, '-f', $watchSql, '-o', $activityFile) { $start.ArgumentList.Add($a) }
            $start.Environment['PGPASSWORD'] = Get-SandboxPassword
            $start.RedirectStandardError = $true
            $watcher = [Diagnostics.Process]::Start($start)
            $deadline = [DateTime]::UtcNow.AddSeconds(10)
            while (-not ((Test-Path $activityFile) -and (Get-Item $activityFile).Length -gt 0)) {
                if ([DateTime]::UtcNow -gt $deadline -or $watcher.HasExited) { throw "the pg_stat_activity watcher did not start: $($watcher.StandardError.ReadToEnd())" }
                Start-Sleep -Milliseconds 100
            }

            $watched = Watch-CommandLine {
                Update-FrostSecret -Name DatabasePassword -NewValue (ConvertTo-Secure $value) -Confirm:$false -Verbose -Debug *>&1
            }
        }
        finally {
            if ($watcher) { $watcher.Kill(); $watcher.WaitForExit() }
            Invoke-Sql 'ALTER SYSTEM RESET log_statement' | Out-Null
            Invoke-Sql 'SELECT pg_reload_conf()' | Out-Null
        }

        $escaped = [regex]::Escape($value)
        Get-SandboxPassword | Should -BeExactly $value
        Test-Login $value | Should -BeTrue

        $streams = $watched.Result
        $rotation = $streams | Where-Object { $_ -is [FrostGuard.FrostSecretRotation] }
        $rotation.ValueSource | Should -Be 'Given'
        @($streams | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Count | Should -BeGreaterThan 2
        ($streams | Out-String) + ($rotation | ConvertTo-Json -Depth 5) | Should -Not -Match $escaped

        $watched.Rounds | Should -BeGreaterThan 3 -Because 'command lines were sampled all through the rotation'
        $watched.CommandLines.Count | Should -BeGreaterThan 10
        $watched.CommandLines -join "`n" | Should -Not -Match $escaped

        $pgLog = (docker logs --since $since $postgres 2>&1) -join "`n"
        $pgLog | Should -Match "(statement|execute <unnamed>): ALTER ROLE $($config.database.user) PASSWORD 'SCRAM-SHA-256\`$4096:" -Because 'log_statement=all was on and FrostGuard sent a verifier'
        $pgLog | Should -Not -Match $escaped

        $activity = Get-Content -Raw $activityFile
        ([regex]::Matches($activity, 'pg_stat_activity')).Count | Should -BeGreaterThan 3
        $activity | Should -Not -Match $escaped

        (docker inspect $(docker ps -aq)) -join "`n" | Should -Not -Match $escaped

        $state = if ($env:FROSTGUARD_STATE) { $env:FROSTGUARD_STATE } else { Join-Path $HOME '.local/state/frostguard' }
        Get-ChildItem -Recurse -File $state -ErrorAction SilentlyContinue | Select-String -SimpleMatch $value | Should -BeNullOrEmpty

        # The only places it may be: the .env itself and later dated copies (0600).
        Get-ChildItem -Force -Path $config.project.directory -Recurse -File | Where-Object FullName -notmatch '/\.git/' | Select-String -SimpleMatch $value -List |
            ForEach-Object Path | Should -Be @($envPath)
    }

    It 'rotates inside a runbook and the run journal never holds the value' {
        $runbook = Join-Path $work 'rotate.md'
        Set-Content -Path $runbook -Value @'
---
id: rotate-database-password
title: Rotate the database password
---
# Rotate the database password

```pwsh {#rotate name="Rotate the database password" .destructive timeout=5m}
Update-FrostSecret -Name DatabasePassword -Confirm:$false -Verbose | Format-List *
```
'@
        $old = Get-SandboxPassword
        $results = Invoke-FrostRunbook $runbook -Force
        $results.Status | Should -Be 'Succeeded'
        $new = Get-SandboxPassword
        $new | Should -Not -Be $old
        $run = Get-FrostRunbookRun -Last 1
        $run.Runbook | Should -Be $runbook
        # The journal (runs/<id>.jsonl) and each step's recorded output (runs/<id>/).
        $outputFolder = Join-Path (Split-Path $run.JournalPath) $run.RunId
        $files = @(Get-Item $run.JournalPath) + @(Get-ChildItem -Recurse -File $outputFolder)
        $recorded = ($files | ForEach-Object { Get-Content -Raw $_.FullName }) -join "`n"
        $recorded | Should -Match '"rotate"' -Because 'the journal records the step'
        $recorded | Should -Match 'RestartedServices\s*:\s*\{backend\}' -Because "the step's output (the rotation, verbose lines) is recorded"
        $recorded | Should -Not -Match ([regex]::Escape($new))
        $recorded | Should -Not -Match ([regex]::Escape($old))
    }

    It 'rolls back when the check after the restart fails: old password in the database, old .env, backend healthy on it, both told' {
        $old = Get-SandboxPassword
        $oldText = Get-Content -Raw $envPath
        $statBefore = Get-FileStat $envPath
        $ageBefore = (Get-FrostSecretAge | Where-Object Name -eq 'DatabasePassword').LastRotated
        # A real fault: the health URL points at a port nothing listens on.
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
        $variant = New-ConfigVariant -Path (Join-Path $work 'dead-health.json') -Change { param($c) $c.health.healthUrl = "https://localhost:$port/health" }
        $value = New-TestValue
        $backendBefore = Get-BackendStart

        $failure = $null
        $streams = try { Update-FrostSecret -Name DatabasePassword -NewValue (ConvertTo-Secure $value) -ConfigPath $variant -Confirm:$false -Verbose *>&1 } catch { $failure = $_ }

        $failure | Should -Not -BeNullOrEmpty
        $failure.FullyQualifiedErrorId | Should -BeLike 'SecretRotationFailed,*'
        "$failure" | Should -Match "127\.0\.0\.1:$port|localhost:$port"
        "$failure" | Should -Match 'Rolled back: the old password of role .* is back'
        "$failure" | Should -Match 'is back as it was'
        "$failure" | Should -Match 'backend restarted and healthy with the old value'
        $failure.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty

        Test-Login $old | Should -BeTrue
        Test-Login $value | Should -BeFalse
        Get-Content -Raw $envPath | Should -BeExactly $oldText
        Get-FileStat $envPath | Should -Be $statBefore
        Get-BackendStart | Should -BeGreaterThan $backendBefore -Because 'the backend was restarted on the new value and again on the old'
        Wait-SandboxHealthy -TimeoutSeconds 30
        (Get-FrostSecretAge | Where-Object Name -eq 'DatabasePassword').LastRotated | Should -Be $ageBefore -Because 'a rolled-back rotation is no rotation'

        $escaped = [regex]::Escape($value)
        $told = "$failure`n$($failure.Exception)`n$($failure.ErrorDetails.RecommendedAction)`n$($streams | Out-String)"
        $told | Should -Match 'Rolling back'
        $told | Should -Not -Match $escaped
        $told | Should -Not -Match ([regex]::Escape($old))
    }

    It 'rolls back when a restarted service is not healthy in time (-TimeoutSeconds 1), restarting it on the old value' {
        $old = Get-SandboxPassword
        $oldText = Get-Content -Raw $envPath
        $value = New-TestValue

        $failure = $null
        try { Update-FrostSecret -Name DatabasePassword -NewValue (ConvertTo-Secure $value) -TimeoutSeconds 1 -Confirm:$false } catch { $failure = $_ }

        $failure.FullyQualifiedErrorId | Should -BeLike 'SecretRotationFailed,*'
        "$failure" | Should -Match 'backend-\w+_1 is still \w+/\w+ after 1 s'
        "$failure" | Should -Match 'backend restarted and healthy with the old value'
        Test-Login $old | Should -BeTrue
        Test-Login $value | Should -BeFalse
        Get-Content -Raw $envPath | Should -BeExactly $oldText
        (Get-FrostService -Name backend).Health | Should -Be 'healthy'
    }

    It 'refuses a weak given value before changing anything, without quoting it' {
        $oldText = Get-Content -Raw $envPath
        $failure = $null
        try { Update-FrostSecret -Name DatabasePassword -NewValue (ConvertTo-Secure 'tooShort#1') -Confirm:$false } catch { $failure = $_ }
        $failure.FullyQualifiedErrorId | Should -BeLike 'SecretValueRejected,*'
        "$failure" | Should -Not -Match 'tooShort'
        Get-Content -Raw $envPath | Should -BeExactly $oldText
    }

    It 'refuses to run beside another rotation (the lock in the state folder), changing nothing' {
        $state = if ($env:FROSTGUARD_STATE) { $env:FROSTGUARD_STATE } else { Join-Path $HOME '.local/state/frostguard' }
        New-Item -ItemType Directory -Force -Path $state | Out-Null
        $oldText = Get-Content -Raw $envPath
        $held = [IO.File]::Open((Join-Path $state 'secret-rotation.lock'), 'OpenOrCreate', 'ReadWrite', 'None')
        $failure = $null
        try { Update-FrostSecret -Name DatabasePassword -Confirm:$false } catch { $failure = $_ }
        finally { $held.Dispose() }
        $failure.FullyQualifiedErrorId | Should -BeLike 'SecretRotationInProgress,*'
        Get-Content -Raw $envPath | Should -BeExactly $oldText
        Test-Login (Get-SandboxPassword) | Should -BeTrue
    }

    It 'changes nothing with -WhatIf' {
        $oldText = Get-Content -Raw $envPath
        $copies = @(Get-ChildItem -Force -Path $config.project.directory -Filter '.env.*').Count
        $backendBefore = Get-BackendStart
        Update-FrostSecret -Name DatabasePassword -WhatIf | Should -BeNullOrEmpty
        Get-Content -Raw $envPath | Should -BeExactly $oldText
        @(Get-ChildItem -Force -Path $config.project.directory -Filter '.env.*').Count | Should -Be $copies
        Get-BackendStart | Should -Be $backendBefore
        Test-Login (Get-SandboxPassword) | Should -BeTrue
    }
}

Describe 'Get-FrostSecretAge' {
    It 'falls back to the .env modification time when no rotation is recorded, and judges it against 90 days' {
        $saved = $env:FROSTGUARD_STATE
        $env:FROSTGUARD_STATE = Join-Path $work 'empty-state'
        try {
            $age = Get-FrostSecretAge | Where-Object Name -eq 'DatabasePassword'
        }
        finally { $env:FROSTGUARD_STATE = $saved }
        $age.Source | Should -Match 'modification time'
        $age.MaxAgeDays | Should -Be 90
        ($age.LastRotated.UtcDateTime - (Get-Item -Force $envPath).LastWriteTimeUtc).Duration().TotalSeconds | Should -BeLessThan 1
        $age.Status | Should -Be 'Ok'
    }

    It 'judges against -MaxAgeDays when given' {
        $age = Get-FrostSecretAge -MaxAgeDays 1 | Where-Object Name -eq 'DatabasePassword'
        $age.MaxAgeDays | Should -Be 1
        # Rotated moments ago in this file: due one day later, under half a day old, so Ok or Warning.
        $age.DueAt | Should -Be $age.LastRotated.AddDays(1)
        $age.Status | Should -BeIn @('Ok', 'Warning')
    }
}
