# Test-FrostHealth and Get-FrostThreshold against the live sandbox: faults are injected for real
# (containers stopped, the backend's chaos switch, a short-lived certificate) and always undone.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    Wait-SandboxHealthy
    $script:config = Get-SandboxConfig
    $script:backend = "http://127.0.0.1:$(([uri]$config.health.metricsUrl).Port)"
    $script:http = [System.Net.Http.HttpClient]::new()

    function Set-Chaos([double] $ErrorRate, [int] $LatencyMs) {
        $body = [System.Net.Http.StringContent]::new((@{ errorRate = $ErrorRate; latencyMs = $LatencyMs } | ConvertTo-Json), [Text.Encoding]::UTF8, 'application/json')
        $response = $script:http.PutAsync("$script:backend/admin/chaos", $body).GetAwaiter().GetResult()
        $response.EnsureSuccessStatusCode() | Out-Null
    }

    # Real API traffic, $Parallel requests at a time, straight to the backend.
    function Send-ApiTraffic([int] $Count, [int] $Parallel = 20) {
        for ($sent = 0; $sent -lt $Count; $sent += $Parallel) {
            $tasks = @(1..([math]::Min($Parallel, $Count - $sent)) | ForEach-Object { $script:http.GetAsync("$script:backend/api/sensors") })
            [System.Threading.Tasks.Task]::WaitAll([System.Threading.Tasks.Task[]]$tasks)
            $tasks | ForEach-Object { $_.Result.Dispose() }
        }
    }

    # Starts from a kept scrape, so the next run judges exactly the traffic sent in between.
    function Reset-MetricsBaseline {
        $null = Test-FrostHealth -Check ErrorRate
        Start-Sleep -Milliseconds 1100 # the kept scrape must be at least 1 s old to be used
    }
}

AfterAll {
    Set-Chaos 0 0
    Get-FrostService | Where-Object State -ne 'running' | Start-FrostService -TimeoutSeconds 180
    Wait-SandboxHealthy -TimeoutSeconds 180
    $script:http.Dispose()
}

Describe 'Test-FrostHealth on a healthy sandbox' {
    BeforeAll {
        $script:clock = [Diagnostics.Stopwatch]::StartNew()
        $script:results = @(Test-FrostHealth)
        $script:wall = $clock.Elapsed
    }

    It 'reports every check, one result per target, with threshold, message and duration' {
        $results.Check | Sort-Object -Unique | Should -Be @('BackupFreshness', 'Certificate', 'Containers', 'Cpu', 'Database', 'Disk', 'ErrorRate', 'Http', 'Memory', 'ResponseTime')
        ($results | Where-Object Check -eq 'Containers').Target | Should -Be @('backend', 'postgres', 'proxy', 'worker')
        ($results | Where-Object Check -eq 'Disk').Count | Should -Be 3 -Because 'Docker data root, database data and backup root'
        foreach ($result in $results) {
            $result.Threshold | Should -Not -BeNullOrEmpty
            $result.Message | Should -Not -BeNullOrEmpty
            $result.Duration | Should -BeGreaterThan ([TimeSpan]::Zero)
        }
    }

    It 'finds nothing Warning or Critical in the deployment' {
        # Host CPU and memory belong to the whole machine, which other sandboxes share: they are
        # judged (and shown) but not held against the deployment here.
        $bad = @($results | Where-Object { $_.Status -in 'Warning', 'Critical' -and $_.Target -ne 'host' })
        $bad | ForEach-Object { "$($_.Check) $($_.Target): $($_.Message)" } | Should -BeNullOrEmpty
        ($results | Where-Object Check -in 'Containers', 'Database', 'Http', 'Certificate', 'Disk').Status | Should -Not -Contain 'Unknown'
    }

    It 'trusts the self-signed proxy certificate through tls.caFile and reports its days left' {
        $certificate = $results | Where-Object Check -eq 'Certificate'
        $certificate.Status | Should -Be 'Ok'
        $certificate.Unit | Should -Be 'days'
        $certificate.Observed | Should -BeGreaterThan 30
        ($results | Where-Object Check -eq 'Http').Message | Should -Match '^200 OK'
    }

    It 'runs the checks concurrently: the total stays close to the slowest check' {
        $slowest = ($results | Measure-Object -Property { $_.Duration.TotalMilliseconds } -Maximum).Maximum
        $wall.TotalMilliseconds | Should -BeLessThan (1.3 * $slowest + 300)
        Write-Host ("    wall {0:N0} ms, slowest check {1:N0} ms" -f $wall.TotalMilliseconds, $slowest)
    }

    It 'answers -Quiet with one bool' {
        $answer = Test-FrostHealth -Check Containers, Database, Http, Certificate -Quiet
        $answer | Should -BeOfType [bool]
        $answer | Should -BeTrue
    }
}

