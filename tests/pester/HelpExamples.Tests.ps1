# Every example in docs/cmdlets runs against the live sandbox as written, without an error:
# read-only ones for real, state-changing ones under -WhatIf forced on by
# $PSDefaultParameterValues, as a reader trying them would. Fences marked {.noexec} are not run,
# and only a handful may be. Afterwards the sandbox must be as it was.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $pages = Join-Path (Get-RepoRoot) 'docs/cmdlets'
    $examples = foreach ($file in Get-ChildItem -Path $pages -Filter '*.md' | Sort-Object Name) {
        $lines = Get-Content -Path $file.FullName
        $title = $null
        for ($i = 0; $i -lt $lines.Count; $i++) {
            if ($lines[$i] -match '^### (Example \d+: .+)$') { $title = $Matches[1]; continue }
            if ($title -and $lines[$i] -match '^```(powershell|pwsh)\s*(\{\.noexec\})?\s*$') {
                $noExec = [bool]$Matches[2]
                $start = $i + 1
                $end = $start
                while ($end -lt $lines.Count -and $lines[$end] -notmatch '^```\s*$') { $end++ }
                @{ Page = $file.BaseName; Title = $title; Line = $i + 1; NoExec = $noExec
                   Code = ($lines[$start..($end - 1)] -join "`n") }
                $title = $null
                $i = $end
            }
        }
    }
    $runnable = @($examples | Where-Object { -not $_.NoExec })
    $noExecCount = @($examples | Where-Object NoExec).Count
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    Wait-SandboxHealthy
    $sandboxConfig = Get-SandboxConfig

    # What the examples could change: containers (restarts, stops), the backup root, the
    # deployment checkout, the databases and their rows.
    function Get-SandboxPassword {
        $line = Get-Content (Join-Path $sandboxConfig.project.directory '.env') | Where-Object { $_ -like "$($sandboxConfig.database.password.envFileKey)=*" } | Select-Object -First 1
        $line.Substring($line.IndexOf('=') + 1)
    }
    function Invoke-Sql([string] $Sql) {
        $env:PGPASSWORD = Get-SandboxPassword
        try {
            $out = & psql -X -q -t -A -v ON_ERROR_STOP=1 -h $sandboxConfig.database.host -p $sandboxConfig.database.port -U $sandboxConfig.database.user -d $sandboxConfig.database.name -c $Sql 2>&1
            if ($LASTEXITCODE -ne 0) { throw "psql failed: $out" }
            $out -join "`n"
        }
        finally { Remove-Item Env:PGPASSWORD }
    }
    function Get-SandboxSnapshot {
        [ordered]@{
            Containers = (Get-FrostService -ConfigPath $originalConfig | Sort-Object Container |
                    ForEach-Object { "$($_.Container) $($_.ContainerId) $($_.State) $($_.StartedAt) $($_.RestartCount)" }) -join "`n"
            BackupRoot = (Get-ChildItem -Path $sandboxConfig.backupRoot -Force -ErrorAction SilentlyContinue | Sort-Object Name | ForEach-Object Name) -join "`n"
            Deployment = (& git -C $sandboxConfig.project.directory status --porcelain --ignored) -join "`n"
            DeploymentHead = (& git -C $sandboxConfig.project.directory rev-parse HEAD)
            # Examples run in the checkout: under -WhatIf, none may write a file there.
            Checkout = (& git -C (Get-RepoRoot) status --porcelain --untracked-files=all) -join "`n"
            Databases = Invoke-Sql 'select string_agg(datname, '','' order by datname) from pg_database'
            # The worker posts readings all the time, so that table is only counted as a table;
            # a restore would show as new table OIDs (pg_restore --clean recreates them).
            Tables = Invoke-Sql "select string_agg(format('%I.%I oid=%s', n.nspname, c.relname, c.oid), ',' order by n.nspname, c.relname) from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind = 'r' and n.nspname not in ('pg_catalog', 'information_schema')"
            Rows = Invoke-Sql @'
select string_agg(format('%I.%I=%s', schemaname, relname,
    (xpath('/row/c/text()', query_to_xml(format('select count(*) as c from %I.%I', schemaname, relname), false, true, '')))[1]::text), ',' order by schemaname, relname)
from pg_stat_user_tables where relname <> 'readings'
'@
        }
    }

    $originalConfig = $env:FROSTGUARD_CONFIG
    $originalState = $env:FROSTGUARD_STATE
    $before = Get-SandboxSnapshot

    # The examples work on their own backup root and state folder, so the backups they list and
    # test, and the runs they report on, are theirs: one verified backup and one dry run.
    $work = Join-Path ([IO.Path]::GetTempPath()) "frostguard-help-examples-$([guid]::NewGuid().ToString('N'))"
    New-Item -ItemType Directory -Path $work | Out-Null
    $env:FROSTGUARD_CONFIG = New-ConfigVariant -Path (Join-Path $work 'frostguard.json') -Change {
        param($c) $c.backupRoot = Join-Path $work 'backups' }
    $env:FROSTGUARD_STATE = Join-Path $work 'state'
    $null = Invoke-FrostBackup -Verify -Label 'help-examples'
    # A base backup, for the examples of recovery to a point (Restore-FrostBackup -Latest -WhatIf, Test-FrostBackup -Latest).
    $null = Invoke-FrostBackup -Physical -Label 'help-examples'
    $null = Invoke-FrostRunbook (Join-Path (Get-RepoRoot) 'runbooks/daily-operations.md') -WhatIf
    # The fleet examples (-Target, Get-FrostHost) run against the fleet sandbox, with this build on its hosts.
    $env:FROSTGUARD_INVENTORY = Start-TestFleet
    $null = Install-FrostModule -Target db, app, lb -Confirm:$false
    Push-Location (Get-RepoRoot)
}

AfterAll {
    Pop-Location
    Remove-Item Env:FROSTGUARD_INVENTORY -ErrorAction SilentlyContinue
    Stop-TestFleet
    $env:FROSTGUARD_CONFIG = $originalConfig
    $env:FROSTGUARD_STATE = $originalState
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}

Describe 'Help examples' {
    It '<Page> <Title> (line <Line>) runs without error' -ForEach $runnable {
        # Each example runs as a reader would type it, with -WhatIf on for every FrostGuard
        # command that has it; any error, terminating or not, fails it.
        $PSDefaultParameterValues = @{ '*-Frost*:WhatIf' = $true }
        $script = [scriptblock]::Create("`$ErrorActionPreference = 'Stop'`n$Code")
        { $null = & $script } | Should -Not -Throw
    }

    It 'marks at most a handful of examples {.noexec} (<noExecCount>)' -TestCases @{ noExecCount = $noExecCount } {
        $noExecCount | Should -BeLessOrEqual 5 -Because 'an example that cannot run against the sandbox is untested; keep them rare'
    }

    It 'found the examples of every page' -TestCases @{ count = $runnable.Count } {
        $pages = @(Get-ChildItem -Path (Join-Path (Get-RepoRoot) 'docs/cmdlets') -Filter '*.md').Count
        $count | Should -BeGreaterOrEqual (2 * $pages - 5)
    }
}

Describe 'The sandbox after the examples' {
    It 'is as it was: containers, backup root, deployment and source checkouts, databases, tables and rows' {
        $after = Get-SandboxSnapshot
        foreach ($key in $before.Keys) {
            $after[$key] | Should -Be $before[$key] -Because "the examples must not change the sandbox's $key"
        }
    }
}
