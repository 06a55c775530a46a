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

# --- the zero-downtime section --------------------------------------------------------------------
# One table of what users saw per case: two rows per case (one per connection mode), the worst run
# for failures and gaps (the targets hold in every run), medians for the rest; every figure's
# min/median/max below it, folded.
function Add-ZeroDowntimeSection([Text.StringBuilder] $Md, [string[]] $Keys) {
    $cases = [ordered]@{
        good_update = 'Good update (`-Version next`)'
        failed_update = 'Failed update (`-Version broken`)'
        undo = '`Undo-FrostDeployment`'
        stop_then_start = 'Old strategy (good update)'
    }
    $modes = [ordered]@{ keepalive = 'kept alive'; new = 'new per request' }
    $rate = $figures['zero_downtime.rate_per_mode']
    [void]$Md.AppendLine('The cases: `Update-FrostDeployment -Version next -Service backend` (good), `-Version broken` (failed:')
    [void]$Md.AppendLine('it must roll back), `Undo-FrostDeployment` right after the good update, and the good update again with')
    [void]$Md.AppendLine('a copy of the configuration whose `update.strategy` is `stopThenStart` (the old strategy). The strategy')
    [void]$Md.AppendLine('column is what each case ran with (a configuration without an `update` section has only stopThenStart).')
    [void]$Md.AppendLine()
    [void]$Md.AppendLine('`bench/zero-downtime.ps1` runs each command in one pwsh while `bench/LoadClient` sends `GET ' + $(if ($rate) { $rate.path } else { '/health' }) + '` to the')
    [void]$Md.AppendLine("proxy's TLS port on 127.0.0.1$(if ($rate) { " at $(Format-Number $rate.median) requests per second" }) in each of two modes at once: over one kept-alive HTTP/1.1")
    [void]$Md.AppendLine('connection, and over a new TCP and TLS connection per request (`Connection: close`); the certificate is')
    [void]$Md.AppendLine('checked against the sandbox''s for `localhost`.')
    if (-not $rate -or $rate.path -eq '/health') {
        [void]$Md.AppendLine('`/health` goes through to the backend and its database, and the `broken` image answers it 503: a')
        [void]$Md.AppendLine('request the broken release served counts as failed.')
    }
    [void]$Md.AppendLine('The client writes HTTP/1.1 by hand, so nothing is ever resent (SocketsHttpHandler resends a request')
    [void]$Md.AppendLine('that failed on a reused connection). A request fails on a non-2xx')
    [void]$Md.AppendLine('status, a reset or refused connection, a connection closed before the full response, or no full response')
    [void]$Md.AppendLine('within 5 s. A kept-alive connection the server closed while idle is noticed before the next request is')
    [void]$Md.AppendLine('written and replaced: a *reconnect*, counted apart, not a failure, since nothing was sent on it. Each case')
    [void]$Md.AppendLine('has 2 s of successes before the command and 2 s after it; the wall time is the command''s alone, in process.')
    [void]$Md.AppendLine('*Longest gap*: the longest time without a successful response in a mode: between the completions of two')
    [void]$Md.AppendLine('successive successes, and from the last to the end of sending (the client''s own start, before its first')
    [void]$Md.AppendLine('success, is left out: the command starts only after 2 s of successes). *Reconnects* (kept-alive mode, in')
    [void]$Md.AppendLine('the folded list): idle connections the proxy closed, as a reload does, replaced before a request was written.')
    [void]$Md.AppendLine('Failed and gap are the worst run''s (the targets must hold in every run), requests per second the lowest')
    [void]$Md.AppendLine('run''s, sent and wall time medians. The deployment is back on `current` before each update (after the')
    [void]$Md.AppendLine('undo, or by an unmeasured update); the undo undoes the good update just measured. The old strategy has no')
    [void]$Md.AppendLine('target: it is the baseline. Every request of every run: `.artifacts/bench/zero-downtime/<time>/`.')
    [void]$Md.AppendLine()
    [void]$Md.AppendLine('| Case | Strategy | Runs | Wall time (s) | Connection | Sent | Req/s | Failed | Longest gap (ms) | Target | Verdict |')
    [void]$Md.AppendLine('|------|----------|-----:|--------------:|------------|-----:|------:|-------:|-----------------:|--------|---------|')
    foreach ($case in $cases.Keys) {
        $wall = $figures["zero_downtime.$case.wall_s"]
        if (-not $wall) { continue }
        $first = $true
        foreach ($mode in $modes.Keys) {
            $key = "zero_downtime.$case.$mode"
            $failed = $figures["$key.failed"]; $gap = $figures["$key.longest_gap_ms"]; $perSecond = $figures["$key.requests_per_s"]
            if (-not $failed) { continue }
            $targets = @($failed, $gap, $perSecond | Where-Object { $_.Contains('pass') })
            $target = if ($failed.Contains('target')) { '0 failed, gap <= 1 s, >= 50/s' } else { '>= 50/s' }
            $verdict = if (@($targets | Where-Object { -not $_.pass }).Count -eq 0) { 'met' } else { '**missed**' }
            $lead = if ($first) { "| $($cases[$case]) | $($wall.strategy) | $($wall.runs) | $(Format-Number $wall.median)" } else { '| | | |' }
            [void]$Md.AppendLine("$lead | $($modes[$mode]) | $(Format-Number $figures["$key.sent"].median) | $(Format-Number $perSecond.min) | $(Format-Number $failed.max) | $(Format-Number $gap.max) | $target | $verdict |")
            $first = $false
        }
    }
    [void]$Md.AppendLine()
    if ($rate -and $rate.skipped) {
        foreach ($case in $rate.skipped.Keys) {
            [void]$Md.AppendLine("Not measured: $($cases[$case] ?? $case). It did not do what the case expects: $($rate.skipped[$case]).")
        }
        [void]$Md.AppendLine()
    }
    [void]$Md.AppendLine('<details><summary>Every figure (min, median, max)</summary>')
    [void]$Md.AppendLine()
    Add-FigureTable $Md $Keys
    [void]$Md.AppendLine('</details>')
    [void]$Md.AppendLine()
}

