<#
.SYNOPSIS
Runbook benchmarks: parse throughput over 20+ MB of Markdown (the shared corpus replicated, plus
large generated runbooks), and the per-step overhead of PowerShell and bash steps against the
same commands run as a plain script. Per-step overhead is the slope between a 20-step and a
200-step runbook, so fixed costs (runspace start, lint) are reported apart.
#>
param([Parameter(Mandatory)] [string] $WorkFolder, [int] $Runs = 5, [double] $ParseMegabytes = 20)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'BenchCommon.psm1')
Import-Module (Join-Path $PSScriptRoot '..' 'FrostGuard.psd1')
$env:FROSTGUARD_STATE = Join-Path $WorkFolder 'state'

# --- parse throughput ---------------------------------------------------------------------------
$parseFolder = Join-Path $WorkFolder 'parse'
Remove-Item -Recurse -Force $parseFolder -ErrorAction SilentlyContinue
New-Item -ItemType Directory -Path $parseFolder | Out-Null
$corpus = Get-ChildItem -Recurse -Filter '*.md' (Join-Path $PSScriptRoot '..' '..' 'shared' 'corpus') -ErrorAction SilentlyContinue
$chunk = "## Part`n`nProse about the step, with **emphasis** and a [link](https://example.org).`n`n``````bash {timeout=30s}`necho part`n```````n`n| Metric | Warning |`n|---|---|`n| CPU | > 70% |`n`n- [ ] checked`n  ``````pwsh {.check}`n  `$true`n  ```````n`n"
$generated = "# Generated`n`n" + ($chunk * [int](2MB / $chunk.Length))
$bytes = 0; $copy = 0
while ($bytes -lt $ParseMegabytes * 1MB) {
    foreach ($file in $corpus) {
        $target = Join-Path $parseFolder "corpus-$copy-$($file.Name)"
        Copy-Item $file.FullName $target
        $bytes += $file.Length
    }
    Set-Content -Path (Join-Path $parseFolder "generated-$copy.md") -Value $generated -NoNewline
    $bytes += [Text.Encoding]::UTF8.GetByteCount($generated)
    $copy++
}
$null = Get-FrostRunbook $parseFolder   # warm-up: JIT and file cache
$rates = 1..$Runs | ForEach-Object {
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $null = Get-FrostRunbook $parseFolder
    ($bytes / 1MB) / $clock.Elapsed.TotalSeconds
}

# --- per-step overhead ----------------------------------------------------------------------------
function New-StepRunbook([string] $Language, [string] $Command, [int] $Count) {
    $path = Join-Path $WorkFolder "$Language-$Count.md"
    $body = "# $Count steps`n`n" + ((1..$Count | ForEach-Object { "``````$Language {#s$_}`n$Command`n```````n" }) -join "`n")
    Set-Content -Path $path -Value $body
    $path
}

function Measure-Seconds([scriptblock] $Block) {
    $clock = [Diagnostics.Stopwatch]::StartNew(); & $Block | Out-Null; $clock.Elapsed.TotalSeconds
}

$pwshSmall = New-StepRunbook 'pwsh' '$null = 1' 20
$pwshLarge = New-StepRunbook 'pwsh' '$null = 1' 200
$bashSmall = New-StepRunbook 'bash' 'true' 20
$bashLarge = New-StepRunbook 'bash' 'true' 200
$scriptSmall = [scriptblock]::Create((@('$null = 1') * 20) -join "`n")
$scriptLarge = [scriptblock]::Create((@('$null = 1') * 200) -join "`n")
$bashScriptSmall = (@('true') * 20) -join "`n"
$bashScriptLarge = (@('true') * 200) -join "`n"
$null = Invoke-FrostRunbook $pwshSmall   # warm-up

$pwshPerStep = [Collections.Generic.List[double]]::new()
$pwshFixed = [Collections.Generic.List[double]]::new()
$bashPerStep = [Collections.Generic.List[double]]::new()
$naivePerStep = [Collections.Generic.List[double]]::new()
$pwsh = (Get-Command pwsh -CommandType Application | Select-Object -First 1).Source
for ($i = 0; $i -lt $Runs; $i++) {
    Write-Progress -Activity 'Runbook step overhead' -Status "run $($i + 1) of $Runs" -PercentComplete (100 * $i / $Runs)
    $small = Measure-Seconds { Invoke-FrostRunbook $pwshSmall }
    $large = Measure-Seconds { Invoke-FrostRunbook $pwshLarge }
    $plainSmall = Measure-Seconds { & $scriptSmall }
    $plainLarge = Measure-Seconds { & $scriptLarge }
    $pwshPerStep.Add(1000 * (($large - $small) - ($plainLarge - $plainSmall)) / 180)
    $pwshFixed.Add(1000 * ($small - 20 * ($large - $small) / 180))

    $bSmall = Measure-Seconds { Invoke-FrostRunbook $bashSmall }
    $bLarge = Measure-Seconds { Invoke-FrostRunbook $bashLarge }
    $plainBashSmall = Measure-Seconds { bash -c $bashScriptSmall }
    $plainBashLarge = Measure-Seconds { bash -c $bashScriptLarge }
    $bashPerStep.Add(1000 * (($bLarge - $bSmall) - ($plainBashLarge - $plainBashSmall)) / 180)

    # What a naive runner does: a fresh pwsh per step (10 steps are enough to see it).
    $naive = Measure-Seconds { 1..10 | ForEach-Object { & $pwsh -NoProfile -NonInteractive -Command '$null = 1' } }
    $naivePerStep.Add(1000 * $naive / 10)
}
Write-Progress -Activity 'Runbook step overhead' -Completed

[ordered]@{
    'runbooks.parse_mb_per_s' = Get-Summary $rates -Target '> 20' -Pass { param($m) $m -gt 20 }
    'runbooks.parse_input_mb' = Get-Summary @($bytes / 1MB)
    'runbooks.pwsh_step_overhead_ms' = Get-Summary $pwshPerStep -Target '< 2' -Pass { param($m) $m -lt 2 }
    'runbooks.pwsh_run_fixed_cost_ms' = Get-Summary $pwshFixed
    'runbooks.bash_step_overhead_ms' = Get-Summary $bashPerStep
    'runbooks.naive_fresh_pwsh_per_step_ms' = Get-Summary $naivePerStep
}
