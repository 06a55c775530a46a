# API error rate and p95 through PromQL: a real Prometheus server (Debian's prometheus package,
# unpacked like promtool in Health.Tests, never installed as a service) run by this test on
# 127.0.0.1:29093, scraping the sandbox backend's /metrics every second into a temporary storage
# folder; stopped by its process id in AfterAll, also when a test fails.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    Wait-SandboxHealthy
    $script:config = Get-SandboxConfig
    $script:backend = "http://127.0.0.1:$(([uri]$config.health.metricsUrl).Port)"
    $script:http = [System.Net.Http.HttpClient]::new()
    $script:prometheusUrl = 'http://127.0.0.1:29093'

    function Set-Chaos([double] $ErrorRate, [int] $LatencyMs) {
        $body = [System.Net.Http.StringContent]::new((@{ errorRate = $ErrorRate; latencyMs = $LatencyMs } | ConvertTo-Json), [Text.Encoding]::UTF8, 'application/json')
        $script:http.PutAsync("$script:backend/admin/chaos", $body).GetAwaiter().GetResult().EnsureSuccessStatusCode() | Out-Null
    }
    function Send-ApiTraffic([int] $Count, [int] $Parallel = 20) {
        for ($sent = 0; $sent -lt $Count; $sent += $Parallel) {
            $tasks = @(1..([math]::Min($Parallel, $Count - $sent)) | ForEach-Object { $script:http.GetAsync("$script:backend/api/sensors") })
            [System.Threading.Tasks.Task]::WaitAll([System.Threading.Tasks.Task[]]$tasks)
            $tasks | ForEach-Object { $_.Result.Dispose() }
        }
    }
    function Get-PromValue([string] $Query) {
        try { $answer = Invoke-RestMethod "$script:prometheusUrl/api/v1/query?query=$([uri]::EscapeDataString($Query))" -TimeoutSec 5 }
        catch { return $null } # not listening yet
        if ($answer.data.result.Count -eq 0) { return $null }
        [double]$answer.data.result[0].value[1]
    }
    # Waits on a condition: the query's value is at least $AtLeast.
    function Wait-PromValue([string] $Query, [double] $AtLeast, [int] $TimeoutSeconds = 30) {
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        while (-not (($seen = Get-PromValue $Query) -ge $AtLeast)) {
            if ([DateTime]::UtcNow -gt $deadline) { throw "Prometheus answered $seen, not at least $AtLeast, for $Query within $TimeoutSeconds s" }
            Start-Sleep -Milliseconds 250
        }
    }
    # Waits on a condition: Prometheus has scraped at least $Requests requests into its window.
    function Wait-Scraped([double] $Requests) { Wait-PromValue 'sum(increase(frostguard_http_requests_total[5m]))' $Requests }

    $script:prometheus = Get-PrometheusTool prometheus

    $script:work = Join-Path ([IO.Path]::GetTempPath()) "fg-prometheus-$([guid]::NewGuid().ToString('N'))"
    New-Item -ItemType Directory (Join-Path $work 'data') | Out-Null
    $target = ([uri]$config.health.metricsUrl).Authority
    @"
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: frostguard-backend
    metrics_path: $(([uri]$config.health.metricsUrl).AbsolutePath)
    static_configs:
      - targets: ['$target']
