# "Safety II": a drill or a recovery into a new folder never touches the live deployment. The
# monthly runbook's drill runs exactly as the runbook writes it, beside the live sandbox, and
# the live sandbox is compared before and after; then the refusals.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    Wait-SandboxHealthy
    $config = Get-SandboxConfig
    $passphrase = ConvertTo-SecureString 'the isolation tests passphrase' -AsPlainText -Force
    $work = Join-Path ([IO.Path]::GetTempPath()) "frostguard-isolation-$([guid]::NewGuid().ToString('N'))"
    New-Item -ItemType Directory -Path $work | Out-Null
    $liveData = (Get-Content (Join-Path $config.project.directory '.env') | Where-Object { $_ -like 'PG_DATA=*' }) -replace '^PG_DATA=', ''

    function Invoke-Sql([string] $Sql) {
        $line = Get-Content (Join-Path $config.project.directory '.env') | Where-Object { $_ -like "$($config.database.password.envFileKey)=*" } | Select-Object -First 1
        $env:PGPASSWORD = $line.Substring($line.IndexOf('=') + 1)
        try {
            $out = & psql -X -q -t -A -v ON_ERROR_STOP=1 -h $config.database.host -p $config.database.port -U $config.database.user -d $config.database.name -c $Sql 2>&1
            if ($LASTEXITCODE -ne 0) { throw "psql failed: $out" }
            $out
        }
        finally { Remove-Item Env:PGPASSWORD }
    }

    # What "untouched" means for the live sandbox: the same containers (ids, start times, restarts),
    # and the same data folder (its entries and its postmaster.pid, which a second postmaster rewrites).
    function Get-LiveSnapshot {
        [ordered]@{
            Containers = (docker ps -a --filter "label=com.docker.compose.project=$($config.project.name)" --format '{{.ID}}' |
                    ForEach-Object { docker inspect -f '{{.Name}} {{.Id}} {{.State.StartedAt}} {{.RestartCount}} {{.State.Status}}' $_ } | Sort-Object) -join "`n"
            DataFolder = (Get-ChildItem -Force $liveData | Sort-Object Name | ForEach-Object Name) -join ','
            Postmaster = (Get-Content -Raw (Join-Path $liveData 'postmaster.pid')) + (Get-Item (Join-Path $liveData 'postmaster.pid')).LastWriteTimeUtc.Ticks
        }
    }

    function Get-DrillContainers([string] $Project) {
        @(docker ps -a --filter "label=com.docker.compose.project=$Project" --format '{{.Names}}')
    }

    $backup = Invoke-FrostBackup -IncludeConfig -Passphrase $passphrase -Verify -Label 'isolation'
}

AfterAll {
    if ($backup) { $backup | Remove-FrostBackup -Confirm:$false }
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}

