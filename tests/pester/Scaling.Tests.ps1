# Scale, limits and scaling advice against the live sandbox. The override file they write is
# removed again, so the sandbox ends unscaled, without limits, at 'current' and healthy.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    Wait-SandboxHealthy

    $config = Get-SandboxConfig
    $deployment = $config.project.directory
    $override = Join-Path $deployment 'docker-compose.override.yml'
    $envPath = Join-Path $deployment '.env'
    if (Test-Path $override) { throw "$override exists before the scaling tests; remove it (Set-FrostServiceScale worker 1; Set-FrostServiceLimit backend -Remove)." }

    function Get-Worker { @(Get-FrostService -Name worker) }
    function Get-BackendTag { ((Get-Content $envPath | Where-Object { $_ -like 'BACKEND_TAG=*' } | Select-Object -Last 1) -split '=', 2)[1] }
}

AfterAll {
    $from = $script:updateFrom
    if ($from -and (Get-BackendTag) -ne 'current') {
        Undo-FrostDeployment -To $from -RestoreDatabase -Confirm:$false | Out-Null
    }
    Set-FrostServiceScale -Name worker -Replicas 1 -Confirm:$false | Out-Null
    Set-FrostServiceLimit -Name backend -Remove -Confirm:$false | Out-Null
    Wait-SandboxHealthy
}

Describe 'Set-FrostServiceScale and Set-FrostServiceLimit' {
    It '-WhatIf writes no override file and changes no container' {
        $before = (Get-FrostService).ContainerId -join ','
        Set-FrostServiceScale -Name worker -Replicas 3 -WhatIf
        Set-FrostServiceLimit -Name backend -Memory 512MB -Cpus 1.5 -WhatIf
        Test-Path $override | Should -BeFalse
        (Get-FrostService).ContainerId -join ',' | Should -Be $before
    }

    It 'refuses to scale the backend: it listens on a port of the host network' {
        { Set-FrostServiceScale -Name backend -Replicas 2 -ErrorAction Stop } |
            Should -Throw -ErrorId 'ScaleNotPossible,FrostGuard.SetFrostServiceScaleCommand'
        Test-Path $override | Should -BeFalse
    }

    It 'warns first when a limit is below what the service uses now' {
        Set-FrostServiceLimit -Name backend -Memory 8MB -WhatIf -WarningVariable warned 3>$null
        "$warned" | Should -Match 'uses .* MiB now, more than the new memory limit of 8.0 MiB'
    }

    It 'scales the worker to three instances, each running and healthy (the worker binds no port)' {
        $result = Set-FrostServiceScale -Name worker -Replicas 3 -Confirm:$false
        $result.Replicas | Should -Be 3
        $result.RunningInstances | Should -Be 3
        Get-Content -Raw $override | Should -Match '(?m)^    scale: 3$'
        $workers = @(Get-FrostService -Name worker -Resources)
        $workers | Should -HaveCount 3
        # Compose numbers a new container after the highest number it has seen, so after an update (the new worker starts beside the old) the numbers need not start at 1.
        @($workers.Instance | Sort-Object -Unique) | Should -HaveCount 3
        $workers | ForEach-Object { $_.Health | Should -Be 'healthy'; $_.Resources | Should -Not -BeNullOrEmpty }
    }

    It 'limits the backend to 512 MB and 1.5 CPUs, shown by Get-FrostService -Resources' {
        $result = Set-FrostServiceLimit -Name backend -Memory 512MB -Cpus 1.5 -Confirm:$false
        $result.MemoryLimit | Should -Be 512MB
        $result.Cpus | Should -Be 1.5
        $backend = Get-FrostService -Name backend -Resources
        $backend.MemoryLimit | Should -Be 512MB
        $backend.CpuLimit | Should -Be 1.5
        $backend.Resources.MemoryLimitBytes | Should -Be 512MB
        $backend.pstypenames[0] | Should -Be 'FrostGuard.FrostService#Resources'
        ($backend | Format-Table | Out-String -Width 200) | Should -Match '512 MiB'
        @(Get-FrostService -Name worker).Count | Should -Be 3 -Because 'the limit keeps the scale'
    }

    It 'keeps the scale and the limits through an update and its undo' {
        $result = Update-FrostDeployment -Version next -Service backend -Confirm:$false
        $script:updateFrom = $result.FromRelease
        $result.Succeeded | Should -BeTrue
        $backend = Get-FrostService -Name backend
        $backend.Image | Should -BeLike '*:next'
        $backend.MemoryLimit | Should -Be 512MB
        $backend.CpuLimit | Should -Be 1.5
        @(Get-Worker | Where-Object Health -eq 'healthy') | Should -HaveCount 3

        Undo-FrostDeployment -To $script:updateFrom -RestoreDatabase -Confirm:$false | Out-Null
        $backend = Get-FrostService -Name backend
        $backend.Image | Should -BeLike '*:current'
        $backend.MemoryLimit | Should -Be 512MB
        @(Get-Worker) | Should -HaveCount 3
    }

    It 'returns to one worker and no limits, and removes the override file' {
        Set-FrostServiceScale -Name worker -Replicas 1 -Confirm:$false | Out-Null
        Set-FrostServiceLimit -Name backend -Remove -Confirm:$false | Out-Null
        Test-Path $override | Should -BeFalse
        @(Get-Worker) | Should -HaveCount 1
        (Get-FrostService -Name backend).MemoryLimit | Should -BeNullOrEmpty
        (Get-FrostService -Name backend).CpuLimit | Should -BeNullOrEmpty
    }

    It 'will not overwrite an override file it did not write' {
        Set-Content -Path $override -Value "services:`n  worker:`n    scale: 2"
        try {
            { Set-FrostServiceScale -Name worker -Replicas 2 -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId 'OverrideFileNotManaged,FrostGuard.SetFrostServiceScaleCommand'
            Get-Content -Raw $override | Should -Match 'scale: 2'
        }
        finally { Remove-Item $override }
    }
}

Describe 'Get-FrostScalingAdvice' {
    It 'judges measured use by the thresholds and gives its numbers' {
        $advice = @(Get-FrostScalingAdvice)
        $advice | Should -Not -BeNullOrEmpty
        foreach ($a in $advice) {
            $a.Reason | Should -Not -BeNullOrEmpty
            $a.Evidence | Should -Not -BeNullOrEmpty
        }
        ($advice.Evidence -join "`n") | Should -Match 'Cpu host: [0-9.]+%'
    }

    It 'advises scaling up when the host crosses its CPU line' {
        $table = Join-Path $TestDrive 'low-thresholds.md'
        Set-Content -Path $table -Value @'
# Thresholds for the test

| Metric | Warning | Critical |
|--------|---------|----------|
| CPU Usage | > 0% | - |
| Memory Usage | > 99% | - |
'@
        $advice = @(Get-FrostScalingAdvice -Threshold $table)
        $up = $advice | Where-Object { $_.Recommendation -eq 'ScaleUp' -and $_.Target -eq 'host' }
        $up | Should -Not -BeNullOrEmpty
        $up.Reason | Should -Match 'CPU'
        $advice.Recommendation | Should -Not -Contain 'ScaleOut' -Because 'a host out of CPU gains nothing from more instances on it'
    }
}
