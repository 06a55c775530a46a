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
"$($result.PassedCount) $failed $($result.SkippedCount)" | Set-Content -Path (Join-Path $ResultFolder 'pester-counts.txt')
if ($failed -gt 0) { exit 1 }
