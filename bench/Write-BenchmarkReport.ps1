<#
.SYNOPSIS
Turns one benchmark result (bench/results/<date>.json) into docs/benchmarks.md — the machine,
the versions, every figure with min/median/max, target and verdict — and a chart of the scaling
series: an SVG drawn here, rendered to PNG by headless Chromium (offline, no charting package).
#>
param(
    [Parameter(Mandatory)] [string] $ResultPath,
    [string] $MarkdownPath = (Join-Path $PSScriptRoot '..' 'docs' 'benchmarks.md')
)
$ErrorActionPreference = 'Stop'
$result = Get-Content -Raw $ResultPath | ConvertFrom-Json -AsHashtable
$figures = $result.figures
$stem = [IO.Path]::GetFileNameWithoutExtension($ResultPath)
$chartSvg = Join-Path (Split-Path $ResultPath) "$stem-scaling.svg"
$chartPng = Join-Path (Split-Path $ResultPath) "$stem-scaling.png"

function Format-Number($Value) {
    if ($null -eq $Value) { return '' }
    $v = [double]$Value
    if ($v -eq [math]::Floor($v) -or [math]::Abs($v) -ge 100) { return $v.ToString('N0', [Globalization.CultureInfo]::InvariantCulture) }
    if ([math]::Abs($v) -ge 10) { return $v.ToString('N1', [Globalization.CultureInfo]::InvariantCulture) }
    $v.ToString('0.##', [Globalization.CultureInfo]::InvariantCulture)
}

# --- the scaling chart ----------------------------------------------------------------------------
# Each panel: a title, an x axis of sizes, and one line per series (median values).
function Get-Series([string] $Pattern, [string] $Name) {
    $points = foreach ($key in $figures.Keys) {
        if ($key -match $Pattern) { [pscustomobject]@{ X = [double]$Matches[1]; Y = [double]$figures[$key].median } }
    }
    [pscustomobject]@{ Name = $Name; Points = @($points | Sort-Object X) }
}

$panels = @(
    @{ Title = 'Backup time (s) by database size (MB)'; Series = @(
            (Get-Series '^backup\.(\d+)mb\.frostguard_s$' 'Invoke-FrostBackup'),
            (Get-Series '^backup\.(\d+)mb\.baseline_s$' 'compose exec pg_dump -Fc'),
            (Get-Series '^backup\.(\d+)mb\.limit_s$' 'host pg_dump -Z0 (limit)')) },
    @{ Title = 'Memory growth during backup (MB) by database size (MB)'; Series = @((Get-Series '^backup\.(\d+)mb\.memory_growth_mb$' 'pwsh peak over idle')) },
    @{ Title = 'Parse time (ms) by number of runbooks'; Series = @((Get-Series '^runbooks\.parse_(\d+)_runbooks?_ms$' 'Get-FrostRunbook')) },
    @{ Title = 'Test-FrostHealth (ms) by service containers'; Series = @((Get-Series '^health\.scaling_(\d+)_containers_ms$' 'concurrent checks')) }
) | Where-Object { @($_.Series | Where-Object { $_.Points.Count -gt 0 }).Count -gt 0 }