Describe 'The monthly recovery drill, run as the runbook writes it' {
    BeforeAll {
        # A change made after the backup: the live database must still have it after the drill.
        $marker = "fg-isolation-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        Invoke-Sql "INSERT INTO sites (name, city) VALUES ('$marker', 'Nowhere')" | Out-Null
        $before = Get-LiveSnapshot
        $drillFolder = Join-Path $work 'drill'
        $results = @(Invoke-FrostRunbook (Join-Path (Get-RepoRoot) 'runbooks/monthly-maintenance.md') -Section recovery-drill `
                -Parameter @{ DrillPassphrase = $passphrase; DrillFolder = $drillFolder } -ErrorVariable failures -ErrorAction SilentlyContinue 6>$null)
    }

    AfterAll {
        Invoke-Sql "DELETE FROM sites WHERE name = '$marker'" | Out-Null
    }

    It 'runs every step of the drill section, and the drill is measured' {
        $failures | ForEach-Object ToString | Should -BeNullOrEmpty
        $results.StepId | Should -Be @('drill-backup', 'drill-recover', 'drill-objectives')
        $results | Where-Object Status -ne 'Succeeded' | ForEach-Object { "$($_.StepId): $($_.Status) $($_.Error)" } | Should -BeNullOrEmpty
        $output = ($results | Where-Object StepId -eq 'drill-recover').Output
        $output | Should -Match 'RemovedAfterDrill\s*:\s*True'
        $output -match 'Project\s*:\s*(\S+)' | Should -BeTrue
        $script:drillProject = $Matches[1]
        $drillProject | Should -Not -Be $config.project.name
        (Get-FrostRecoveryStatus | Where-Object Id -eq 'full-recovery').MeasuredAt | Should -BeGreaterThan (Get-Date).AddMinutes(-10)
    }

    It 'left the live containers, their start times and the live data folder as they were' {
        $after = Get-LiveSnapshot
        foreach ($key in $before.Keys) { $after[$key] | Should -Be $before[$key] -Because "the drill must not touch the live $key" }
        Get-FrostService | Where-Object { $_.State -ne 'running' -or $_.Health -notin 'healthy', 'none' } | Should -BeNullOrEmpty
    }

    It 'left the live database with the change made after the backup' {
        Invoke-Sql "SELECT count(*) FROM sites WHERE name = '$marker'" | Should -Be '1'
    }

    It 'removed its own containers, folder and data' {
        Get-DrillContainers $drillProject | Should -BeNullOrEmpty
        @(docker volume ls -q --filter "label=com.docker.compose.project=$drillProject") | Should -BeNullOrEmpty
        Test-Path $drillFolder | Should -BeFalse
        Test-Path "$drillFolder.frostguard" | Should -BeFalse
    }
}

Describe 'Restore-FrostDeployment refuses before touching anything' {
    BeforeEach {
        $target = Join-Path $work "refused-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $before = Get-LiveSnapshot
    }

    AfterEach {
        Test-Path $target | Should -BeFalse -Because 'a refused recovery writes nothing'
        Test-Path "$target.frostguard" | Should -BeFalse
        (Get-LiveSnapshot).Containers | Should -Be $before.Containers
    }

    It 'a port something listens on' {
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $listener.Start()
        try {
            $busy = ([Net.IPEndPoint]$listener.LocalEndpoint).Port
            $backup | Restore-FrostDeployment -Path $target -Passphrase $passphrase -Environment @{ PG_PORT = "$busy" } -Confirm:$false -ErrorVariable failed -ErrorAction SilentlyContinue
            $failed[0].FullyQualifiedErrorId | Should -Be 'DeploymentIsolationRefused,FrostGuard.RestoreFrostDeploymentCommand'
            "$($failed[0])" | Should -Match "PG_PORT=$busy.*listens on port $busy"
        }
        finally { $listener.Stop() }
    }

    It 'the live data folder' {
        $backup | Restore-FrostDeployment -Path $target -Passphrase $passphrase -Environment @{ PG_DATA = $liveData } -Confirm:$false -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed[0].FullyQualifiedErrorId | Should -Be 'DeploymentIsolationRefused,FrostGuard.RestoreFrostDeploymentCommand'
        "$($failed[0])" | Should -Match ([regex]::Escape("PG_DATA=$liveData") + '.*mounts that folder')
    }

    It 'a project name in use' {
        $backup | Restore-FrostDeployment -Path $target -Passphrase $passphrase -ProjectName $config.project.name -Confirm:$false -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed[0].FullyQualifiedErrorId | Should -Be 'DeploymentIsolationRefused,FrostGuard.RestoreFrostDeploymentCommand'
        "$($failed[0])" | Should -Match "project name $($config.project.name) is in use"
    }

    It 'a configuration given with -TargetConfigPath that still names the live project and endpoints' {
        $liveCopy = New-ConfigVariant -Path (Join-Path $work 'live-copy.json') -Change { param($c) $c.project.directory = $target }
        $backup | Restore-FrostDeployment -Drill -Path $target -Passphrase $passphrase -ProjectName 'frostguard-isolation-x' -TargetConfigPath $liveCopy -Confirm:$false -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed[0].FullyQualifiedErrorId | Should -Be 'DeploymentIsolationRefused,FrostGuard.RestoreFrostDeploymentCommand'
        "$($failed[0])" | Should -Match "names project $($config.project.name), and the recovery runs as frostguard-isolation-x"
        "$($failed[0])" | Should -Match "database.port in .* is port $($config.database.port)"
    }

    It 'a recovery in place while the old deployment exists' {
        $backup | Restore-FrostDeployment -InPlace -Path $target -Passphrase $passphrase -Confirm:$false -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed[0].FullyQualifiedErrorId | Should -Be 'DeploymentIsolationRefused,FrostGuard.RestoreFrostDeploymentCommand'
        "$($failed[0])" | Should -Match "project $($config.project.name) still has containers"
        "$($failed[0])" | Should -Match 'listens on port'
    }

    It '-WhatIf names the project, ports and data folder a recovery would get, and changes nothing' {
        # -WhatIf writes to the host, so it is read from a child pwsh's output.
        $whatIf = & (Get-PwshPath) -NoProfile -NonInteractive -Command @"
Import-Module '$(Get-ModuleManifestPath)'
`$p = ConvertTo-SecureString 'the isolation tests passphrase' -AsPlainText -Force
Get-FrostBackup -Id '$($backup.Id)' | Restore-FrostDeployment -Path '$target' -Passphrase `$p -WhatIf
"@ 2>&1
        $whatIf = $whatIf -join ' '
        $LASTEXITCODE | Should -Be 0 -Because $whatIf
        $whatIf | Should -Match "What if: .*project $($config.project.name)-recovered"
        $whatIf | Should -Match "PG_PORT $($config.database.port) -> \d+"
        $whatIf | Should -Match ([regex]::Escape("PG_DATA $liveData -> $target.frostguard/data/pg_data"))
    }
}