Describe 'Test-FrostHealth with faults injected' {
    It 'reports Containers Critical for a stopped worker, and the others Ok' {
        Stop-FrostService -Name worker -GracePeriodSeconds 5
        try {
            $containers = Test-FrostHealth -Check Containers
            ($containers | Where-Object Target -eq 'worker').Status | Should -Be 'Critical'
            ($containers | Where-Object Target -eq 'worker').Message | Should -Match 'Start-FrostService -Name worker'
            ($containers | Where-Object Target -ne 'worker').Status | Should -Not -Contain 'Critical'
            Test-FrostHealth -Check Containers -Quiet | Should -BeFalse
        }
        finally {
            Start-FrostService -Name worker -TimeoutSeconds 120
        }
    }

    It 'reports Database and Http Critical when postgres stops, while the other checks still report' {
        Stop-FrostService -Name postgres -GracePeriodSeconds 10
        try {
            $results = @(Test-FrostHealth)
            $database = $results | Where-Object Check -eq 'Database'
            $database.Status | Should -Be 'Critical'
            $database.Message | Should -Match 'Cannot connect to PostgreSQL'
            ($results | Where-Object Check -eq 'Http').Status | Should -Be 'Critical' -Because "the backend's /health answers 503 without its database"
            ($results | Where-Object Check -eq 'Http').Message | Should -Match '503'
            ($results | Where-Object { $_.Check -eq 'Containers' -and $_.Target -eq 'postgres' }).Status | Should -Be 'Critical'
            foreach ($other in 'Disk', 'Certificate', 'Memory', 'Cpu') {
                ($results | Where-Object Check -eq $other).Status | Should -Not -BeNullOrEmpty -Because "$other still reports"
            }
            ($results | Where-Object Check -eq 'Certificate').Status | Should -Be 'Ok'
        }
        finally {
            Start-FrostService -Name postgres -TimeoutSeconds 120
            Wait-SandboxHealthy -TimeoutSeconds 180
        }
        (Test-FrostHealth -Check Database, Http).Status | Should -Not -Contain 'Critical'
    }

    It 'reports ErrorRate Critical while the backend fails 10% of API requests' {
        Reset-MetricsBaseline
        Set-Chaos 0.1 0
        try {
            Send-ApiTraffic -Count 400
            $errorRate = Test-FrostHealth -Check ErrorRate
        }
        finally {
            Set-Chaos 0 0
        }
        $errorRate.Status | Should -Be 'Critical'
        $errorRate.Observed | Should -BeGreaterThan 5
        $errorRate.Observed | Should -BeLessThan 20
        $errorRate.Message | Should -Match 'since the scrape kept from the previous run'
    }

    It 'reports ResponseTime (p95) Warning with 800 ms of added latency' {
        Reset-MetricsBaseline
        Set-Chaos 0 800
        try {
            Send-ApiTraffic -Count 60 -Parallel 30
            $p95 = Test-FrostHealth -Check ResponseTime
        }
        finally {
            Set-Chaos 0 0
        }
        $p95.Status | Should -Be 'Warning'
        $p95.Observed | Should -BeGreaterThan 500
        $p95.Observed | Should -BeLessThan 2000
        $p95.Unit | Should -Be 'ms'
    }

    It 'keeps the API metrics Ok for the same traffic without faults' {
        Reset-MetricsBaseline
        Send-ApiTraffic -Count 100
        $api = Test-FrostHealth -Check ApiMetrics
        $api.Status | Should -Be @('Ok', 'Ok')
    }

    It 'reports Certificate Critical when the proxy serves a certificate expiring in 3 days' {
        $tls = Join-Path $env:FROSTGUARD_SANDBOX_ROOT 'tls'
        $saved = Join-Path ([IO.Path]::GetTempPath()) "fg-tls-$([guid]::NewGuid().ToString('N'))"
        New-Item -ItemType Directory $saved | Out-Null
        Copy-Item (Join-Path $tls '*.pem') $saved -Force
        try {
            openssl req -x509 -newkey rsa:2048 -nodes -days 3 -subj '/CN=localhost' -addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' `
                -keyout (Join-Path $tls 'key.pem') -out (Join-Path $tls 'cert.pem') 2>$null
            $LASTEXITCODE | Should -Be 0
            chown 10002:10002 (Join-Path $tls 'key.pem') (Join-Path $tls 'cert.pem')
            Restart-FrostService -Name proxy -TimeoutSeconds 60
            $certificate = Test-FrostHealth -Check Certificate
            $certificate.Status | Should -Be 'Critical'
            $certificate.Observed | Should -BeLessThan 3.01
            $certificate.Message | Should -Match '< 7 days'
        }
        finally {
            Copy-Item (Join-Path $saved '*.pem') $tls -Force
            chown 10002:10002 (Join-Path $tls 'key.pem') (Join-Path $tls 'cert.pem')
            Remove-Item -Recurse $saved
            Restart-FrostService -Name proxy -TimeoutSeconds 60
        }
        (Test-FrostHealth -Check Certificate).Status | Should -Be 'Ok'
    }

    It 'reports Http Critical, naming the reason, when the self-signed certificate is not trusted' {
        $variant = New-ConfigVariant -Path (Join-Path $TestDrive 'no-ca.json') -Change { param($c) $c.tls.PSObject.Properties.Remove('caFile') }
        $http = Test-FrostHealth -Check Http -ConfigPath $variant
        $http.Status | Should -Be 'Critical'
        $http.Message | Should -Match 'not trusted by the system store, and no tls.caFile'
    }

    It 'gives a check that runs out of time Unknown, and the others their verdict' {
        # A health URL whose server accepts the connection and never answers.
        $silent = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $silent.Start()
        try {
            $port = $silent.LocalEndpoint.Port
            $variant = New-ConfigVariant -Path (Join-Path $TestDrive 'silent.json') -Change { param($c) $c.health.healthUrl = "http://127.0.0.1:$port/health" }
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $results = @(Test-FrostHealth -Check Http, Containers -TimeoutSeconds 1 -ConfigPath $variant)
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 3
        }
        finally { $silent.Stop() }
        $http = $results | Where-Object Check -eq 'Http'
        $http.Status | Should -Be 'Unknown'
        $http.Message | Should -Match 'did not finish within 1 s'
        ($results | Where-Object Check -eq 'Containers').Status | Should -Not -Contain 'Unknown'
    }
}

