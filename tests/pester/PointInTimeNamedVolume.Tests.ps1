# Recovery to a point for a deployment whose data folder is a named Docker volume, not a bind
# mount: a Compose project of its own (tests/fixtures/named-volume: PostgreSQL with its data in
# the volume, and a writer), on its own port and backup root. The recovered folder is swapped in
# the volume's own folder on the host, the volume stays the container's mount, and the writer is
# stopped for the swap and writes again afterwards. The project and its volume are removed
# afterwards, and first, when a run cut short left them.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force

    $script:savedConfig = $env:FROSTGUARD_CONFIG
    $script:savedState = $env:FROSTGUARD_STATE
    $script:project = 'frostguard-pitr-volume'
    $script:volume = "${project}_pgdata"
    $script:port = 25462

    # The project's containers, and a recovery instance a run cut short left (named after the database's container, no Compose label).
    function Remove-Project {
        $ids = @(docker ps -aq --filter "label=com.docker.compose.project=$project") + @(docker ps -aq --filter 'label=frostguard.recovery' --filter "name=${project}_postgres_")
        foreach ($id in $ids | Select-Object -Unique) { docker rm -f $id | Out-Null }
        foreach ($name in $volume, "${project}_pgbound") {
            if (@(docker volume ls -q --filter "name=^$name$")) { docker volume rm $name | Out-Null }
        }
    }

    # A new cluster in a host folder, by the image's own initdb as the database's uid.
    function Initialize-Cluster([string] $Mount) {
        $out = docker run --rm --network none --user "${uid}:${gid}" -v /usr:/usr:ro -v /lib:/lib:ro -v /lib64:/lib64:ro -v /bin:/bin:ro -v /etc:/etc:ro `
            -v "${Mount}:/var/lib/postgresql/data" -v "${pwFile}:/run/initdb-password:ro" frostguard-sandbox/postgres:15 `
            /usr/lib/postgresql/15/bin/initdb -D /var/lib/postgresql/data --username=frostguard --pwfile=/run/initdb-password --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 2>&1
        if ($LASTEXITCODE -ne 0) { throw "initdb in $Mount failed: $out" }
    }

    function Invoke-Compose {
        Push-Location $deployment
        try {
            $out = & docker-compose -p $project @args 2>&1
            if ($LASTEXITCODE -ne 0) { throw "docker-compose $args failed: $out" }
        }
        finally { Pop-Location }
    }

    function Invoke-Sql([string] $Sql, [string] $Database = 'frostguard', [int] $Port = $port) {
        Invoke-Psql $Sql -Port $Port -User frostguard -Database $Database -Password $password
    }

    function Get-Container([string] $Service) {
        docker ps -aq --filter "label=com.docker.compose.project=$project" --filter "label=com.docker.compose.service=$Service"
    }

    function Wait-Condition([scriptblock] $Condition, [string] $What, [int] $TimeoutSeconds = 60) {
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        while (-not (& $Condition)) {
            if ([DateTime]::UtcNow -gt $deadline) { throw "$What did not happen within $TimeoutSeconds s" }
            Start-Sleep -Milliseconds 200
        }
    }

    function Wait-Archived {
        $wanted = Invoke-Sql 'SELECT pg_current_wal_lsn()'
        Wait-Condition { (Invoke-Sql "SELECT coalesce((SELECT r.flush_lsn >= '$wanted'::pg_lsn FROM pg_replication_slots s JOIN pg_stat_replication r ON r.pid = s.active_pid WHERE s.slot_name = 'frostguard_wal_archive'), false)") -eq 't' } "the archiver flushing $wanted" 30
    }

    function Add-ProbeRow { [long](Invoke-Sql 'INSERT INTO probe DEFAULT VALUES RETURNING id') }
    function Test-ProbeRow([long] $Id) { (Invoke-Sql "SELECT count(*) FROM probe WHERE id = $Id") -eq '1' }

    Remove-Project
    $script:work = Join-Path ([IO.Path]::GetTempPath()) "frostguard-pitr-volume-$([guid]::NewGuid().ToString('N'))"
    $script:deployment = Join-Path $work 'deployment'
    New-Item -ItemType Directory -Path (Join-Path $deployment 'postgres'), (Join-Path $deployment 'writer') | Out-Null
    Copy-Item (Join-Path (Get-RepoRoot) 'tests/fixtures/named-volume/docker-compose.yml') $deployment
    Copy-Item (Join-Path (Get-RepoRoot) 'sandbox/deployment/postgres/pg_hba.conf') (Join-Path $deployment 'postgres')
    $script:password = [guid]::NewGuid().ToString('N')
    $replicationPassword = [guid]::NewGuid().ToString('N')
    $script:uid = (id -u postgres); $script:gid = (id -g postgres)
    $script:boundPort = 25463
    $script:boundData = Join-Path $work 'bound-data'
    $envFile = Join-Path $deployment '.env'
    Set-Content -Path $envFile -Value "COMPOSE_PROJECT_NAME=$project`nPG_UID=$uid`nPG_GID=$gid`nPG_PORT=$port`nPOSTGRES_PASSWORD=$password`nREPLICATION_PASSWORD=$replicationPassword`nBOUND_PORT=$boundPort`nBOUND_DATA=$boundData"
    chmod 0600 $envFile
    $writerPass = Join-Path $deployment 'writer/pgpass'
    Set-Content -Path $writerPass -Value "127.0.0.1:${port}:frostguard:frostguard:$password"
    chown "${uid}:${gid}" $writerPass; chmod 0600 $writerPass

    # The volume as Compose would make it, then a cluster initialized in it by the image's own initdb.
    docker volume create --label "com.docker.compose.project=$project" --label 'com.docker.compose.volume=pgdata' $volume | Out-Null
    $script:volumeFolder = docker volume inspect -f '{{.Mountpoint}}' $volume
    chown "${uid}:${gid}" $volumeFolder; chmod 0700 $volumeFolder
    $script:pwFile = Join-Path $work 'initdb-password'
    Set-Content -Path $pwFile -Value $password -NoNewline
    chown "${uid}:${gid}" $pwFile; chmod 0600 $pwFile
    Initialize-Cluster $volume

    Invoke-Compose up -d postgres
    Wait-Condition { (docker inspect -f '{{.State.Health.Status}}' (Get-Container postgres)) -eq 'healthy' } 'the database becoming healthy'
    Invoke-Sql 'CREATE DATABASE frostguard' -Database postgres | Out-Null
    Invoke-Sql "CREATE ROLE frostguard_replication LOGIN REPLICATION PASSWORD '$replicationPassword'" | Out-Null
    Invoke-Sql 'CREATE TABLE heartbeat (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())' | Out-Null
    Invoke-Sql 'CREATE TABLE probe (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())' | Out-Null
    Invoke-Compose up -d writer
    Wait-Condition { [long](Invoke-Sql 'SELECT count(*) FROM heartbeat') -gt 0 } 'the writer writing'

    $backups = Join-Path $work 'backups'
    New-Item -ItemType Directory -Path $backups | Out-Null
    chmod 0700 $backups
    $env:FROSTGUARD_CONFIG = Join-Path $work 'frostguard.json'
    $env:FROSTGUARD_STATE = Join-Path $work 'state'
    function Write-Config([string] $Path, [string] $Service, [int] $Port) {
        @{
            project = @{ name = $project; directory = $deployment }
            docker = @{ endpoint = 'unix:///var/run/docker.sock' }
            database = @{ service = $Service; host = '127.0.0.1'; port = $Port; name = 'frostguard'; user = 'frostguard'; password = @{ envFileKey = 'POSTGRES_PASSWORD' } }
            backupRoot = $backups
        } | ConvertTo-Json -Depth 5 | Set-Content -Path $Path
        $Path
    }
    Write-Config $env:FROSTGUARD_CONFIG postgres $port | Out-Null

    Enable-FrostWalArchive -Confirm:$false | Out-Null
    $script:base = Invoke-FrostBackup -Physical -Label 'named volume'
}