$colors = '#1f77b4', '#d62728', '#2ca02c'
$panelWidth = 560; $panelHeight = 300; $margin = 60
$columns = 2
$rows = [math]::Max(1, [math]::Ceiling($panels.Count / $columns))
$svg = [Text.StringBuilder]::new()
$width = $columns * $panelWidth; $height = $rows * $panelHeight
[void]$svg.Append("<svg xmlns='http://www.w3.org/2000/svg' width='$width' height='$height' font-family='sans-serif' font-size='12'><rect width='100%' height='100%' fill='white'/>")
$index = 0
foreach ($panel in $panels) {
    $ox = ($index % $columns) * $panelWidth; $oy = [math]::Floor($index / $columns) * $panelHeight; $index++
    $all = @($panel.Series | ForEach-Object { $_.Points })
    $xs = @($all.X | Sort-Object -Unique)
    $maxY = [math]::Max(1e-9, ($all.Y | Measure-Object -Maximum).Maximum) * 1.15
    $plotW = $panelWidth - 2 * $margin; $plotH = $panelHeight - 2 * $margin
    # Sizes are spaced evenly (1, 10, 100 reads better so than on a linear axis).
    $xAt = { param($x) $ox + $margin + $(if ($xs.Count -eq 1) { $plotW / 2 } else { [array]::IndexOf($xs, $x) * $plotW / ($xs.Count - 1) }) }
    $yAt = { param($y) $oy + $margin + $plotH - ($y / $maxY) * $plotH }
    [void]$svg.Append("<text x='$($ox + $margin)' y='$($oy + 24)' font-size='14' font-weight='bold'>$([Security.SecurityElement]::Escape($panel.Title))</text>")
    [void]$svg.Append("<line x1='$($ox + $margin)' y1='$($oy + $margin + $plotH)' x2='$($ox + $margin + $plotW)' y2='$($oy + $margin + $plotH)' stroke='black'/>")
    [void]$svg.Append("<line x1='$($ox + $margin)' y1='$($oy + $margin)' x2='$($ox + $margin)' y2='$($oy + $margin + $plotH)' stroke='black'/>")
    foreach ($tick in 0..4) {
        $value = $maxY * $tick / 4; $y = & $yAt $value
        [void]$svg.Append("<line x1='$($ox + $margin - 4)' y1='$y' x2='$($ox + $margin + $plotW)' y2='$y' stroke='#ddd'/><text x='$($ox + $margin - 8)' y='$($y + 4)' text-anchor='end'>$(Format-Number $value)</text>")
    }
    foreach ($x in $xs) { [void]$svg.Append("<text x='$(& $xAt $x)' y='$($oy + $margin + $plotH + 18)' text-anchor='middle'>$(Format-Number $x)</text>") }
    $s = 0
    foreach ($series in $panel.Series | Where-Object { $_.Points.Count -gt 0 }) {
        $color = $colors[$s % $colors.Count]
        $path = ($series.Points | ForEach-Object { "$(& $xAt $_.X),$(& $yAt $_.Y)" }) -join ' '
        [void]$svg.Append("<polyline points='$path' fill='none' stroke='$color' stroke-width='2'/>")
        foreach ($p in $series.Points) { [void]$svg.Append("<circle cx='$(& $xAt $p.X)' cy='$(& $yAt $p.Y)' r='3.5' fill='$color'/>") }
        [void]$svg.Append("<text x='$($ox + $margin + 10)' y='$($oy + $margin + 4 + 16 * $s)' fill='$color'>$([Security.SecurityElement]::Escape($series.Name))</text>")
        $s++
    }
}
[void]$svg.Append('</svg>')
Set-Content -Path $chartSvg -Value $svg.ToString()

