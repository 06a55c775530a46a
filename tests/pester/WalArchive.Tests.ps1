# Continuous WAL archiving against the live sandbox: Enable-FrostWalArchive adds pg_receivewal as a
# service of FrostGuard's compose override, streaming through a physical replication slot into
# <backup root>/wal/<project>. The suite leaves the sandbox as it found it: archiving off, the slot
# dropped, max_slot_wal_keep_size reset, the archive folder it filled removed.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    Wait-SandboxHealthy

    # The suite's own backup root: the archive it fills is its own, removed at the end.
    $script:work = Join-Path ([IO.Path]::GetTempPath()) "frostguard-wal-$([guid]::NewGuid().ToString('N'))"
    New-Item -ItemType Directory -Path $work | Out-Null
    $script:savedConfig = $env:FROSTGUARD_CONFIG
    $env:FROSTGUARD_CONFIG = New-ConfigVariant -Path (Join-Path $work 'frostguard.json') -Change { param($c) $c.backupRoot = (Join-Path $work 'backups') }
    $script:config = Get-SandboxConfig
    $script:deployment = $config.project.directory
    $script:envFile = Join-Path $deployment '.env'
    $script:overridePath = Join-Path $deployment 'docker-compose.override.yml'
    $script:folder = Join-Path $config.backupRoot "wal/$($config.project.name)"
    $script:secrets = Join-Path $deployment '.frostguard/wal-archive'
    $script:slot = 'frostguard_wal_archive'
    function Get-EnvValue([string] $Key) {
        (Get-Content $script:envFile | Where-Object { $_ -like "$Key=*" } | Select-Object -Last 1).Substring($Key.Length + 1)
    }

    # Writes a row, then closes the segment: the archiver must deliver it whole. Returns the segment's name.
    function Close-WalSegment {
        Invoke-SandboxSql "CREATE TABLE IF NOT EXISTS frostguard_wal_test (at timestamptz); INSERT INTO frostguard_wal_test VALUES (clock_timestamp())" | Out-Null
        Invoke-SandboxSql 'SELECT pg_walfile_name(pg_switch_wal())'
    }

    function Wait-ArchivedSegment([string] $Name, [int] $TimeoutSeconds = 30) {
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        while (-not (Test-Path (Join-Path $folder $Name))) {
            if ([DateTime]::UtcNow -gt $deadline) { throw "segment $Name was not archived within $TimeoutSeconds s: $((Get-ChildItem $folder).Name -join ', ')" }
            Start-Sleep -Milliseconds 100
        }
    }

    function Get-ArchiverContainer { docker ps -a --filter "label=com.docker.compose.project=$($config.project.name)" --filter 'label=com.docker.compose.service=wal-archive' --format '{{.Names}}' }

    if ((Get-FrostWalArchive).Enabled -or (Invoke-SandboxSql "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$slot'") -ne '0') {
        throw 'The sandbox must start without WAL archiving (Disable-FrostWalArchive).'
    }
    # A value of the operator's own, set with ALTER SYSTEM: Disable must put exactly this back.
    Invoke-SandboxSql "ALTER SYSTEM SET max_slot_wal_keep_size = '3GB'" | Out-Null
    Invoke-SandboxSql 'SELECT pg_reload_conf()' | Out-Null
    $script:keepSizeRecord = Join-Path $deployment '.frostguard/wal-archive-keep-size-before.json'
}

AfterAll {
    try { Disable-FrostWalArchive -Confirm:$false -ErrorAction Continue | Out-Null }
    finally {
        Invoke-SandboxSql 'ALTER SYSTEM RESET max_slot_wal_keep_size' | Out-Null
        Invoke-SandboxSql 'SELECT pg_reload_conf()' | Out-Null
        Remove-Item -Force $keepSizeRecord -ErrorAction SilentlyContinue
        Invoke-SandboxSql 'DROP TABLE IF EXISTS frostguard_wal_test' | Out-Null
        $env:FROSTGUARD_CONFIG = $script:savedConfig
        Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
        Wait-SandboxHealthy
    }
}