Describe 'Thresholds from the manual' {
    BeforeAll {
        $script:manual = Join-Path (Get-RepoRoot) 'runbooks/monitoring.md'
    }

    It 'reads the shipped table into typed thresholds equal to the built-in defaults' {
        $thresholds = Get-FrostThreshold -Path $manual
        $cpu = $thresholds | Where-Object { $_.Key -eq 'cpu' -and $_.Level -eq 'Warning' }
        $cpu.Value | Should -Be 70
        $cpu.Comparison | Should -Be 'GreaterThan'
        $cpu.Sustained | Should -Be ([TimeSpan]::FromMinutes(5))
        $cpu.Source | Should -Match 'monitoring\.md:\d+$'
        ($thresholds | Where-Object { $_.Key -eq 'response-time-p95' -and $_.Level -eq 'Critical' }).Value | Should -Be 2000
        # The configuration's manualPath is this checkout's runbooks/: same answer without -Path.
        (Get-FrostThreshold | Where-Object Key -eq 'disk').Source | Should -Match 'monitoring\.md'
    }

    It 'changes the outcome when a number in a copy of the manual changes' {
        $copy = Join-Path $TestDrive 'monitoring.md'
        (Get-Content -Raw $manual) -replace '\| Disk Usage \| > 70% \| > 85% \|', '| Disk Usage | > 0.1% | > 0.2% |' | Set-Content $copy
        (Test-FrostHealth -Check Disk).Status | Should -Not -Contain 'Critical'
        $disk = Test-FrostHealth -Check Disk -Threshold $copy
        $disk.Status | Should -Be @('Critical', 'Critical', 'Critical')
        $disk[0].Message | Should -Match ([regex]::Escape("${copy}:"))
        (Test-FrostHealth -Check Disk -Threshold (Get-FrostThreshold -Path $copy)).Status | Should -Be @('Critical', 'Critical', 'Critical')
    }

    It 'stops with ThresholdInvalid naming the file and line of an unreadable cell' {
        $copy = Join-Path $TestDrive 'broken.md'
        (Get-Content -Raw $manual) -replace '\| API Error Rate \| > 1% \|', '| API Error Rate | above one percent |' | Set-Content $copy
        $line = (Select-String -Path $copy -Pattern 'above one percent').LineNumber
        { Get-FrostThreshold -Path $copy -ErrorAction Stop } | Should -Throw -ErrorId 'ThresholdInvalid,FrostGuard.GetFrostThresholdCommand'
        try { Test-FrostHealth -Check Disk -Threshold $copy -ErrorAction Stop } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -Be 'ThresholdInvalid,FrostGuard.TestFrostHealthCommand'
        $caught.Exception.Message | Should -BeLike "$($copy):$($line): *above one percent*"
    }
}