function Add-FigureTable([Text.StringBuilder] $Md, [string[]] $Keys) {
    [void]$Md.AppendLine('| Figure | Min | Median | Max | Runs | Target | Verdict |')
    [void]$Md.AppendLine('|--------|----:|-------:|----:|-----:|--------|---------|')
    foreach ($key in $Keys) {
        $f = $figures[$key]
        $verdict = if ($f.Contains('pass')) { if ($f.pass) { 'met' } else { '**missed**' } } else { '' }
        [void]$Md.AppendLine("| ``$key`` | $(Format-Number $f.min) | $(Format-Number $f.median) | $(Format-Number $f.max) | $($f.runs) | $($f.target) | $verdict |")
    }
    [void]$Md.AppendLine()
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
if ($result.commit) { [void]$md.AppendLine("Code measured: commit ``$($result.commit)``.") ; [void]$md.AppendLine() }
[void]$md.AppendLine("Machine: $($machine.cores) CPUs, $($machine.os); PowerShell $($machine.pwsh), .NET $($machine.dotnet)$(if ($machine.postgres) { ", PostgreSQL $($machine.postgres)" })$(if ($machine.docker) { ", Docker $($machine.docker)" }).")
[void]$md.AppendLine()
$groups = [ordered]@{
    'module' = 'Module: import and first call (fresh pwsh each)'; 'first_call' = 'Module: import and first call (fresh pwsh each)'; 'import' = 'Module: import and first call (fresh pwsh each)'
    'backup' = 'Backup: FrostGuard vs the manual''s command vs the limit'; 'parallel' = 'Parallel backup and restore'
    'health' = 'Health checks'; 'runbooks' = 'Runbooks'; 'zero_downtime' = 'Zero-downtime updates: what users see'
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
    if ($group -eq $groups['zero_downtime']) { Add-ZeroDowntimeSection $md $byGroup[$group] }
    else { Add-FigureTable $md $byGroup[$group] }
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
[void]$md.AppendLine('- `zero_downtime.<case>.<mode>.longest_gap_ms`: the longest time without a successful response in that mode (see its section); `failed` and `longest_gap_ms` are judged on the worst run, not the median.')
[void]$md.AppendLine('- `runbooks.naive_fresh_pwsh_per_step_ms`: a fresh `pwsh -c` per step, as a naive runner does; `pwsh_step_overhead_ms`: FrostGuard''s cost per step over a plain script.')
Set-Content -Path $MarkdownPath -Value $md.ToString()
Write-Host "report: $MarkdownPath; chart: $(if (Test-Path $chartPng) { $chartPng } else { $chartSvg })"
