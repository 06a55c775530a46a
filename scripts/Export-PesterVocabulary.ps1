<#
.SYNOPSIS
Writes the Pester vocabulary the runbook linter knows in .check blocks: Pester's public commands
with their parameters and aliases, and Should's operators. Run it against the Pester that
FrostGuard pins when that pin changes; a Pester test compares its output with the committed
src/FrostGuard/Runbooks/PesterVocabulary.json.
#>
param(
    [Parameter(Mandatory)] [string] $PesterModule,
    [string] $OutputPath
)
$ErrorActionPreference = 'Stop'
$pester = Import-Module $PesterModule -PassThru -Force

function Get-ParameterNames([System.Management.Automation.CommandInfo] $Command) {
    $names = foreach ($parameter in $Command.Parameters.Values) { $parameter.Name; $parameter.Aliases }
    @($names | Sort-Object -Unique -CaseSensitive)
}

$commands = [ordered]@{}
foreach ($command in Get-Command -Module $pester.Name | Sort-Object Name) {
    $resolved = if ($command.CommandType -eq 'Alias') { $command.ResolvedCommand } else { $command }
    $commands[$command.Name] = Get-ParameterNames $resolved
}

$vocabulary = [ordered]@{
    pester    = "$($pester.Version)"
    commands  = $commands
    operators = @(Get-ShouldOperator | Sort-Object Name | ForEach-Object {
            [ordered]@{ name = $_.Name; aliases = @($_.Alias | Where-Object { $_ } | Sort-Object) }
        })
}
$json = ($vocabulary | ConvertTo-Json -Depth 5) -replace "`r`n", "`n"
if ($OutputPath) { [IO.File]::WriteAllText($OutputPath, $json + "`n") } else { $json }