"@ | Set-Content (Join-Path $work 'prometheus.yml')
    $script:server = Start-Process -FilePath $prometheus -PassThru -RedirectStandardError (Join-Path $work 'prometheus.log') -RedirectStandardOutput (Join-Path $work 'prometheus.out') `
        -ArgumentList "--config.file=$(Join-Path $work 'prometheus.yml')", "--storage.tsdb.path=$(Join-Path $work 'data')", '--web.listen-address=127.0.0.1:29093'

    # Up, and a few samples of the backend's counters stored.
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while ((Get-PromValue 'count_over_time(up{job="frostguard-backend"}[1m])') -lt 3 -or (Get-PromValue 'up{job="frostguard-backend"}') -ne 1) {
        if ($server.HasExited) { throw "prometheus exited: $(Get-Content -Raw (Join-Path $work 'prometheus.log'))" }
        if ([DateTime]::UtcNow -gt $deadline) { throw "prometheus did not scrape $target three times within 60 s: $(Get-Content -Raw (Join-Path $work 'prometheus.log'))" }
        Start-Sleep -Milliseconds 250
    }
    $script:viaPrometheus = New-ConfigVariant -Path (Join-Path $work 'promql.json') -Change { param($c) $c.health | Add-Member -Force prometheusUrl $script:prometheusUrl }
    $script:nobodyThere = New-ConfigVariant -Path (Join-Path $work 'unreachable.json') -Change { param($c) $c.health | Add-Member -Force prometheusUrl 'http://127.0.0.1:29099' }
}

AfterAll {
    Set-Chaos 0 0
    if ($script:server -and -not $script:server.HasExited) {
        Stop-Process -Id $script:server.Id
        $script:server.WaitForExit(30000) | Out-Null
    }
    Remove-Item -Recurse -Force $script:work -ErrorAction SilentlyContinue
    $script:http.Dispose()
}

Describe 'API metrics through PromQL' {
    It 'judges error rate and p95 Ok for healthy traffic, saying the value came from PromQL and which query' {
        Send-ApiTraffic -Count 100
        Wait-Scraped 100
        $api = @(Test-FrostHealth -Check ApiMetrics -ConfigPath $viaPrometheus)
        $api.Status | Should -Be @('Ok', 'Ok') -Because ($api.Message -join "`n")
        $errorRate = $api | Where-Object Check -eq 'ErrorRate'
        $errorRate.Message | Should -Match ([regex]::Escape('from PromQL at http://127.0.0.1:29093: (sum(rate(frostguard_http_requests_total{code=~"5.."}[5m])) or vector(0)) / sum(rate(frostguard_http_requests_total[5m])) * 100'))
        ($api | Where-Object Check -eq 'ResponseTime').Message | Should -Match ([regex]::Escape('histogram_quantile(0.95, sum by (le) (rate(frostguard_http_request_duration_seconds_bucket[5m]))) * 1000'))
    }

    It 'reports ErrorRate Critical through PromQL while the backend fails 10% of API requests' {
        $before = Get-PromValue 'sum(increase(frostguard_http_requests_total[5m]))'
        Set-Chaos 0.1 0
        try {
            # A backend that just started has no 5xx series yet, and Prometheus ignores the first
            # value of a new series: let it appear and be scraped before the measured traffic.
            Send-ApiTraffic -Count 100
            Wait-PromValue 'count(frostguard_http_requests_total{code=~"5.."})' 1
            Send-ApiTraffic -Count 600
            Wait-Scraped ($before + 700)
            Wait-PromValue 'sum(increase(frostguard_http_requests_total{code=~"5.."}[5m]))' 30
            $errorRate = Test-FrostHealth -Check ErrorRate -ConfigPath $viaPrometheus
        }
        finally {
            Set-Chaos 0 0
        }
        $errorRate.Status | Should -Be 'Critical' -Because $errorRate.Message
        $errorRate.Observed | Should -BeGreaterThan 5
        $errorRate.Observed | Should -BeLessThan 20
        $errorRate.Message | Should -Match 'from PromQL at http://127\.0\.0\.1:29093'
        $errorRate.Message | Should -Match '> 5% \(Critical'
    }

    It 'gives Unknown with the reason when Prometheus does not answer, and the other checks their verdict' {
        $results = @(Test-FrostHealth -Check ApiMetrics, Containers, Disk -ConfigPath $nobodyThere)
        $api = $results | Where-Object Check -in 'ErrorRate', 'ResponseTime'
        $api.Status | Should -Be @('Unknown', 'Unknown')
        $api[0].Message | Should -Match 'Prometheus at http://127\.0\.0\.1:29099 is not reachable'
        ($results | Where-Object Check -in 'Containers', 'Disk').Status | Should -Not -Contain 'Unknown'
    }
}