AfterAll {
    try {
        if ($env:FROSTGUARD_CONFIG -like "$work*") { Disable-FrostWalArchive -Confirm:$false -ErrorAction Continue | Out-Null }
    }
    finally {
        $env:FROSTGUARD_CONFIG = $script:savedConfig
        $env:FROSTGUARD_STATE = $script:savedState
        Remove-Project
        Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
    }
}

Describe 'Restore-FrostBackup -PointInTime on a named volume' {
    It 'swaps the data folder inside the volume''s own folder, keeps the old one beside it, and the volume stays the mount' {
        $writerStarted = docker inspect -f '{{.State.StartedAt}}' (Get-Container writer)
        $before = Add-ProbeRow
        Start-Sleep -Milliseconds 300
        $target = [DateTimeOffset]::UtcNow
        Start-Sleep -Milliseconds 300
        $after = Add-ProbeRow
        Wait-Archived

        $restored = Restore-FrostBackup -PointInTime $target -StopService writer -Confirm:$false

        $restored.BaseBackupId | Should -Be $base.Id
        $restored.DataFolder | Should -Be $volumeFolder
        Split-Path $restored.PreviousDataFolder | Should -Be (Split-Path $volumeFolder) -Because 'the old folder is kept beside _data, in the volume''s folder, where no container sees it'
        Test-Path (Join-Path $restored.PreviousDataFolder 'PG_VERSION') | Should -BeTrue
        Test-ProbeRow $before | Should -BeTrue
        Test-ProbeRow $after | Should -BeFalse
        Invoke-Sql 'SELECT pg_is_in_recovery()' | Should -Be 'f'

        $mount = docker inspect -f '{{range .Mounts}}{{if eq .Destination "/var/lib/postgresql/data"}}{{.Type}} {{.Name}}{{end}}{{end}}' (Get-Container postgres)
        $mount | Should -Be "volume $volume"
        docker inspect -f '{{.State.StartedAt}}' (Get-Container writer) | Should -Not -Be $writerStarted -Because 'the writer was stopped for the swap and started again'
        $heartbeats = [long](Invoke-Sql 'SELECT count(*) FROM heartbeat')
        Wait-Condition { [long](Invoke-Sql 'SELECT count(*) FROM heartbeat') -gt $heartbeats } 'the writer writing again'
        Wait-Condition { (Get-FrostWalArchive).SlotActive } 'the archiver streaming from the new slot'
    }

    It 'refuses, before anything stops, a volume Docker mounts over _data when the container starts (driver options)' {
        New-Item -ItemType Directory -Path $boundData | Out-Null
        chown "${uid}:${gid}" $boundData; chmod 0700 $boundData
        Initialize-Cluster $boundData
        Invoke-Compose up -d postgres-bound
        Wait-Condition { (docker inspect -f '{{.State.Health.Status}}' (Get-Container postgres-bound)) -eq 'healthy' } 'the second database becoming healthy'
        Invoke-Sql 'CREATE DATABASE frostguard' -Database postgres -Port $boundPort | Out-Null
        $bound = Write-Config (Join-Path $work 'bound.json') postgres-bound $boundPort
        $before = (Get-Container postgres-bound), (Get-Container writer) | ForEach-Object { docker inspect -f '{{.State.StartedAt}}' $_ }

        $failed = $null
        Restore-FrostBackup -Latest -ConfigPath $bound -StopService writer -Confirm:$false -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed.FullyQualifiedErrorId | Should -Be 'PointInTimeRecoveryFailed,FrostGuard.RestoreFrostBackupCommand'
        "$failed" | Should -Match "volume ${project}_pgbound \(driver local, options .*device=.*would not take"
        (Get-Container postgres-bound), (Get-Container writer) | ForEach-Object { docker inspect -f '{{.State.StartedAt}}' $_ } | Should -Be $before
        $volumeHome = Split-Path (docker volume inspect -f '{{.Mountpoint}}' "${project}_pgbound")
        Get-ChildItem $volumeHome | Where-Object Name -Like '*pitr*' | Should -BeNullOrEmpty -Because 'no recovered folder was written beside _data'
    }
}
