# "Safety IV" outside the crash points: one change of the deployment at a time, and a restore
# that stops the writers before its safety backup, refuses to go on without one unless told,
# and leaves a service that was stopped before it stopped. Against the live sandbox, with the
# suite's own backup roots and state folder; the sandbox is left healthy with its data.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    Wait-SandboxHealthy

    $work = Join-Path ([IO.Path]::GetTempPath()) "frostguard-changes-$([guid]::NewGuid().ToString('N'))"
    New-Item -ItemType Directory -Path $work | Out-Null
    $savedState = $env:FROSTGUARD_STATE
    $env:FROSTGUARD_STATE = Join-Path $work 'state'
    $config = Get-SandboxConfig
    $envPath = Join-Path $config.project.directory '.env'
    # Safety backups land in the suite's own root; a root under a regular file cannot hold one.
    $safetyRoot = Join-Path $work 'safety'
    $withSafety = New-ConfigVariant -Path (Join-Path $work 'safety.json') -Change { param($c) $c.backupRoot = $safetyRoot }
    $blocker = Join-Path $work 'a-file'
    Set-Content -Path $blocker -Value 'not a folder'
    $noSafety = New-ConfigVariant -Path (Join-Path $work 'no-safety.json') -Change { param($c) $c.backupRoot = (Join-Path $blocker 'backups') }
    $source = Invoke-FrostBackup -Destination (Join-Path $work 'root') -Label 'changes source'

    function Get-ContainerTime([string] $Service, [string] $Field) {
        [DateTimeOffset]::Parse((docker inspect -f "{{.State.$Field}}" (Get-SandboxContainer $Service)), [Globalization.CultureInfo]::InvariantCulture)
    }
}

AfterAll {
    Get-FrostService | Where-Object State -NE 'running' | Start-FrostService -TimeoutSeconds 120 | Out-Null
    Wait-SandboxHealthy
    $env:FROSTGUARD_STATE = $savedState
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}

Describe 'One change of the deployment at a time' {
    It 'refuses a rotation and an update while another process holds the deployment lock, naming the holder, changing nothing' {
        New-Item -ItemType Directory -Force -Path $env:FROSTGUARD_STATE | Out-Null
        $lock = Join-Path $env:FROSTGUARD_STATE 'deployment.lock'
        Set-Content -Path $lock -Value 'PID 4242: a change started by hand'
        $envBefore = (Get-FileHash $envPath).Hash
        # .NET takes flock(2) for FileShare.None on Linux: the same lock FrostGuard takes, held by this handle.
        $held = [IO.File]::Open($lock, 'OpenOrCreate', 'ReadWrite', 'None')
        try {
            $rotation = try { Update-FrostSecret -Name DatabasePassword -Confirm:$false; $null } catch { $_ }
            $update = try { Update-FrostDeployment -Version next -Service backend -SkipBackup -Confirm:$false -ErrorAction Stop; $null } catch { $_ }

            foreach ($failure in $rotation, $update) {
                $failure.FullyQualifiedErrorId | Should -BeLike 'DeploymentChangeInProgress,*'
                $failure.Exception.Message | Should -Match 'PID 4242: a change started by hand'
                $failure.Exception.Message | Should -Match 'changed nothing'
            }
            (Get-FileHash $envPath).Hash | Should -Be $envBefore
        }
        finally {
            $held.Dispose()
        }
    }
}

Describe 'Restore-FrostBackup and its safety backup' {
    It 'stops the writers before it takes the safety backup, and starts them after' {
        $began = [DateTimeOffset]::UtcNow
        $restored = $source | Restore-FrostBackup -ConfigPath $withSafety -Confirm:$false
        $safety = Get-FrostBackup -Path $safetyRoot -Id $restored.SafetyBackupId
        foreach ($writer in 'backend', 'worker') {
            (Get-ContainerTime $writer FinishedAt) | Should -BeGreaterThan $began -Because "the restore stopped $writer"
            (Get-ContainerTime $writer FinishedAt) | Should -BeLessThan $safety.Created -Because "$writer stopped before the safety backup began"
            (Get-ContainerTime $writer StartedAt) | Should -BeGreaterThan $safety.Created
        }
        Wait-SandboxHealthy
    }

    It 'refuses to restore when the safety backup cannot be taken, names -SkipSafetyBackup, and starts the writers again' {
        $before = (Get-FrostService -Name backend).ContainerId
        $source | Restore-FrostBackup -ConfigPath $noSafety -Confirm:$false -ErrorVariable failed -ErrorAction SilentlyContinue | Out-Null

        $failed[0].FullyQualifiedErrorId | Should -BeLike 'SafetyBackupFailed,*'
        $failed[0].Exception.Message | Should -Match 'Nothing was restored'
        $failed[0].ErrorDetails.RecommendedAction | Should -Match 'Restore-FrostBackup -SkipSafetyBackup'
        Wait-SandboxHealthy -TimeoutSeconds 60
        (Get-FrostService -Name backend).ContainerId | Should -Be $before
    }

    It 'restores without a safety backup when told to (-SkipSafetyBackup), and says so' {
        $restored = $source | Restore-FrostBackup -ConfigPath $noSafety -SkipSafetyBackup -Confirm:$false -WarningVariable warned -WarningAction SilentlyContinue
        $restored.SafetyBackupId | Should -BeNullOrEmpty
        "$warned" | Should -Match 'No safety backup \(-SkipSafetyBackup\)'
        Wait-SandboxHealthy
    }

    It 'hands a restore that failed while the database changed on at once: the next restore stops the writers, puts the safety backup back, starts them' {
        $env:FROSTGUARD_FAIL_AT = 'restore.database-changing'
        try {
            $failed = try { $source | Restore-FrostBackup -ConfigPath $withSafety -Confirm:$false -ErrorAction Stop | Out-Null; $null } catch { $_ }
        }
        finally { Remove-Item Env:FROSTGUARD_FAIL_AT }
        "$failed" | Should -Match 'A fault injected at restore.database-changing'
        $null = Get-FrostService -WarningVariable named -WarningAction SilentlyContinue
        "$named" | Should -Match 'Restore-FrostBackup .* failed at restore.database-changing'
        Wait-SandboxHealthy

        $resolving = [DateTimeOffset]::UtcNow
        $warned = $source | Restore-FrostBackup -ConfigPath $withSafety -Confirm:$false 3>&1 | Where-Object { $_ -is [Management.Automation.WarningRecord] }
        "$warned" | Should -Match 'Undone: the database was put back from the safety backup'
        (Get-ContainerTime worker FinishedAt) | Should -BeGreaterThan $resolving -Because 'the writers stopped before the database changed again'
        Test-Path (Join-Path $env:FROSTGUARD_STATE "operations/$($config.project.name)/restore.json") | Should -BeFalse
        Wait-SandboxHealthy
    }

    It 'leaves a service that was stopped before the restore stopped' {
        Stop-FrostService -Name worker -GracePeriodSeconds 5
        try {
            $null = $source | Restore-FrostBackup -ConfigPath $withSafety -Confirm:$false
            (Get-FrostService -Name worker).State | Should -Not -Be 'running'
            (Get-FrostService -Name backend).State | Should -Be 'running'
        }
        finally {
            Start-FrostService -Name worker -TimeoutSeconds 90 | Out-Null
        }
    }
}
