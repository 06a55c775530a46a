<#
.SYNOPSIS
FrostGuard's benchmarks, all in one run on the same sandbox: module import and first calls
(fresh pwsh processes, interleaved with an empty binary module), runbooks (bench/runbooks.ps1),
health checks (bench/health.ps1), what users see of an update, an undo and a failed update
(bench/zero-downtime.ps1), the fleet's fan-out over SSH remoting on a fleet of its own brought
up and down around it (bench/fleet.ps1), point-in-time recovery (bench/pitr.ps1), backup throughput at several database sizes and parallel backup and
restore (bench/backup.ps1). Each figure is min/median/max, with its target and
verdict where it has one. Results: bench/results/<date>.json, docs/benchmarks.md and a PNG chart
of the scaling series (bench/Write-BenchmarkReport.ps1). -Quick: fewer runs, smaller databases,
results and report under .artifacts/bench/results/ (the committed ones stay the full run's).
#>
param(
    [Parameter(Mandatory)] [string] $ConfigPath,
    [switch] $Quick,
    [int] $Runs = 15
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'BenchCommon.psm1')
$root = Resolve-Path (Join-Path $PSScriptRoot '..')
if ($Quick) { $Runs = 5 }
$pwsh = (Get-Command pwsh -CommandType Application | Select-Object -First 1).Source
$env:FROSTGUARD_CONFIG = $ConfigPath

$emptyOut = Join-Path $root '.artifacts/bench/empty'
dotnet build (Join-Path $PSScriptRoot 'EmptyModule/EmptyModule.csproj') -c Release -o $emptyOut -v quiet -nologo | Out-Null
if ($LASTEXITCODE -ne 0) { throw 'building the empty baseline module failed' }
$emptyModule = Join-Path $emptyOut 'EmptyModule.psd1'
$frostGuard = Join-Path $root 'FrostGuard.psd1'

# One timing inside a fresh pwsh: the stopwatch starts after pwsh itself is up.
function Measure-InFreshPwsh([string] $Setup, [string] $Timed) {
    $script = "$Setup; `$s = [Diagnostics.Stopwatch]::StartNew(); $Timed | Out-Null; `$s.Elapsed.TotalMilliseconds"
    $out = & $pwsh -NoProfile -NonInteractive -Command $script
    if ($LASTEXITCODE -ne 0) { throw "benchmark command failed: $Timed" }
    [double]($out | Select-Object -Last 1)
}

$importFrost = [Collections.Generic.List[double]]::new()
$importEmpty = [Collections.Generic.List[double]]::new()
$firstService = [Collections.Generic.List[double]]::new()
$firstDeployment = [Collections.Generic.List[double]]::new()
$firstRunbook = [Collections.Generic.List[double]]::new()
$smallRunbook = Join-Path $root 'runbooks/quick-reference.md'
$phases = [ordered]@{}
$phase = [Diagnostics.Stopwatch]::StartNew()
for ($i = 0; $i -lt $Runs; $i++) {
    Write-Progress -Activity 'Module import and first call' -Status "run $($i + 1) of $Runs" -PercentComplete (100 * $i / $Runs)
    $importEmpty.Add((Measure-InFreshPwsh '' "Import-Module '$emptyModule'"))
    $importFrost.Add((Measure-InFreshPwsh '' "Import-Module '$frostGuard'"))
    $firstService.Add((Measure-InFreshPwsh "Import-Module '$frostGuard'" 'Get-FrostService'))
    $firstDeployment.Add((Measure-InFreshPwsh "Import-Module '$frostGuard'" 'Get-FrostDeployment'))
    $firstRunbook.Add((Measure-InFreshPwsh "Import-Module '$frostGuard'" "Get-FrostRunbook '$smallRunbook'"))
}
Write-Progress -Activity 'Module import and first call' -Completed

$ratios = for ($i = 0; $i -lt $Runs; $i++) { $importFrost[$i] / $importEmpty[$i] }
$figures = [ordered]@{
    'import.empty_module_ms' = Get-Summary $importEmpty
    'import.frostguard_ms' = Get-Summary $importFrost
    'import.ratio' = Get-Summary $ratios -Target '<= 1.3' -Pass { param($m) $m -le 1.3 }
    'first_call.get_frostservice_ms' = Get-Summary $firstService -Target '< 300' -Pass { param($m) $m -lt 300 }
    'first_call.get_frostdeployment_ms' = Get-Summary $firstDeployment
    'first_call.get_frostrunbook_small_ms' = Get-Summary $firstRunbook -Target '< 150' -Pass { param($m) $m -lt 150 }
}
$phases.module_s = [math]::Round($phase.Elapsed.TotalSeconds, 1); $phase.Restart()
$runbookFigures = & (Join-Path $PSScriptRoot 'runbooks.ps1') -WorkFolder (Join-Path $root '.artifacts/bench/runbooks') -Runs $(if ($Quick) { 3 } else { 5 }) -ParseMegabytes $(if ($Quick) { 20 } else { 40 })
foreach ($entry in $runbookFigures.GetEnumerator()) { $figures[$entry.Key] = $entry.Value }
$phases.runbooks_s = [math]::Round($phase.Elapsed.TotalSeconds, 1); $phase.Restart()
$healthFigures = & (Join-Path $PSScriptRoot 'health.ps1') -ConfigPath $ConfigPath -Runs $(if ($Quick) { 3 } else { 5 })
foreach ($entry in $healthFigures.GetEnumerator()) { $figures[$entry.Key] = $entry.Value }
$phases.health_s = [math]::Round($phase.Elapsed.TotalSeconds, 1); $phase.Restart()
$zeroDowntimeFigures = & (Join-Path $PSScriptRoot 'zero-downtime.ps1') -ConfigPath $ConfigPath -Runs $(if ($Quick) { 1 } else { 3 })
foreach ($entry in $zeroDowntimeFigures.GetEnumerator()) { $figures[$entry.Key] = $entry.Value }
$phases.zero_downtime_s = [math]::Round($phase.Elapsed.TotalSeconds, 1); $phase.Restart()
# Its own fleet (/var/lib/frostguard-fleet-bench, ports from 24200, 20 light hosts), never the default one.
$fleetFigures = & (Join-Path $PSScriptRoot 'fleet.ps1') -FiguresOnly -Runs $(if ($Quick) { 5 } else { 11 }) -ColdRuns $(if ($Quick) { 3 } else { 5 })
foreach ($entry in $fleetFigures.GetEnumerator()) { $figures[$entry.Key] = $entry.Value }
$phases.fleet_s = [math]::Round($phase.Elapsed.TotalSeconds, 1); $phase.Restart()
# Point-in-time recovery on a backup root of its own: the achieved RPO with the database killed, base backups, recovery time.
$pitrFigures = & (Join-Path $PSScriptRoot 'pitr.ps1') -ConfigPath $ConfigPath -RpoRuns $(if ($Quick) { 1 } else { 3 }) -SizeMB $(if ($Quick) { 256 } else { 1024 }) -WalMB $(if ($Quick) { 64 } else { 256 })
foreach ($entry in $pitrFigures.GetEnumerator()) { $figures[$entry.Key] = $entry.Value }
$phases.pitr_s = [math]::Round($phase.Elapsed.TotalSeconds, 1); $phase.Restart()
# Quick leaves out the parallel formats and restores (about a minute): a smoke check, not the report.
$backupFigures = & (Join-Path $PSScriptRoot 'backup.ps1') -ConfigPath $ConfigPath -Formats:(-not $Quick) `
    -SizesMB $(if ($Quick) { @(64, 128) } else { @(256, 512, 1024) }) -Runs $(if ($Quick) { 1 } else { 3 }) `
    -MemoryOnlyMB $(if ($Quick) { @() } else { @(2048) })
foreach ($entry in $backupFigures.GetEnumerator()) { $figures[$entry.Key] = $entry.Value }
$phases.backup_s = [math]::Round($phase.Elapsed.TotalSeconds, 1)

$result = [ordered]@{
    date = (Get-Date).ToString('o')
    machine = [ordered]@{
        cores = [Environment]::ProcessorCount; os = [Environment]::OSVersion.VersionString; pwsh = $PSVersionTable.PSVersion.ToString(); dotnet = [Environment]::Version.ToString()
        postgres = ((& pg_dump --version) -replace '^pg_dump \(PostgreSQL\) ', ''); docker = (& docker version --format '{{.Server.Version}}')
    }
    quick = [bool]$Quick
    # The code measured: the checkout's commit, marked when it had changes not committed.
    commit = "$(git -C $root rev-parse --short HEAD)$(if (git -C $root status --porcelain --untracked-files=no) { '+changes' })"
    phases = $phases
    figures = $figures
}
# A quick run is a smoke check with small data: it never replaces the full run's results or report.
$stem = (Get-Date).ToString('yyyy-MM-dd') + $(if ($Quick) { '-quick' } else { '' })
$resultFolder = if ($Quick) { Join-Path $root '.artifacts/bench/results' } else { Join-Path $PSScriptRoot 'results' }
New-Item -ItemType Directory -Force -Path $resultFolder | Out-Null
$file = Join-Path $resultFolder "$stem.json"
$result | ConvertTo-Json -Depth 5 | Set-Content $file

$figures.GetEnumerator() | ForEach-Object {
    [pscustomobject]@{
        Figure = $_.Key; Min = $_.Value.min; Median = $_.Value.median; Max = $_.Value.max
        Target = $_.Value.target; Verdict = if ($_.Value.Contains('pass')) { if ($_.Value.pass) { 'PASS' } else { 'MISS' } } else { '' }
    }
} | Format-Table -AutoSize | Out-Host
Write-Host "time per part (s): $(($phases.GetEnumerator() | ForEach-Object { "$($_.Key -replace '_s$') $($_.Value)" }) -join ', ')"
Write-Host "results: $file"
$report = @{ ResultPath = $file }
if ($Quick) { $report.MarkdownPath = Join-Path $resultFolder "$stem.md" }
& (Join-Path $PSScriptRoot 'Write-BenchmarkReport.ps1') @report