Describe 'Export-FrostHealthMetric' {
    It 'writes the results in the textfile collector format, replacing the file whole' {
        $file = Join-Path $TestDrive 'frostguard.prom'
        Set-Content $file 'stale'
        $results = @(Test-FrostHealth -Check Containers, Disk)
        $results | Export-FrostHealthMetric -Path $file
        $text = Get-Content -Raw $file
        $text | Should -Not -Match 'stale'
        $text | Should -Match '# TYPE frostguard_health_status gauge'
        foreach ($result in $results) {
            $text | Should -Match ([regex]::Escape("frostguard_health_status{check=`"$($result.Check)`",target=`"$($result.Target)`",status=`"$($result.Status)`"} $([int]$result.Status)"))
        }
        @(Get-ChildItem -Force $TestDrive | Where-Object Name -like '*.tmp').Count | Should -Be 0
    }

    It 'changes nothing with -WhatIf, and fails with ExportFailed for a missing folder' {
        $file = Join-Path $TestDrive 'whatif.prom'
        Test-FrostHealth -Check Containers | Export-FrostHealthMetric -Path $file -WhatIf
        Test-Path $file | Should -BeFalse
        { Test-FrostHealth -Check Containers | Export-FrostHealthMetric -Path (Join-Path $TestDrive 'no/such/folder/x.prom') -ErrorAction Stop } |
            Should -Throw -ErrorId 'ExportFailed,FrostGuard.ExportFrostHealthMetricCommand'
    }
}

Describe 'Send-FrostAlert' {
    BeforeAll {
        # A webhook on 127.0.0.1 that answers each request with the next status of its plan
        # (0 = never answer) and returns what it received.
        function Start-Webhook([int[]] $Plan) {
            $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
            $probe.Start(); $port = $probe.LocalEndpoint.Port; $probe.Stop()
            $job = Start-ThreadJob -ArgumentList $port, $Plan -ScriptBlock {
                param($port, $plan)
                $listener = [System.Net.HttpListener]::new()
                $listener.Prefixes.Add("http://127.0.0.1:$port/")
                $listener.Start()
                try {
                    foreach ($status in $plan) {
                        $context = $listener.GetContext()
                        $reader = [IO.StreamReader]::new($context.Request.InputStream)
                        [pscustomobject]@{ Path = $context.Request.Url.PathAndQuery; ContentType = $context.Request.ContentType; Body = $reader.ReadToEnd() }
                        if ($status -eq 0) { Start-Sleep -Seconds 5; continue } # the client gives up first
                        $context.Response.StatusCode = $status
                        $context.Response.Close()
                    }
                }
                finally { $listener.Stop() }
            }
            # Wait until it listens: a refused connection would count as a failed attempt.
            $deadline = [DateTime]::UtcNow.AddSeconds(10)
            while ($true) {
                $client = [System.Net.Sockets.TcpClient]::new()
                try { $client.Connect([System.Net.IPAddress]::Loopback, $port); break }
                catch [System.Net.Sockets.SocketException] { if ([DateTime]::UtcNow -gt $deadline) { throw "the test webhook did not start listening on port $port" } ; Start-Sleep -Milliseconds 50 }
                finally { $client.Dispose() }
            }
            [pscustomobject]@{ Uri = "http://127.0.0.1:$port/services/T0/B0/secret-token"; Job = $job }
        }

        $script:critical = [FrostGuard.FrostHealthResult]@{ Check = 'Database'; Target = '127.0.0.1:1/frostguard'; Status = 'Critical'; Threshold = 'reachable'; Message = 'Cannot connect' }
        $script:ok = [FrostGuard.FrostHealthResult]@{ Check = 'Disk'; Target = '/'; Status = 'Ok'; Threshold = '> 85%'; Message = 'fine' }
    }

    It 'posts the non-Ok results as Slack-compatible JSON, retrying a 500' {
        $hook = Start-Webhook -Plan 500, 200
        try {
            $delivery = $critical, $ok | Send-FrostAlert -Uri $hook.Uri -WarningVariable warnings -WarningAction SilentlyContinue
            $received = @($hook.Job | Wait-Job -Timeout 20 | Receive-Job)
        }
        finally { Remove-Job $hook.Job -Force }
        $delivery.Attempts | Should -Be 2
        $delivery.StatusCode | Should -Be 200
        $delivery.Alerts | Should -Be 1
        $delivery.Webhook | Should -Not -Match 'secret-token' -Because "a webhook's path is its secret"
        $warnings.Count | Should -Be 1
        $received.Count | Should -Be 2
        $received[1].Path | Should -Be '/services/T0/B0/secret-token'
        $received[1].ContentType | Should -Match 'application/json'
        $body = $received[1].Body | ConvertFrom-Json
        $body.text | Should -Match 'Critical: Database'
        $body.text | Should -Not -Match 'Disk' -Because 'Ok results are not alerts'
        $body.blocks[1].text.text | Should -Match '\*Critical\* Database'
    }

    It 'gives up after -MaxAttempts timeouts with AlertDeliveryFailed, without showing the secret' {
        $hook = Start-Webhook -Plan 0, 0
        try {
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $critical | Send-FrostAlert -Uri $hook.Uri -TimeoutSeconds 1 -MaxAttempts 2 -ErrorVariable problems -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
            $elapsed = $clock.Elapsed
        }
        finally { Remove-Job $hook.Job -Force }
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'AlertDeliveryFailed,FrostGuard.SendFrostAlertCommand'
        $problems[0].Exception.Message | Should -Match 'after 2 attempt\(s\): no answer within 1 s'
        $problems[0].Exception.Message | Should -Not -Match 'secret-token'
        $elapsed.TotalSeconds | Should -BeLessThan 5 -Because 'two 1 s attempts and a 0.5 s back-off'
    }

    It 'does not retry a 4xx refusal, and posts nothing when every result is Ok' {
        $hook = Start-Webhook -Plan 404
        try {
            $critical | Send-FrostAlert -Uri $hook.Uri -ErrorVariable problems -ErrorAction SilentlyContinue
            @($hook.Job | Wait-Job -Timeout 10 | Receive-Job).Count | Should -Be 1
        }
        finally { Remove-Job $hook.Job -Force }
        $problems[0].Exception.Message | Should -Match 'after 1 attempt\(s\): 404'
        $ok | Send-FrostAlert -Uri 'http://127.0.0.1:9/never' | Should -BeNullOrEmpty
    }
}

