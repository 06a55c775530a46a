# Service control, logs, exec and live resources against the live sandbox (Engine API only).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    Wait-SandboxHealthy
}

AfterAll {
    # Whatever a test left behind, the sandbox ends healthy.
    Get-FrostService | Where-Object State -ne 'running' | Start-FrostService -TimeoutSeconds 120
    Wait-SandboxHealthy
}

Describe 'Stop-, Start- and Restart-FrostService' {
    It 'stops the worker, and stopping it again is not an error' {
        Stop-FrostService -Name worker -GracePeriodSeconds 5 -ErrorVariable problems
        (Get-FrostService -Name worker).State | Should -Be 'exited'
        $again = Stop-FrostService -Name worker -PassThru -ErrorVariable moreProblems
        $again.State | Should -Be 'exited'
        $problems.Count + $moreProblems.Count | Should -Be 0
    }

    It 'starts the stopped worker and returns only once it is running and healthy' {
        (Get-FrostService -Name worker).State | Should -Be 'exited' -Because 'the previous test stopped it'
        $started = Start-FrostService -Name worker -PassThru -TimeoutSeconds 90
        $started.State | Should -Be 'running'
        $started.Health | Should -Be 'healthy'
    }

    It 'restarts services piped from Get-FrostService, each waited on until healthy' {
        $before = Get-FrostService -Name backend, worker
        $after = Get-FrostService -Name backend, worker | Restart-FrostService -PassThru -TimeoutSeconds 120
        $after.Service | Should -Be @('backend', 'worker')
        foreach ($service in $after) {
            $service.Health | Should -Be 'healthy'
            $service.StartedAt | Should -BeGreaterThan ($before | Where-Object Service -eq $service.Service).StartedAt
        }
    }

    It 'changes nothing with -WhatIf' {
        $before = (Get-FrostService -Name worker).StartedAt
        Restart-FrostService -Name worker -WhatIf
        (Get-FrostService -Name worker).StartedAt | Should -Be $before
    }

    It 'writes ServiceNotFound for an unknown name and still acts on the known one' {
        $result = Start-FrostService -Name nosuch, worker -PassThru -ErrorVariable problems -ErrorAction SilentlyContinue
        $result.Service | Should -Be 'worker'
        $problems[0].FullyQualifiedErrorId | Should -Be 'ServiceNotFound,FrostGuard.StartFrostServiceCommand'
    }

    It 'fails with ServiceNotReady naming the service when it does not get healthy within the timeout' {
        Stop-FrostService -Name worker -GracePeriodSeconds 5
        try {
            # The worker needs several seconds before its first healthy probe.
            Start-FrostService -Name worker -TimeoutSeconds 1 -ErrorVariable problems -ErrorAction SilentlyContinue
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -Be 'ServiceNotReady,FrostGuard.StartFrostServiceCommand'
            $problems[0].TargetObject | Should -Be 'worker'
            $problems[0].ErrorDetails.RecommendedAction | Should -Match 'Get-FrostLog -Name worker'
        }
        finally {
            Start-FrostService -Name worker -TimeoutSeconds 90
        }
        (Get-FrostService -Name worker).Health | Should -Be 'healthy'
    }
}

Describe 'Get-FrostLog' {
    It 'returns the last lines as objects with service, timestamp, stream and message' {
        $lines = @(Get-FrostLog -Name backend -Tail 5)
        $lines.Count | Should -Be 5
        $lines | ForEach-Object {
            $_.Service | Should -Be 'backend'
            $_.Stream | Should -BeIn 'stdout', 'stderr'
            $_.Timestamp | Should -BeGreaterThan ([DateTimeOffset]::UtcNow.AddHours(-1))
            $_.Message | Should -Not -Match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z '
        }
    }

    It 'filters by -Pattern and -Since' {
        $since = [DateTimeOffset]::UtcNow.AddSeconds(-30)
        $posted = @(Get-FrostLog -Name worker -Since 30s -Pattern 'POSTED sensor=')
        $posted.Count | Should -BeGreaterThan 5 -Because 'the worker posts a reading every 300 ms'
        $posted | ForEach-Object { $_.Message | Should -Match 'posted sensor=' ; $_.Timestamp | Should -BeGreaterOrEqual $since.AddSeconds(-1) }
        @(Get-FrostLog -Name worker -Since 30s -Pattern 'no line says this').Count | Should -Be 0
    }

    It 'demultiplexes stderr from stdout' {
        # nginx (-e stderr) writes its error log to stderr and its access log to stdout: a body
        # over client_max_body_size gives one line on each. curl -k is the test's own client.
        $port = (Get-SandboxConfig).tls.port
        $body = Join-Path ([IO.Path]::GetTempPath()) "fg-big-$([guid]::NewGuid().ToString('N'))"
        [IO.File]::WriteAllBytes($body, [byte[]]::new(2MB))
        try { curl -sk -o /dev/null -H 'Expect:' --data-binary "@$body" "https://127.0.0.1:$port/api/readings" } finally { Remove-Item $body }
        $lines = Get-FrostLog -Name proxy -Since 1m
        $lines | Where-Object { $_.Stream -eq 'stderr' -and $_.Message -match 'client intended to send too large body' } | Should -Not -BeNullOrEmpty
        $lines | Where-Object { $_.Stream -eq 'stdout' -and $_.Message -match 'POST /api/readings .* 413 ' } | Should -Not -BeNullOrEmpty
    }

    It 'follows new lines until stopped' {
        $manifest = Get-ModuleManifestPath
        $job = Start-ThreadJob {
            Import-Module $using:manifest -ErrorAction Stop
            Get-FrostLog -Name worker -Tail 0 -Follow -ConfigPath $using:env:FROSTGUARD_CONFIG
        }
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(20)
            $received = @()
            while ($received.Count -lt 3 -and [DateTime]::UtcNow -lt $deadline) {
                $received += @(Receive-Job $job)
                Start-Sleep -Milliseconds 200
            }
            $received.Count | Should -BeGreaterOrEqual 3 -Because 'the worker logs a line every 300 ms'
            $received[0].Service | Should -Be 'worker'
            $job.State | Should -Be 'Running' -Because '-Follow keeps streaming'
        }
        finally {
            Stop-Job $job
            Remove-Job $job -Force
        }
    }

    It 'rejects a -Since that is not a duration with InvalidDuration' {
        { Get-FrostLog -Name worker -Since 'yesterday-ish' -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidDuration,FrostGuard.GetFrostLogCommand'
    }
}

