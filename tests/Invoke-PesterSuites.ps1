<#
.SYNOPSIS
Runs the Pester suites under tests/pester in this (fresh) pwsh and writes
"passed failed skipped" to pester-counts.txt plus an NUnit report in the result folder.
#>
param(
    [Parameter(Mandatory)] [string] $PesterModule,
    [Parameter(Mandatory)] [string] $ResultFolder,
    [string[]] $Path = @(Join-Path $PSScriptRoot 'pester'),
    [string[]] $Tag
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterModule -Force

# bash passes "-Path a.ps1,b.ps1" as one string; a path that does not exist must fail the run,
# not quietly run nothing and report "0 failed".
$Path = @($Path | ForEach-Object { $_ -split ',' } | Where-Object { $_ })
$missing = @($Path | Where-Object { -not (Test-Path $_) })
if ($missing) {
    "0 $($missing.Count) 0" | Set-Content -Path (Join-Path $ResultFolder 'pester-counts.txt')
    Write-Error "No such test path: $($missing -join ', ')" -ErrorAction Continue
    exit 1
}

$configuration = New-PesterConfiguration
$configuration.Run.Path = $Path
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Detailed'
$configuration.TestResult.Enabled = $true
$configuration.TestResult.OutputFormat = 'NUnitXml'
$configuration.TestResult.OutputPath = Join-Path $ResultFolder 'pester.xml'
if ($Tag) { $configuration.Filter.Tag = $Tag }

$result = Invoke-Pester -Configuration $configuration
# A container that failed to run (an error in BeforeAll or in discovery) counts as a failure.
$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
# CI shows only the tail of the log: repeat each failure there, with its first error line.
if ($failed -gt 0) {
    Write-Host "`nFailures:" -ForegroundColor Red
    foreach ($test in $result.Failed) {
        $reason = ($test.ErrorRecord | Select-Object -First 1 | ForEach-Object { "$_" }) -split "`n" | Select-Object -First 1
        Write-Host "  [-] $($test.ExpandedPath)  ($($test.ScriptBlock.File):$($test.StartLine))`n      $reason" -ForegroundColor Red
    }
    foreach ($block in @($result.FailedBlocks) + @($result.FailedContainers)) {
        $name = if ($block.ExpandedPath) { $block.ExpandedPath } else { "$($block.Item)" }
        $reason = ($block.ErrorRecord | Select-Object -First 1 | ForEach-Object { "$_" }) -split "`n" | Select-Object -First 1
        Write-Host "  [-] $name (setup)`n      $reason" -ForegroundColor Red
    }
}
"$($result.PassedCount) $failed $($result.SkippedCount)" | Set-Content -Path (Join-Path $ResultFolder 'pester-counts.txt')
if ($failed -gt 0) { exit 1 }