Describe 'Export-FrostAlertRule' {
    BeforeAll {
        $script:promtool = Get-PrometheusTool promtool

        # A promtool unit test per threshold: one series just across the line (must fire after its
        # "for" window) and one just short of it (must not).
        function New-RuleTest([object[]] $Thresholds, [string] $RulesFile) {
            $selectors = @{
                'cpu' = @{ check = 'Cpu' }; 'memory' = @{ check = 'Memory' }; 'disk' = @{ check = 'Disk' }
                'error-rate' = @{ check = 'ErrorRate' }; 'response-time-p95' = @{ check = 'ResponseTime' }
                'database-connections' = @{ check = 'Database'; target = 'connections' }
                'longest-transaction' = @{ check = 'Database'; target = 'longest-transaction' }
                'certificate-expiry' = @{ check = 'Certificate' }
                'replication-lag' = @{ check = 'Database'; target = 'replica:standby-1@127.0.0.1' }
                'wal-archive-lag' = @{ check = 'WalArchive'; target = 'archive-lag' }
            }
            $lines = @("rule_files: ['$RulesFile']", 'evaluation_interval: 1m', 'tests:')
            foreach ($t in $Thresholds) {
                $delta = [math]::Max(0.01, [math]::Abs($t.Value) * 0.01)
                $up = $t.Comparison -in 'GreaterThan', 'GreaterThanOrEqual'
                $across = if ($up) { $t.Value + $delta } else { $t.Value - $delta }
                $short = if ($up) { $t.Value - $delta } else { $t.Value + $delta }
                $labels = @{} + $selectors[$t.Key]
                if (-not $labels.ContainsKey('target')) { $labels.target = 'node-1' }
                $name = 'FrostGuard' + ((($t.Metric -split '[ ()\-_]') | Where-Object { $_ } | ForEach-Object { $_.Substring(0, 1).ToUpperInvariant() + $_.Substring(1) }) -join '') + $t.Level
                $series = { param($instance) 'frostguard_health_observed{' + ((@($labels.GetEnumerator() | Sort-Object Key | ForEach-Object { "$($_.Key)=`"$($_.Value)`"" }) + "instance=`"$instance`"") -join ',') + '}' }
                $unit = if ($t.Unit -eq '%') { '%' } else { " $($t.Unit)" }
                $evalMinutes = [int][math]::Ceiling(($t.Sustained ?? [TimeSpan]::Zero).TotalMinutes) + 2
                $lines += @(
                    '  - interval: 1m'
                    '    input_series:'
                    "      - series: '$(& $series 'across')'"
                    "        values: '$($across.ToString([cultureinfo]::InvariantCulture))x15'"
                    "      - series: '$(& $series 'short')'"
                    "        values: '$($short.ToString([cultureinfo]::InvariantCulture))x15'"
                    '    alert_rule_test:'
                    "      - eval_time: $($evalMinutes)m"
                    "        alertname: $name"
                    '        exp_alerts:'
                    '          - exp_labels:'
                    "              severity: $($t.Level.ToString().ToLowerInvariant())"
                    "              instance: across"
                )
                foreach ($label in $labels.GetEnumerator()) { $lines += "              $($label.Key): $($label.Value)" }
                $lines += @(
                    '            exp_annotations:'
                    "              summary: '$($t.Metric) $($t.Symbol) $($t.Value.ToString([cultureinfo]::InvariantCulture))$unit on $($labels.target)'"
                    "              source: '$($t.Source)'"
                )
            }
            $lines -join "`n"
        }
    }

    It 'writes rules that promtool accepts and that fire just across each line of the table, not just short of it' {
        $rules = Join-Path $TestDrive 'rules.yml'
        Export-FrostAlertRule -Path $rules
        $check = & $promtool check rules $rules 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($check -join "`n")
        $thresholds = @(Get-FrostThreshold)
        $check -join "`n" | Should -Match "SUCCESS: $($thresholds.Count + 2) rules found" -Because 'one rule per line of the table, and two on the WAL archive check''s verdict'

        $test = Join-Path $TestDrive 'rules.test.yml'
        New-RuleTest -Thresholds $thresholds -RulesFile $rules | Set-Content $test
        $outcome = & $promtool test rules $test 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($outcome -join "`n")
    }

    It 'fires on the WAL archive check''s verdict: Critical for a lost slot, Warning for a gap, nothing when Ok' {
        $rules = Join-Path $TestDrive 'verdict.yml'
        Export-FrostAlertRule -Path $rules
        $test = Join-Path $TestDrive 'verdict.test.yml'
        @"
rule_files: ['$rules']
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'frostguard_health_status{check="WalArchive",target="slot:frostguard_wal_archive",status="Critical"}'
        values: '2x5'
      - series: 'frostguard_health_status{check="WalArchive",target="/backups/wal/p",status="Warning"}'
        values: '1x5'
      - series: 'frostguard_health_status{check="WalArchive",target="archive-lag",status="Critical"}'
        values: '2x5'
      - series: 'frostguard_health_status{check="WalArchive",target="slot:ok",status="Ok"}'
        values: '0x5'
    alert_rule_test:
      - eval_time: 2m
        alertname: FrostGuardWalArchiveCritical
        exp_alerts:
          - exp_labels: { severity: critical, check: WalArchive, target: 'slot:frostguard_wal_archive', status: Critical }
            exp_annotations:
              summary: 'WAL archiving is broken on slot:frostguard_wal_archive: recovery to the latest point is not possible (Get-FrostWalArchive says why)'
              source: 'built-in'
      - eval_time: 2m
        alertname: FrostGuardWalArchiveWarning
        exp_alerts:
          - exp_labels: { severity: warning, check: WalArchive, target: '/backups/wal/p', status: Warning }
            exp_annotations:
              summary: 'The WAL archive /backups/wal/p has a gap or a timeline without history (Get-FrostWalArchive says which)'
              source: 'built-in'
"@ | Set-Content $test
        $outcome = & $promtool test rules $test 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($outcome -join "`n")
    }

    It 'follows a number changed in a copy of the manual, and a rule test written for the old number fails' {
        $copy = Join-Path $TestDrive 'monitoring.md'
        (Get-Content -Raw (Join-Path (Get-RepoRoot) 'runbooks/monitoring.md')) -replace '\| API Error Rate \| > 1% \| > 5% \|', '| API Error Rate | > 2% | > 10% |' | Set-Content $copy
        $rules = Join-Path $TestDrive 'edited.yml'
        Get-FrostThreshold -Path $copy | Export-FrostAlertRule -Path $rules
        (Get-Content -Raw $rules) | Should -Match ([regex]::Escape('frostguard_health_observed{check="ErrorRate"} > 10'))
        $edited = @(Get-FrostThreshold -Path $copy | Where-Object Key -eq 'error-rate')
        $test = Join-Path $TestDrive 'edited.test.yml'
        New-RuleTest -Thresholds $edited -RulesFile $rules | Set-Content $test
        & $promtool test rules $test 2>&1 | Out-Null
        $LASTEXITCODE | Should -Be 0
        # The same test against the shipped numbers must fail: the test can tell them apart.
        New-RuleTest -Thresholds @(Get-FrostThreshold | Where-Object Key -eq 'error-rate') -RulesFile $rules | Set-Content $test
        & $promtool test rules $test 2>&1 | Out-Null
        $LASTEXITCODE | Should -Not -Be 0
    }
}

Describe 'Export-FrostDashboard' {
    BeforeAll {
        # Grafana's published schema (npm @grafana/schema) and the TypeScript compiler check the
        # dashboard JSON against the schema's Dashboard type: unknown keys and wrong types fail.
        $script:schemaFolder = Join-Path (Get-RepoRoot) '.artifacts/grafana-schema'
        if (-not (Test-Path (Join-Path $schemaFolder 'node_modules/.bin/tsc'))) {
            New-Item -ItemType Directory -Force $schemaFolder | Out-Null
            Set-Content (Join-Path $schemaFolder 'package.json') '{"private":true}'
            Push-Location $schemaFolder
            try { npm install --no-audit --no-fund '@grafana/schema@13.2.3' 'typescript@5' 2>&1 | Out-Null } finally { Pop-Location }
        }

        function Test-AgainstGrafanaSchema([string] $Json) {
            $file = Join-Path $schemaFolder "check-$([guid]::NewGuid().ToString('N')).ts"
            @(
                "import type { Dashboard } from '@grafana/schema';"
                '// JSON has no enums: each string enum of the schema is compared by its values.'
                'type Jsonish<T> = T extends string ? `${T}` : T extends number | boolean | null | undefined ? T : T extends Array<infer U> ? Array<Jsonish<U>> : T extends object ? { [K in keyof T]: Jsonish<T[K]> } : T;'
                "export const dashboard = $Json satisfies Jsonish<Dashboard>;"
            ) | Set-Content $file
            try {
                $output = & (Join-Path $schemaFolder 'node_modules/.bin/tsc') --noEmit --strict --skipLibCheck --moduleResolution bundler --module esnext --target es2022 $file 2>&1
                [pscustomobject]@{ Valid = $LASTEXITCODE -eq 0; Output = $output -join "`n" }
            }
            finally { Remove-Item $file }
        }
    }

    It "is valid against Grafana's published dashboard schema, and a broken copy is not" {
        $file = Join-Path $TestDrive 'dashboard.json'
        Export-FrostDashboard -Path $file
        $json = Get-Content -Raw $file
        $check = Test-AgainstGrafanaSchema $json
        $check.Valid | Should -BeTrue -Because $check.Output
        (Test-AgainstGrafanaSchema ($json -replace '"schemaVersion": 39', '"schemaVersion": "39"')).Valid | Should -BeFalse
        (Test-AgainstGrafanaSchema ($json -replace '"mode": "absolute"', '"mode": "absolut"')).Valid | Should -BeFalse
    }

    It 'has a panel per metric whose warning and critical lines equal the table' {
        $file = Join-Path $TestDrive 'dashboard.json'
        Export-FrostDashboard -Path $file
        $dashboard = Get-Content -Raw $file | ConvertFrom-Json
        $thresholds = @(Get-FrostThreshold)
        $dashboard.panels.Count | Should -Be (@($thresholds.Key | Sort-Object -Unique).Count + 1) -Because 'a panel per metric, and the WAL archive verdict'
        ($dashboard.panels | Where-Object title -EQ 'WAL archive verdict').targets.expr | Should -Match 'frostguard_health_status\{check="WalArchive"'
        foreach ($t in $thresholds) {
            $panel = $dashboard.panels | Where-Object title -eq $t.Metric
            $panel | Should -Not -BeNullOrEmpty -Because "$($t.Metric) needs a panel"
            $steps = $panel.fieldConfig.defaults.thresholds.steps
            $color = if ($t.Level -eq 'Critical') { 'red' } else { 'orange' }
            $downwards = $t.Comparison -in 'LessThan', 'LessThanOrEqual'
            # Grafana colours from each step's value upwards: a "<" line's colour sits below it.
            if ($downwards) {
                $index = [array]::FindIndex([object[]]$steps, [Predicate[object]] { param($s) $s.value -eq $t.Value })
                $steps[$index - 1].color | Should -Be $color -Because "$($t.Metric) $($t.Level) < $($t.Value)"
            }
            else {
                ($steps | Where-Object color -eq $color).value | Should -Be $t.Value -Because "$($t.Metric) $($t.Level) > $($t.Value)"
            }
            $panel.targets[0].expr | Should -Match '^frostguard_health_observed\{check="'
        }
    }
}

Describe 'Export-FrostAlertRule and Export-FrostDashboard with the thresholds of the configuration' {
    # Their shared base opens the session when no thresholds come down the pipeline. Opening it
    # reads SessionState and writes a warning for each operation record it cannot use: Write*
    # from any thread but the pipeline's throws, so a session opened inside the engine work fails
    # the command instead of warning.
    BeforeAll {
        $script:ownState = Join-Path $TestDrive 'state'
        $records = New-Item -ItemType Directory -Force (Join-Path $ownState 'operations/session-thread')
        Set-Content (Join-Path $records 'not-a-frostguard-record.json') '{}'
        $script:ownConfig = Join-Path $TestDrive 'session-thread.json'
        @{ project = @{ name = 'session-thread'; directory = $TestDrive }
           database = @{ name = 'db'; user = 'u'; password = @{ environmentVariable = 'FROSTGUARD_TEST_UNUSED' } } } |
            ConvertTo-Json -Depth 5 | Set-Content $ownConfig
        $script:stateBefore = $env:FROSTGUARD_STATE
        $env:FROSTGUARD_STATE = $ownState
    }

    AfterAll {
        $env:FROSTGUARD_STATE = $script:stateBefore
    }

    It '<Command> opens its session on the pipeline thread: the record it cannot use is a warning, not a failure' -ForEach @(
        @{ Command = 'Export-FrostAlertRule' }, @{ Command = 'Export-FrostDashboard' }
    ) {
        $file = Join-Path $TestDrive "$Command.out"
        & $Command -ConfigPath $ownConfig -Path $file -WhatIf -WarningVariable warnings -WarningAction SilentlyContinue -ErrorVariable problems
        $problems.Count | Should -Be 0 -Because ($problems -join "`n")
        @($warnings.Message) -join "`n" | Should -Match 'not-a-frostguard-record\.json cannot be used'
        Test-Path $file | Should -BeFalse -Because '-WhatIf writes nothing'
    }
}

Describe 'Backup freshness' {
    BeforeAll {
        $script:freshRoot = Join-Path ([IO.Path]::GetTempPath()) "frostguard-freshness-$([guid]::NewGuid().ToString('N'))"
        $script:freshManual = Join-Path ([IO.Path]::GetTempPath()) "frostguard-manual-$([guid]::NewGuid().ToString('N'))"
        New-Item -ItemType Directory -Path $freshRoot, $freshManual | Out-Null
        Copy-Item (Join-Path (Get-RepoRoot) 'runbooks/*.md') $freshManual
        $script:freshConfig = New-ConfigVariant -Path (Join-Path $freshManual 'frostguard.json') -Change {
            param($c) $c.backupRoot = $script:freshRoot; $c.manualPath = $script:freshManual }
    }

    AfterAll {
        Remove-Item -Recurse -Force $freshRoot, $freshManual -ErrorAction SilentlyContinue
    }

    It 'is Unknown, with the reason, until a verified backup exists' {
        $result = Test-FrostHealth -ConfigPath $freshConfig -Check BackupFreshness
        $result.Status | Should -Be 'Unknown'
        $result.Message | Should -Match 'No verified backup'
    }

    It 'is Ok with a fresh verified backup, and Critical once the backup is older than the objective in the manual' {
        $backup = Invoke-FrostBackup -ConfigPath $freshConfig -Verify
        $ok = Test-FrostHealth -ConfigPath $freshConfig -Check BackupFreshness
        $ok.Status | Should -Be 'Ok'
        $ok.Message | Should -Match $backup.Id
        $ok.Threshold | Should -Match '24 h'

        $objectives = Join-Path $freshManual 'disaster-recovery.md'
        (Get-Content -Raw $objectives) -replace '(\| `rpo` \|[^|]*\|) 24 h \|', '$1 1 s |' | Set-Content $objectives
        while (([DateTimeOffset]::UtcNow - $backup.Created).TotalSeconds -le 1.5) { Start-Sleep -Milliseconds 100 }
        $late = Test-FrostHealth -ConfigPath $freshConfig -Check BackupFreshness
        $late.Status | Should -Be 'Critical'
        $late.Message | Should -Match 'Invoke-FrostBackup -Verify'
    }
}