Describe 'Enable-FrostWalArchive' {
    It '-WhatIf checks and changes nothing: no service, no slot, no folder' {
        $overrideBefore = if (Test-Path $overridePath) { Get-Content -Raw $overridePath }
        Enable-FrostWalArchive -WhatIf
        $(if (Test-Path $overridePath) { Get-Content -Raw $overridePath }) | Should -Be $overrideBefore
        Invoke-SandboxSql "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$slot'" | Should -Be '0'
        Get-ArchiverContainer | Should -BeNullOrEmpty
        Test-Path $secrets | Should -BeFalse
    }

    It 'refuses a service name of the deployment itself (Disable would remove it), before anything changes' {
        $clash = New-ConfigVariant -Path (Join-Path $work 'clash.json') -Change { param($c) $c | Add-Member -NotePropertyName walArchive -NotePropertyValue ([pscustomobject]@{ service = 'worker' }) -Force }
        { Enable-FrostWalArchive -ConfigPath $clash -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'WalArchiveNotReady,FrostGuard.EnableFrostWalArchiveCommand'
        Invoke-SandboxSql "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$slot'" | Should -Be '0'
        Test-Path $secrets | Should -BeFalse
    }

    It 'streams through the slot from a service of the override: the database''s image and uid, a 0700 folder, a 0600 password file, no password in Docker' {
        $archive = Enable-FrostWalArchive -Confirm:$false
        $archive.Enabled | Should -BeTrue
        $archive.SlotActive | Should -BeTrue
        $archive.ServiceState | Should -Be 'running'
        Invoke-SandboxSql 'SHOW max_slot_wal_keep_size' | Should -Be '1GB'

        $postgres = docker inspect (Get-SandboxContainer postgres) | ConvertFrom-Json
        $archiver = docker inspect (Get-ArchiverContainer) | ConvertFrom-Json
        $archiver.Config.Image | Should -Be $postgres.Config.Image
        $archiver.Config.User | Should -Be $postgres.Config.User
        $archiver.HostConfig.RestartPolicy.Name | Should -Be 'unless-stopped'
        $password = Get-EnvValue REPLICATION_PASSWORD
        ($archiver.Config.Env -join "`n") | Should -Not -Match ([regex]::Escape($password))
        (@($archiver.Path) + $archiver.Args -join ' ') | Should -Not -Match ([regex]::Escape($password))
        ($archiver.Args -join ' ') | Should -Match '--slot=frostguard_wal_archive'
        (@($archiver.Mounts) | Where-Object Destination -EQ '/var/lib/postgresql/data') | Should -BeNullOrEmpty -Because 'the archiver never mounts the data folder'

        $uid, $gid = $postgres.Config.User -split ':'
        (stat -c '%a %u' $folder) | Should -Be "700 $uid"
        (stat -c '%a %u' (Join-Path $secrets 'pgpass')) | Should -Be "600 $uid"
        (stat -c '%a' $secrets) | Should -Be '700'
        Push-Location $deployment
        try { (docker-compose -p $config.project.name -f docker-compose.yml -f docker-compose.override.yml config --services) | Should -Contain 'wal-archive' -Because 'a plain compose up keeps the archiver' }
        finally { Pop-Location }
    }

    It 'is idempotent: a second run keeps the slot and the container' {
        $before = docker inspect --format '{{.Id}}' (Get-ArchiverContainer)
        (Enable-FrostWalArchive -Confirm:$false).SlotActive | Should -BeTrue
        docker inspect --format '{{.Id}}' (Get-ArchiverContainer) | Should -Be $before
    }
}

Describe 'Get-FrostWalArchive and the WalArchive check' {
    It 'lists each finished segment, checked, without a gap; the achieved recovery point is under 5 s' {
        $first = Close-WalSegment
        $second = Close-WalSegment
        Wait-ArchivedSegment $first
        Wait-ArchivedSegment $second
        $segments = @(Get-FrostWalArchive -Segment)
        ($segments | Where-Object Name -EQ $second).IsValid | Should -BeTrue
        $archive = Get-FrostWalArchive
        $archive.Gaps | Should -BeNullOrEmpty
        $archive.Problems | Should -BeNullOrEmpty
        $archive.LastSegment | Should -BeGreaterOrEqual $second
        $archive.LagSeconds | Should -BeLessThan 5
        $results = @(Test-FrostHealth -Check WalArchive)
        $results | Should -HaveCount 3
        $results.Status | Sort-Object -Unique | Should -Be 'Ok'
    }

    It 'the Database check does not take the archive slot or pg_receivewal for a standby' {
        $database = @(Test-FrostHealth -Check Database)
        $database | Where-Object Target -Like 'replica*' | Should -BeNullOrEmpty
        ($database | Where-Object Target -EQ "$($config.database.host):$($config.database.port)/$($config.database.name)").Message | Should -Match 'No standby connected'
    }

    It 'with the database down: Get-FrostWalArchive reads the archive from disk, and the check says the slot is Unknown instead of saying nothing' {
        $postgres = Get-SandboxContainer postgres
        docker stop $postgres | Out-Null
        try {
            $archive = Get-FrostWalArchive
            $archive.SegmentCount | Should -BeGreaterThan 0
            ($archive.Problems -join "`n") | Should -Match 'does not answer'
            $results = @(Test-FrostHealth -Check WalArchive)
            ($results | Where-Object Target -EQ "slot:$slot").Status | Should -Be 'Unknown'
            ($results | Where-Object Target -EQ "slot:$slot").Message | Should -Match 'does not answer'
            ($results | Where-Object Target -EQ $folder).Status | Should -Be 'Ok'
        }
        finally { docker start $postgres | Out-Null }
        Wait-SandboxHealthy
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while (-not (Get-FrostWalArchive).SlotActive) {
            if ([DateTime]::UtcNow -gt $deadline) { throw 'the archiver did not stream again within 60 s of the database' }
            Start-Sleep -Milliseconds 250
        }
    }

    It 'reports a missing segment as a gap by name, and the gap goes when the segment is back' {
        $name = Close-WalSegment
        $after = Close-WalSegment
        Wait-ArchivedSegment $after
        $aside = Join-Path $config.backupRoot "$name.aside"
        Move-Item (Join-Path $folder $name) $aside
        try {
            $archive = Get-FrostWalArchive
            $archive.Gaps | Should -Be $name
            ($archive.Problems -join "`n") | Should -Match "$name are missing: no recovery can cross them"
            $result = Test-FrostHealth -Check WalArchive | Where-Object Target -EQ $folder
            $result.Status | Should -Be 'Warning'
            $result.Message | Should -Match $name
        }
        finally { Move-Item $aside (Join-Path $folder $name) }
        (Get-FrostWalArchive).Gaps | Should -BeNullOrEmpty
    }

    It 'an archiver gone for longer than max_slot_wal_keep_size: the slot is invalidated, the check is Critical, Enable recreates it and names the gap' {
        $small = New-ConfigVariant -Path (Join-Path $TestDrive 'small-keep.json') -Change { param($c) $c | Add-Member -NotePropertyName walArchive -NotePropertyValue ([pscustomobject]@{ maxSlotWalKeepSize = '16MB' }) -Force }
        (Enable-FrostWalArchive -ConfigPath $small -Confirm:$false).MaxSlotWalKeepSize | Should -Be '16MB'
        docker stop (Get-ArchiverContainer) | Out-Null
        # Four segments of WAL the archiver does not receive, then a checkpoint: the server drops them and the slot.
        1..4 | ForEach-Object { Close-WalSegment | Out-Null }
        Invoke-SandboxSql 'CHECKPOINT' | Out-Null
        Invoke-SandboxSql "SELECT wal_status FROM pg_replication_slots WHERE slot_name = '$slot'" | Should -Be 'lost'

        $slotResult = Test-FrostHealth -Check WalArchive | Where-Object Target -EQ "slot:$slot"
        $slotResult.Status | Should -Be 'Critical'
        $slotResult.Message | Should -Match 'invalidated'

        $warned = Enable-FrostWalArchive -Confirm:$false 3>&1 | Where-Object { $_ -is [Management.Automation.WarningRecord] }
        "$warned" | Should -Match 'dropped and created again'
        $archive = Get-FrostWalArchive
        $archive.SlotActive | Should -BeTrue
        $archive.SlotWalStatus | Should -Not -Be 'lost'
        $archive.MaxSlotWalKeepSize | Should -Be '1GB'
        $next = Close-WalSegment
        Wait-ArchivedSegment $next
        (Get-FrostWalArchive).Gaps | Should -Not -BeNullOrEmpty -Because 'the WAL the server removed is missing from the archive, and says so'
    }
}

Describe 'Disable-FrostWalArchive' {
    It '-WhatIf changes nothing' {
        Disable-FrostWalArchive -WhatIf
        (Get-FrostWalArchive).SlotActive | Should -BeTrue
    }

    It 'removes the service, its container and the slot; the archived WAL stays, the password file goes' {
        $segments = @(Get-ChildItem $folder).Count
        $archive = Disable-FrostWalArchive -Confirm:$false
        $archive.Enabled | Should -BeFalse
        $archive.SlotExists | Should -BeFalse
        Get-ArchiverContainer | Should -BeNullOrEmpty
        Invoke-SandboxSql "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$slot'" | Should -Be '0'
        if (Test-Path $overridePath) { Get-Content -Raw $overridePath | Should -Not -Match 'wal-archive' }
        @(Get-ChildItem $folder).Count | Should -BeGreaterOrEqual ($segments - 1) -Because 'only the .partial segment may be renamed by pg_receivewal''s exit'
        Test-Path $secrets | Should -BeFalse
        Invoke-SandboxSql 'SHOW max_slot_wal_keep_size' | Should -Be '3GB' -Because 'the limit Enable set is put back to what the operator had set'
        Test-Path $keepSizeRecord | Should -BeFalse
        Test-FrostHealth -Check WalArchive | Should -BeNullOrEmpty -Because 'a deployment without archiving has nothing to judge'
    }
}
