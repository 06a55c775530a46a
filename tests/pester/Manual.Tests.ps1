# The operations manual in runbooks/ is also the automation: it must stay valid against the
# cmdlets, run for real against the sandbox, and its checklists must catch real faults.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $manual = @(Get-ChildItem (Join-Path (Get-RepoRoot) 'runbooks') -Filter '*.md' | ForEach-Object { @{ Name = $_.Name; Path = $_.FullName } })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    $daily = Join-Path (Get-RepoRoot) 'runbooks/daily-operations.md'
    Wait-SandboxHealthy
    # The recovery chapters' read-only steps test the newest backup: this file must not depend on
    # another suite having taken one first (run alone, a fresh sandbox has none).
    if (-not (Get-FrostBackup -Latest)) { $null = Invoke-FrostBackup -Verify -Label 'manual-tests' }
}

Describe 'runbooks/<Name>' -ForEach $manual {
    It 'passes Test-FrostRunbook with no errors' {
        $errors = @(Test-FrostRunbook $Path | Where-Object Severity -eq 'Error')
        $errors | ForEach-Object ToString | Should -BeNullOrEmpty
    }

    It 'runs as a dry run: read-only steps for real and succeeding, nothing failing' {
        $results = @(Invoke-FrostRunbook $Path -WhatIf -ErrorVariable failures -ErrorAction SilentlyContinue 6>$null)
        $failures | ForEach-Object ToString | Should -BeNullOrEmpty
        $results | Where-Object Status -notin 'Succeeded', 'WhatIf', 'Skipped' | ForEach-Object { "$($_.StepId): $($_.Status) $($_.Error)" } | Should -BeNullOrEmpty
        $readOnly = @((Get-FrostRunbook $Path).Steps | Where-Object { $_.IsReadOnly -and $_.Role -eq 'Normal' -and -not $_.When } | ForEach-Object Id)
        $results | Where-Object { $_.StepId -in $readOnly -and $_.Status -ne 'Succeeded' } | ForEach-Object StepId | Should -BeNullOrEmpty
    }
}

Describe 'database-backups.md against the sandbox' {
    It 'takes and verifies a manual backup for real' {
        $before = Get-FrostBackup -Latest
        $results = Invoke-FrostRunbook (Join-Path (Get-RepoRoot) 'runbooks/database-backups.md') -Section manual-backup -Parameter @{ Label = 'runbook-manual' } 6>$null
        $results | Where-Object Status -ne 'Succeeded' | ForEach-Object { "$($_.StepId): $($_.Status) $($_.Error)" } | Should -BeNullOrEmpty
        $latest = Get-FrostBackup -Latest
        $latest.Id | Should -Not -Be $before.Id
        $latest.Label | Should -Be 'runbook-manual'
        $latest.Verified | Should -BeTrue
    }
}

Describe 'disaster-recovery.md against the sandbox' {
    It 'runs the restore drill for real and records the measured restore' {
        $results = Invoke-FrostRunbook (Join-Path (Get-RepoRoot) 'runbooks/disaster-recovery.md') -Section restore-drill 6>$null
        $results | Where-Object Status -ne 'Succeeded' | ForEach-Object { "$($_.StepId): $($_.Status) $($_.Error)" } | Should -BeNullOrEmpty
        $restore = Get-FrostRecoveryStatus | Where-Object Id -eq 'database-restore'
        $restore.MeasuredAt | Should -BeGreaterThan (Get-Date).AddMinutes(-5)
    }
}

Describe 'daily-operations.md against the sandbox' {
    It 'runs end to end, every step succeeding' {
        $results = Invoke-FrostRunbook $daily 6>$null
        $results.Count | Should -BeGreaterOrEqual 4
        $results | Where-Object Status -ne 'Succeeded' | ForEach-Object { "$($_.StepId): $($_.Status) $($_.Error)" } | Should -BeNullOrEmpty
    }

    It 'has a checklist that passes on a healthy sandbox and fails the right items when the worker is stopped' {
        $script = @"
Import-Module '$(Get-ModuleManifestPath)'
`$r = Invoke-FrostChecklist '$daily' 6>`$null
@{ Passed = `$r.PassedCount; Failed = @(`$r.Failed.ExpandedName) } | ConvertTo-Json
"@
        $healthy = Invoke-FreshPwsh $script
        $healthy.Failed | Should -BeNullOrEmpty
        $healthy.Passed | Should -BeGreaterOrEqual 4

        $worker = Get-SandboxContainer worker
        docker stop --time 5 $worker | Out-Null
        try {
            $broken = Invoke-FreshPwsh $script
        }
        finally {
            docker start $worker | Out-Null
        }
        Wait-SandboxHealthy
        $broken.Failed | Should -Be @('Every service is running, and healthy where it has a healthcheck', 'The worker is running and posting readings')
    }
}
