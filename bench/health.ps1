<#
.SYNOPSIS
Test-FrostHealth wall time: all checks concurrent vs one by one (-ThrottleLimit 1), with and
without a recent metrics scrape in the state folder, and the manual's shell sequence
(docker-compose ps, docker stats --no-stream, curl -f the health URL, pg_isready, df).
Runs are interleaved in one warm pwsh so drift hits all alike. Then the scaling series: the
concurrent run with the worker scaled to 9 replicas (12 service containers) against the usual 4.
Returns the figures; bench/run.ps1 writes them.
#>
param(
    [Parameter(Mandatory)] [string] $ConfigPath,
    [int] $Runs = 5
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'BenchCommon.psm1')
$root = Resolve-Path (Join-Path $PSScriptRoot '..')
Import-Module (Join-Path $root 'FrostGuard.psd1') -Force
$env:FROSTGUARD_CONFIG = $ConfigPath
$config = Get-Content -Raw $ConfigPath | ConvertFrom-Json

function Measure-Ms([scriptblock] $Block) { $s = [Diagnostics.Stopwatch]::StartNew(); & $Block | Out-Null; $s.Elapsed.TotalMilliseconds }
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

# Scaling: the same concurrent run over 12 service containers (worker x 9) and over the usual 4.
$scaled = @{ 4 = [Collections.Generic.List[double]]::new(); 12 = [Collections.Generic.List[double]]::new() }
try {
    foreach ($containers in 4, 12) {
        $null = Set-FrostServiceScale -Name worker -Replicas ($containers - 3) -Confirm:$false
        $env:FROSTGUARD_STATE = New-State
        $null = Test-FrostHealth
        for ($i = 0; $i -lt $Runs; $i++) {
            # Before each run: the kept samples over a second old, as in the recent series (a younger
            # one is too close to judge by, and the run would take the fresh path).
            Start-Sleep -Milliseconds 1100
            $scaled[$containers].Add((Measure-Ms { Test-FrostHealth }))
        }
        Remove-Item -Recurse -Force $env:FROSTGUARD_STATE
    }
}
finally {
    $null = Set-FrostServiceScale -Name worker -Replicas 1 -Confirm:$false
}

$figures = [ordered]@{}
foreach ($name in $series.Keys | Sort-Object) { $figures["health.$($name)_ms"] = Get-Summary $series[$name] }
$figures['health.concurrent_over_slowest'] = Get-Summary @($figures['health.concurrent_fresh_ms'].median / $figures['health.slowest_check_fresh_ms'].median) -Target '<= 1.3' -Pass { param($m) $m -le 1.3 }
$figures['health.concurrent_recent_ms'] = Get-Summary $series['concurrent_recent'] -Target '< 1000' -Pass { param($m) $m -lt 1000 }
$figures['health.concurrent_fresh_ms'] = Get-Summary $series['concurrent_fresh'] -Target '< 1500' -Pass { param($m) $m -lt 1500 }
$figures['health.sequential_over_concurrent'] = Get-Summary @($figures['health.sequential_fresh_ms'].median / $figures['health.concurrent_fresh_ms'].median)
$figures['health.shell_over_concurrent'] = Get-Summary @($figures['health.shell_sequence_ms'].median / $figures['health.concurrent_recent_ms'].median)
$figures['health.scaling_4_containers_ms'] = Get-Summary $scaled[4]
$figures['health.scaling_12_containers_ms'] = Get-Summary $scaled[12]
$figures
