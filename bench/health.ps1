<#
.SYNOPSIS
Test-FrostHealth wall time: all checks concurrent vs one by one (-ThrottleLimit 1), with and
without a recent metrics scrape in the state folder, and the manual's shell sequence
(docker-compose ps, docker stats --no-stream, curl -f the health URL, pg_isready, df).
Runs are interleaved in one warm pwsh so drift hits all alike. Results: bench/results/health-<date>.json.
#>
param(
    [Parameter(Mandatory)] [string] $ConfigPath,
    [int] $Runs = 5
)
$ErrorActionPreference = 'Stop'
$root = Resolve-Path (Join-Path $PSScriptRoot '..')
Import-Module (Join-Path $root 'FrostGuard.psd1') -Force
$env:FROSTGUARD_CONFIG = $ConfigPath
$config = Get-Content -Raw $ConfigPath | ConvertFrom-Json

function Measure-Ms([scriptblock] $Block) { $s = [Diagnostics.Stopwatch]::StartNew(); & $Block | Out-Null; $s.Elapsed.TotalMilliseconds }
function Get-Summary([double[]] $Values) {
    $sorted = $Values | Sort-Object
    [ordered]@{ min = [math]::Round($sorted[0], 0); median = [math]::Round($sorted[[int][math]::Floor($sorted.Count / 2)], 0); max = [math]::Round($sorted[-1], 0); runs = $sorted.Count }
}
function New-State { $path = Join-Path ([IO.Path]::GetTempPath()) "fg-bench-$([guid]::NewGuid().ToString('N'))"; New-Item -ItemType Directory $path | Out-Null; $path }

$shell = {
    Push-Location $config.project.directory
    try {
        docker-compose -p $config.project.name ps | Out-Null
        docker stats --no-stream | Out-Null
        curl -fsS --cacert $config.tls.caFile -o /dev/null $config.health.healthUrl
        pg_isready -q -h $config.database.host -p $config.database.port
        df -h | Out-Null
    }
    finally { Pop-Location }
}

$null = Test-FrostHealth # warm up: JIT, first connections
$series = @{}
foreach ($name in 'concurrent_fresh', 'sequential_fresh', 'concurrent_recent', 'sequential_recent', 'slowest_check_fresh', 'slowest_check_recent', 'shell_sequence') {
    $series[$name] = [Collections.Generic.List[double]]::new()
}
for ($i = 0; $i -lt $Runs; $i++) {
    Write-Progress -Activity 'Test-FrostHealth' -Status "run $($i + 1) of $Runs" -PercentComplete (100 * $i / $Runs)
    foreach ($mode in 'concurrent', 'sequential') {
        $throttle = if ($mode -eq 'concurrent') { 16 } else { 1 }
        # Fresh: an empty state folder, so the API metrics take two scrapes one second apart.
        $env:FROSTGUARD_STATE = New-State
        $results = $null
        $series["${mode}_fresh"].Add((Measure-Ms { $script:results = Test-FrostHealth -ThrottleLimit $throttle }))
        if ($mode -eq 'concurrent') { $series['slowest_check_fresh'].Add(($results | Measure-Object { $_.Duration.TotalMilliseconds } -Maximum).Maximum) }
        # Recent: the same state folder, its kept scrape now over a second old.
        Start-Sleep -Milliseconds 1100
        $series["${mode}_recent"].Add((Measure-Ms { $script:results = Test-FrostHealth -ThrottleLimit $throttle }))
        if ($mode -eq 'concurrent') { $series['slowest_check_recent'].Add(($results | Measure-Object { $_.Duration.TotalMilliseconds } -Maximum).Maximum) }
        Remove-Item -Recurse -Force $env:FROSTGUARD_STATE
    }
    $series['shell_sequence'].Add((Measure-Ms $shell))
}
Write-Progress -Activity 'Test-FrostHealth' -Completed

$figures = [ordered]@{}
foreach ($name in $series.Keys | Sort-Object) { $figures["health.$($name)_ms"] = Get-Summary $series[$name] }
$ratio = $figures['health.concurrent_fresh_ms'].median / $figures['health.slowest_check_fresh_ms'].median
$figures['health.concurrent_over_slowest'] = [ordered]@{ median = [math]::Round($ratio, 2); target = '<= 1.3'; pass = $ratio -le 1.3 }
$figures['health.concurrent_recent_target'] = [ordered]@{ median = $figures['health.concurrent_recent_ms'].median; target = '< 1000'; pass = $figures['health.concurrent_recent_ms'].median -lt 1000 }
$figures['health.concurrent_fresh_target'] = [ordered]@{ median = $figures['health.concurrent_fresh_ms'].median; target = '< 1500'; pass = $figures['health.concurrent_fresh_ms'].median -lt 1500 }
$result = [ordered]@{ date = (Get-Date).ToString('o'); host = [Environment]::MachineName; cpus = [Environment]::ProcessorCount; figures = $figures }
$out = Join-Path $PSScriptRoot "results/health-$((Get-Date).ToString('yyyy-MM-dd')).json"
$result | ConvertTo-Json -Depth 5 | Set-Content $out
$figures.GetEnumerator() | ForEach-Object { '{0,-40} {1}' -f $_.Key, (($_.Value.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ' ') }
"written to $out"