Describe 'Invoke-FrostServiceCommand' {
    It 'streams the output of a command in the container and reports success' {
        $output = Invoke-FrostServiceCommand -Name postgres -- /usr/lib/postgresql/15/bin/pg_isready -h 127.0.0.1 -p (Get-SandboxConfig).database.port
        $output | Should -Match 'accepting connections'
        $LASTEXITCODE | Should -Be 0
    }

    It 'passes each argument as it is and reports a non-zero exit code as ServiceCommandFailed' {
        $output = Invoke-FrostServiceCommand -Name worker -PassThru -ErrorVariable problems -ErrorAction SilentlyContinue -InformationVariable info `
            -- /usr/bin/bash -c 'echo "one two"; echo to-stderr >&2; exit 7'
        $output[0] | Should -Be 'one two'
        $output[1].ExitCode | Should -Be 7
        $LASTEXITCODE | Should -Be 7
        ($info | ForEach-Object { "$($_.MessageData)" }) | Should -Contain 'to-stderr'
        $problems[0].FullyQualifiedErrorId | Should -Be 'ServiceCommandFailed,FrostGuard.InvokeFrostServiceCommandCommand'
    }
}

Describe 'Get-FrostService -Resources' {
    It 'reports CPU and memory like docker stats, and nothing without -Resources' {
        (Get-FrostService -Name backend).Resources | Should -BeNullOrEmpty
        $backend = Get-FrostService -Name backend -Resources
        $resources = $backend.Resources
        # The daemon's own word for its cgroup version (FrostGuard tells it from the samples instead):
        # v1 here, v2 on a stock Debian 12.
        $cgroup = "v$(docker info --format '{{.CgroupVersion}}')"
        $cgroup | Should -BeIn @('v1', 'v2') -Because 'docker info names the cgroup version the daemon runs on'
        $resources.CgroupVersion | Should -Be $cgroup -Because "the Docker daemon runs cgroup $cgroup"
        $resources.OnlineCpus | Should -Be ([Environment]::ProcessorCount)
        $resources.SampleInterval | Should -BeGreaterThan ([TimeSpan]::Zero)
        $resources.MemoryBytes | Should -BeGreaterThan 10MB -Because 'a .NET web host uses tens of MiB'
        $resources.MemoryLimitBytes | Should -BeGreaterThan $resources.MemoryBytes
        # docker stats shows the same figure (usage minus inactive file cache) to within a few MiB.
        $cli = docker stats --no-stream --format '{{.MemUsage}}' $backend.Container
        $cliMiB = [double]($cli -replace '^([\d.]+)MiB.*', '$1')
        [math]::Abs($resources.MemoryBytes / 1MB - $cliMiB) | Should -BeLessThan 8
    }

    It 'reports the CPU of a busy container: more than a tenth of one CPU, no more than all of them' {
        $backend = Get-FrostService -Name backend
        # One shell spinning for 6 s, covering both samples: close to 100 (one whole CPU) on an idle
        # host, less on a loaded one. A figure stuck at 0, or counters mixed up in their units (ns,
        # µs, clock ticks), lands outside these bounds; 'at least 0' could not fail.
        docker exec -d $backend.Container /usr/bin/timeout 6 /bin/sh -c 'while :; do :; done'
        $LASTEXITCODE | Should -Be 0
        # Sampled only once the spinner runs (bounded: 5 s).
        $deadline = [DateTime]::UtcNow.AddSeconds(5)
        while (-not (docker top $backend.Container -eo args | Select-String -SimpleMatch 'while :' -Quiet) -and [DateTime]::UtcNow -lt $deadline) {
            Start-Sleep -Milliseconds 50
        }
        $resources = (Get-FrostService -Name backend -Resources).Resources
        $resources.CpuPercent | Should -BeGreaterThan 10 -Because 'a shell spinning in the container keeps one CPU busy'
        $resources.CpuPercent | Should -BeLessOrEqual (100 * $resources.OnlineCpus * 1.05) -Because 'each CPU counts 100 at most (5% for sampling jitter)'
    }
}
