# Full server recovery: the deployment's configuration sealed into a backup (-IncludeConfig).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    Wait-SandboxHealthy
    $script:config = Get-SandboxConfig
    $script:passphrase = ConvertTo-SecureString 'a long test passphrase, not a real one' -AsPlainText -Force
    $script:envFile = Join-Path $config.project.directory '.env'
    $script:dbPassword = (Get-Content $envFile | Where-Object { $_ -like 'POSTGRES_PASSWORD=*' }) -replace '^POSTGRES_PASSWORD=', ''
}

Describe 'Invoke-FrostBackup -IncludeConfig' {
    BeforeAll {
        $script:backup = Invoke-FrostBackup -IncludeConfig -Passphrase $passphrase -Label 'with config'
    }

    AfterAll {
        if ($backup) { $backup | Remove-FrostBackup -Confirm:$false }
    }

    It 'seals the compose file, .env, mounted files and FrostGuard''s configuration into the backup' {
        $backup.IncludesConfig | Should -BeTrue
        $backup.ConfigFiles | Should -Contain 'docker-compose.yml'
        $backup.ConfigFiles | Should -Contain '.env'
        $backup.ConfigFiles | Should -Contain '.frostguard/frostguard.json'
        $backup.ConfigFiles | Where-Object { $_ -like '.git/*' } | Should -BeNullOrEmpty
        (Get-Content -Raw (Get-FrostBackup -Id $backup.Id).ManifestPath | ConvertFrom-Json).config.sha256 | Should -Match '^[0-9a-f]{64}$'
    }

    It 'never writes the database password in clear' {
        $dbPassword | Should -Not -BeNullOrEmpty
        [IO.File]::ReadAllText($backup.ConfigArchivePath) | Should -Not -Match ([regex]::Escape($dbPassword))
        Get-Content -Raw $backup.ManifestPath | Should -Not -Match ([regex]::Escape($dbPassword))
    }

    It 'passes Test-FrostBackup, and a flipped byte in the sealed archive fails it' {
        ($backup | Test-FrostBackup).Passed | Should -BeTrue
        $bytes = [IO.File]::ReadAllBytes($backup.ConfigArchivePath)
        $bytes[-1] = $bytes[-1] -bxor 1
        [IO.File]::WriteAllBytes($backup.ConfigArchivePath, $bytes)
        $result = $backup | Test-FrostBackup -ErrorVariable failed -ErrorAction SilentlyContinue
        $result | Should -BeNullOrEmpty
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'BackupChecksumMismatch,*'
        "$($failed[0])" | Should -Match 'configuration archive'
        $bytes[-1] = $bytes[-1] -bxor 1
        [IO.File]::WriteAllBytes($backup.ConfigArchivePath, $bytes)
    }

    It 'is removed with its backup' {
        $other = Invoke-FrostBackup -IncludeConfig -Passphrase $passphrase
        $other | Remove-FrostBackup -Confirm:$false
        Test-Path $other.ConfigArchivePath | Should -BeFalse
    }

    It 'refuses -IncludeConfig without a key, and a passphrase under 12 characters, before writing anything' {
        $before = @(Get-FrostBackup).Count
        { Invoke-FrostBackup -IncludeConfig -ErrorAction Stop } | Should -Throw -ErrorId 'ConfigArchiveKeyInvalid,FrostGuard.InvokeFrostBackupCommand'
        { Invoke-FrostBackup -IncludeConfig -Passphrase (ConvertTo-SecureString 'short' -AsPlainText -Force) -ErrorAction Stop } |
            Should -Throw -ErrorId 'ConfigArchiveKeyInvalid,FrostGuard.InvokeFrostBackupCommand'
        @(Get-FrostBackup).Count | Should -Be $before
    }
}

