# Tab completion through TabExpansion2, as the console asks for it: backup ids from a real
# catalog, health check names from the engine, runbook paths, and section and step ids of the
# runbook named on the same line. (Service names: Services.Tests.ps1.)
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    $work = Join-Path ([IO.Path]::GetTempPath()) "frostguard-completion-$([guid]::NewGuid().ToString('N'))"
    New-Item -ItemType Directory -Path $work | Out-Null

    function Complete([string] $Line) {
        (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches
    }
}

AfterAll {
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}

Describe 'Backup ids' {
    BeforeAll {
        # A real catalog of two backups, in a folder of this test's own.
        $root = Join-Path $work 'backups'
        $first = Invoke-FrostBackup -Destination $root -Label first
        $second = Invoke-FrostBackup -Destination $root -Label second -Verify
        $config = New-ConfigVariant -Path (Join-Path $work 'frostguard.json') -Change { param($c) $c.backupRoot = $root }
    }

    It 'completes Get-FrostBackup -Id with the ids of the backup root named by -Path, newest first' {
        $found = Complete "Get-FrostBackup -Path '$root' -Id "
        $found.CompletionText | Should -Be @($second.Id, $first.Id)
        $found[0].ToolTip | Should -Match 'verified, second'
    }

    It 'completes with the configured backup root, filtered by what is typed' {
        $prefix = $second.Id.Substring(0, $second.Id.Length - 2)
        $found = Complete "Get-FrostBackup -ConfigPath '$config' -Id $prefix"
        $found.CompletionText | Should -Contain $second.Id
        $found.CompletionText | ForEach-Object { $_ | Should -BeLike "$prefix*" }
    }

    It 'completes nothing, and says nothing, for a folder without backups' {
        $empty = New-Item -ItemType Directory -Path (Join-Path $work 'empty')
        Complete "Get-FrostBackup -Path '$empty' -Id " | Should -BeNullOrEmpty
    }
}

Describe 'Release ids' {
    BeforeAll {
        # Two release records, as Update-FrostDeployment writes them, in a state folder of this test's own.
        $savedState = $env:FROSTGUARD_STATE
        $env:FROSTGUARD_STATE = Join-Path $work 'state'
        $project = (Get-SandboxConfig).project.name
        $releases = New-Item -ItemType Directory -Path (Join-Path $env:FROSTGUARD_STATE "releases/$project") -Force
        foreach ($release in @(
                @{ id = '20261101T020000000Z'; created = '2026-11-01T02:00:00+00:00'; status = 'Deployed'; version = 'current' },
                @{ id = '20261120T020000000Z'; created = '2026-11-20T02:00:00+00:00'; status = 'RolledBack'; version = 'broken' })) {
            $release + @{ project = $project; services = @(); tags = @{}; composeHash = 'x' } | ConvertTo-Json |
                Set-Content (Join-Path $releases "$($release.id).json")
        }
        Set-Content (Join-Path $releases 'current') '20261101T020000000Z'
    }

    AfterAll {
        $env:FROSTGUARD_STATE = $savedState
    }

    It 'completes Undo-FrostDeployment -To with the release ids, newest first, the current one marked' {
        $found = Complete 'Undo-FrostDeployment -To '
        $found.CompletionText | Should -Be @('20261120T020000000Z', '20261101T020000000Z')
        $found[0].ToolTip | Should -Match 'RolledBack.*version broken'
        $found[1].ToolTip | Should -Match 'Deployed \(current\)'
    }

    It 'completes Get-FrostRelease -Id by what is typed' {
        (Complete 'Get-FrostRelease -Id 2026110').CompletionText | Should -Be @('20261101T020000000Z')
    }
}

Describe 'Health check names' {
    It 'completes -Check with every check the engine runs, each with what it checks' {
        $found = Complete 'Test-FrostHealth -Check '
        $found.CompletionText | Should -Be @('Containers', 'Database', 'Disk', 'Memory', 'Cpu', 'Http', 'ApiMetrics', 'ErrorRate', 'ResponseTime', 'Certificate', 'BackupFreshness', 'WalArchive')
        ($found | Where-Object CompletionText -eq 'Certificate').ToolTip | Should -Match 'TLS certificate'
    }

    It 'completes a prefix, and takes every name it offers' {
        (Complete 'Test-FrostHealth -Check Da').CompletionText | Should -Be @('Database')
        foreach ($name in (Complete 'Test-FrostHealth -Check ').CompletionText) {
            { Test-FrostHealth -Check $name -ConfigPath (Join-Path $work 'absent.json') } |
                Should -Throw -ErrorId 'ConfigNotFound,FrostGuard.TestFrostHealthCommand' -Because "-Check $name passes validation"
        }
    }

    It 'rejects a name that is not a check, naming the checks' {
        { Test-FrostHealth -Check Disks } | Should -Throw -ErrorId 'ParameterArgumentValidationError,FrostGuard.TestFrostHealthCommand' -ExpectedMessage '*Disks*not a health check*BackupFreshness*'
    }
}

Describe 'Runbook paths' {
    BeforeAll {
        $folder = New-Item -ItemType Directory -Path (Join-Path $work 'manual')
        New-Item -ItemType Directory -Path (Join-Path $folder 'drills') | Out-Null
        Set-Content -Path (Join-Path $folder 'daily.md') -Value '# Daily'
        Set-Content -Path (Join-Path $folder 'daily.log') -Value 'not a runbook'
        Push-Location $folder
    }

    AfterAll { Pop-Location }

    It 'offers folders and Markdown files only, relative to the current location' {
        (Complete 'Invoke-FrostRunbook -Path d').ListItemText | Sort-Object | Should -Be @('daily.md', 'drills')
        (Complete 'Get-FrostRunbook ').ListItemText | Sort-Object | Should -Be @('daily.md', 'drills')
        (Complete 'Get-FrostRunbookRun -Runbook da').ListItemText | Should -Be @('daily.md')
    }

    It 'completes -Section and -Step of the runbook named by the completed path' {
        $line = "Invoke-FrostRunbook -Path '$(Join-Path (Get-RepoRoot) 'runbooks/daily-operations.md')' -Step d"
        (Complete $line).CompletionText | Should -Be @('database-status', 'disk-usage')
        $line = "Invoke-FrostChecklist -Path '$(Join-Path (Get-RepoRoot) 'runbooks/daily-operations.md')' -Section ver"
        (Complete $line).CompletionText | Should -Be @('verify')
    }
}