$chromium = Get-Command chromium -ErrorAction SilentlyContinue
if ($chromium) {
    $profileDir = Join-Path ([IO.Path]::GetTempPath()) "frostguard-bench-chromium-$PID"
    & $chromium.Source --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --hide-scrollbars `
        "--user-data-dir=$profileDir" "--window-size=$width,$height" "--screenshot=$chartPng" "file://$chartSvg" 2>$null | Out-Null
    Remove-Item -Recurse -Force $profileDir -ErrorAction SilentlyContinue
    if (-not (Test-Path $chartPng)) { Write-Warning "Chromium wrote no $chartPng; the SVG is $chartSvg" }
}
else {
    Write-Warning "No chromium here (apt-get install chromium): the chart stays an SVG ($chartSvg)"
}

# --- docs/benchmarks.md ---------------------------------------------------------------------------
$machine = $result.machine
$md = [Text.StringBuilder]::new()
[void]$md.AppendLine('# Benchmarks')
[void]$md.AppendLine()
[void]$md.AppendLine("Written by ``./build.sh bench$(if ($result.quick) { ' --quick' })`` on $(([datetime]$result.date).ToUniversalTime().ToString('yyyy-MM-dd HH:mm')) UTC from")
[void]$md.AppendLine("``bench/results/$([IO.Path]::GetFileName($ResultPath))``; every figure is measured in the same run, against its baseline on the")
[void]$md.AppendLine('same data. Machines are noisy, so each figure is the median of several runs (min and max beside it),')
[void]$md.AppendLine('and targets are judged on the median, mostly as ratios against a baseline measured alongside.')
[void]$md.AppendLine()
[void]$md.AppendLine("Machine: $($machine.cores) CPUs, $($machine.os); PowerShell $($machine.pwsh), .NET $($machine.dotnet)$(if ($machine.postgres) { ", PostgreSQL $($machine.postgres)" })$(if ($machine.docker) { ", Docker $($machine.docker)" }).")
[void]$md.AppendLine()
$groups = [ordered]@{
    'module' = 'Module: import and first call (fresh pwsh each)'; 'first_call' = 'Module: import and first call (fresh pwsh each)'; 'import' = 'Module: import and first call (fresh pwsh each)'
    'backup' = 'Backup: FrostGuard vs the manual''s command vs the limit'; 'parallel' = 'Parallel backup and restore'
    'health' = 'Health checks'; 'runbooks' = 'Runbooks'
}
$byGroup = [ordered]@{}
foreach ($key in $figures.Keys) {
    $group = $groups[$key.Split('.')[0]] ?? $key.Split('.')[0]
    if (-not $byGroup.Contains($group)) { $byGroup[$group] = [Collections.Generic.List[string]]::new() }
    $byGroup[$group].Add($key)
}
foreach ($group in $byGroup.Keys) {
    [void]$md.AppendLine("## $group")
    [void]$md.AppendLine()
    [void]$md.AppendLine('| Figure | Min | Median | Max | Runs | Target | Verdict |')
    [void]$md.AppendLine('|--------|----:|-------:|----:|-----:|--------|---------|')
    foreach ($key in $byGroup[$group]) {
        $f = $figures[$key]
        $verdict = if ($f.Contains('pass')) { if ($f.pass) { 'met' } else { '**missed**' } } else { '' }
        [void]$md.AppendLine("| ``$key`` | $(Format-Number $f.min) | $(Format-Number $f.median) | $(Format-Number $f.max) | $($f.runs) | $($f.target) | $verdict |")
    }
    [void]$md.AppendLine()
}
[void]$md.AppendLine('## Scaling')
[void]$md.AppendLine()
$chart = if (Test-Path $chartPng) { $chartPng } else { $chartSvg }
$chartLink = [IO.Path]::GetRelativePath((Split-Path ([IO.Path]::GetFullPath($MarkdownPath))), [IO.Path]::GetFullPath($chart)).Replace('\', '/')
[void]$md.AppendLine("![Scaling series]($chartLink)")
[void]$md.AppendLine()
[void]$md.AppendLine('How each figure grows with size: backup time and memory by database size (memory must stay flat),')
[void]$md.AppendLine('parse time by number of runbooks, and the health check by number of service containers.')
[void]$md.AppendLine()
[void]$md.AppendLine('## How to read the names')
[void]$md.AppendLine()
[void]$md.AppendLine('- `_s`, `_ms`: seconds, milliseconds; `_mb_per_s`: MB of pg_dump output per second; ratios have no unit.')
[void]$md.AppendLine('- `backup.<size>mb.baseline_s`: the manual''s `docker-compose exec -T postgres pg_dump -Fc … > file`; `limit_s`: `pg_dump -Fc -Z0` on the host, no compression at all; `frostguard_stdout_s`: the default backup with the archive over the exec''s stdout (`database.dumpOutput: "stdout"`) instead of the FIFO (see docs/backups.md).')
[void]$md.AppendLine('- `health.shell_sequence_ms`: the manual''s shell commands in a row (`docker-compose ps`, `docker stats --no-stream`, `curl -f`, `pg_isready`, `df`).')
[void]$md.AppendLine('- `runbooks.naive_fresh_pwsh_per_step_ms`: a fresh `pwsh -c` per step, as a naive runner does; `pwsh_step_overhead_ms`: FrostGuard''s cost per step over a plain script.')
Set-Content -Path $MarkdownPath -Value $md.ToString()
Write-Host "report: $MarkdownPath; chart: $(if (Test-Path $chartPng) { $chartPng } else { $chartSvg })"