# The drill: the sandbox recovered into a second, fresh deployment directory under another
# project name and ports, as on a new server, and the time until healthy measured.
Describe 'Restore-FrostDeployment, the full-recovery drill' {
    BeforeAll {
        $script:work = Join-Path ([IO.Path]::GetTempPath()) "frostguard-drill-$([guid]::NewGuid().ToString('N'))"
        $script:drillPath = Join-Path $work 'deployment'
        $script:drillData = Join-Path $work 'data/postgres'
        $script:ports = @{ Pg = 25482; Backend = 28130; Blue = 28131; Green = 28132; Proxy = 28493 }
        $script:drillUpstream = Join-Path $work 'proxy-upstream'
        $script:project = 'frostguard-drill'
        New-Item -ItemType Directory -Path $work | Out-Null

        # The new server's empty database service: what the official postgres image's entrypoint
        # does on first start (the sandbox's images have no entrypoint), with the same password.
        $pwfile = Join-Path $work 'pw'
        Set-Content -Path $pwfile -Value $dbPassword -NoNewline
        & bash -euo pipefail -c @'
install -d -m 0700 -o postgres -g postgres "$1"
chown postgres "$2"; chmod 0600 "$2"
setpriv --reuid=postgres --regid=postgres --init-groups /usr/lib/postgresql/15/bin/initdb -D "$1" --username=frostguard --pwfile="$2" --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
echo "CREATE DATABASE frostguard;" | setpriv --reuid=postgres --regid=postgres --init-groups /usr/lib/postgresql/15/bin/postgres --single -D "$1" postgres >/dev/null
'@ drill $drillData $pwfile
        Remove-Item $pwfile
        $LASTEXITCODE | Should -Be 0

        $script:drillConfig = New-ConfigVariant -Path (Join-Path $work 'frostguard-drill.json') -Change {
            param($c)
            $c.project.name = $project
            $c.project.directory = $drillPath
            $c.database.port = $ports.Pg
            $c.backupRoot = Join-Path $work 'backups'
            $c | Add-Member -Force stateFolder (Join-Path $work 'state')
            $c.health.healthUrl = "https://localhost:$($ports.Proxy)/health"
            $c.health.metricsUrl = "http://127.0.0.1:$($ports.Backend)/metrics"
            $c.tls.port = $ports.Proxy
            $c.update.slots[0].port = $ports.Blue
            $c.update.slots[1].port = $ports.Green
            $c.update.proxy.internalUrl = "http://127.0.0.1:$($ports.Backend)"
            $c.update.proxy.upstreamFolder = $drillUpstream
        }
        $script:environment = @{
            COMPOSE_PROJECT_NAME = $project; PG_PORT = "$($ports.Pg)"; BACKEND_PORT = "$($ports.Backend)"; PROXY_PORT = "$($ports.Proxy)"; PG_DATA = $drillData
            BACKEND_BLUE_PORT = "$($ports.Blue)"; BACKEND_GREEN_PORT = "$($ports.Green)"; UPSTREAM_DIR = $drillUpstream
        }
        $script:source = Invoke-FrostBackup -IncludeConfig -Passphrase $passphrase -Verify -Label 'drill'
    }

    AfterAll {
        if (Test-Path (Join-Path $drillPath 'docker-compose.yml')) {
            # A drill container that is not running says why in its log; keep it in the test output.
            foreach ($line in docker ps -a --filter "label=com.docker.compose.project=$project" --format '{{.Names}} {{.Status}}') {
                $name, $status = $line -split ' ', 2
                if ($status -notlike 'Up*(healthy)*') {
                    Write-Host "drill container $name is '$status'; its log:"
                    docker logs --tail 30 $name 2>&1 | ForEach-Object { Write-Host "  $_" }
                }
            }
            [string[]] $compose = if ((& docker compose version 2>$null) -and $LASTEXITCODE -eq 0) { 'docker', 'compose' } else { 'docker-compose' }
            & $compose[0] @($compose | Select-Object -Skip 1) -p $project -f (Join-Path $drillPath 'docker-compose.yml') down --timeout 5 2>&1 | Out-Null
        }
        if ($source) { $source | Remove-FrostBackup -Confirm:$false }
        Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
    }

    It 'refuses a wrong passphrase before anything is written' {
        $wrong = ConvertTo-SecureString 'not the passphrase at all' -AsPlainText -Force
        $source | Restore-FrostDeployment -Path $drillPath -Passphrase $wrong -Confirm:$false -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'ConfigArchiveKeyInvalid,*'
        Test-Path $drillPath | Should -BeFalse
    }

    It 'refuses a folder that already holds files' {
        $busy = Join-Path $work 'busy'
        New-Item -ItemType Directory -Path $busy | Out-Null
        Set-Content (Join-Path $busy 'keep.txt') 'mine'
        $source | Restore-FrostDeployment -Path $busy -Passphrase $passphrase -Confirm:$false -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'DeploymentPathNotEmpty,*'
        Get-Content (Join-Path $busy 'keep.txt') | Should -Be 'mine'
    }

    It 'brings the deployment back: files, a healthy stack, the database, within the objective' {
        $recovery = $source | Restore-FrostDeployment -Path $drillPath -Passphrase $passphrase -Environment $environment -TargetConfigPath $drillConfig -Confirm:$false
        $recovery.Project | Should -Be $project
        $recovery.EnvironmentKeysSet | Should -Contain 'PG_DATA'
        $recovery.DatabaseRestore.RowCountsMatch | Should -BeTrue
        $recovery.Health | Where-Object Status -eq 'Critical' | ForEach-Object { "$($_.Check) $($_.Target): $($_.Message)" } | Should -BeNullOrEmpty
        (Get-Item -Force (Join-Path $drillPath '.env')).UnixMode | Should -Be '-rw-------'

        $services = @(Get-FrostService -ConfigPath $drillConfig)
        $services.Count | Should -BeGreaterOrEqual 4
        # The restored proxy forwards to the restored slot, from an upstream folder of its own: never the live one.
        Get-Content -Raw (Join-Path $drillUpstream 'backend.conf') | Should -Match "server 127.0.0.1:($($ports.Blue)|$($ports.Green));"
        $answer = Invoke-WebRequest -Uri "http://127.0.0.1:$($ports.Backend)/health" -DisableKeepAlive -SkipHttpErrorCheck
        @($answer.Headers['X-FrostGuard-Upstream'])[0] | Should -BeIn "127.0.0.1:$($ports.Blue)", "127.0.0.1:$($ports.Green)"
        $services | Where-Object { $_.State -ne 'running' -or $_.Health -notin 'healthy', 'none' } | Should -BeNullOrEmpty
        $restored = Get-FrostDatabase -ConfigPath $drillConfig
        $restored.Endpoint | Should -Match "$($ports.Pg)"

        $objective = Get-FrostRecoveryStatus | Where-Object Id -eq 'full-recovery'
        $objective.Measured.TotalSeconds | Should -BeGreaterThan 0
        $objective.Status | Should -Be 'Met'
        Write-Host ("    full recovery: {0:N1} s (configuration {1:N1} s, stack {2:N1} s, database {3:N1} s); objective {4}" -f $recovery.Duration.TotalSeconds,
            $recovery.ConfigurationDuration.TotalSeconds, $recovery.StartDuration.TotalSeconds, $recovery.DatabaseDuration.TotalSeconds, $objective.Target)
    }

    It 'left the original sandbox untouched and healthy' {
        Get-FrostService | Where-Object { $_.State -ne 'running' } | Should -BeNullOrEmpty
        (Get-FrostDeployment).Project | Should -Be (Get-SandboxConfig).project.name
    }
}
