# The standard every FrostGuard cmdlet is held to; it grows with the module, so a new cmdlet
# cannot fall below it.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    $readOnlyVerbs = @('Get', 'Test', 'Find', 'Search', 'Show', 'Measure', 'Compare', 'Resolve', 'Select', 'Watch', 'Wait')
    $destructiveVerbs = @('Remove', 'Restore', 'Undo', 'Reset', 'Clear', 'Unregister')
    $cmdlets = @(Get-Command -Module FrostGuard -CommandType Cmdlet | ForEach-Object {
            @{ Name = $_.Name; Verb = $_.Verb; Command = $_
               ChangesState = $_.Verb -notin $readOnlyVerbs; Destroys = $_.Verb -in $destructiveVerbs }
        })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
}

Describe '<Name>' -ForEach $cmdlets {
    BeforeAll {
        $attribute = $Command.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $true)[0]
    }

    It 'uses an approved verb' {
        (Get-Verb).Verb | Should -Contain $Verb
    }

    It 'declares [OutputType]' {
        $Command.OutputType | Should -Not -BeNullOrEmpty
    }

    It 'has a format view for each FrostGuard output type' {
        foreach ($type in $Command.OutputType | Where-Object Name -like 'FrostGuard.*') {
            Get-FormatData -TypeName $type.Name | Should -Not -BeNullOrEmpty -Because "$($type.Name) needs a view in module/FrostGuard.format.ps1xml"
        }
    }

    # Read-only verbs get no such test rather than a skipped one: nothing is left undone.
    It 'supports -WhatIf and -Confirm, since its verb changes state' -Tag 'ShouldProcess' -ForEach @($_ | Where-Object ChangesState) {
        $attribute.SupportsShouldProcess | Should -BeTrue
    }

    It 'asks for confirmation by default (ConfirmImpact High), since its verb destroys' -ForEach @($_ | Where-Object Destroys) {
        $attribute.ConfirmImpact | Should -Be ([System.Management.Automation.ConfirmImpact]::High)
    }

    It 'takes -ConfigPath like every FrostGuard cmdlet' {
        $Command.Parameters.Keys | Should -Contain 'ConfigPath'
    }

    # New cmdlets inherit the completion of the parameters they share with the old ones.
    It 'completes service names, backup ids, runbook paths and runbook parts where it takes them' {
        foreach ($parameter in $Command.Parameters.Values) {
            $expected = switch -Regex ($parameter.Name) {
                '^(Service|StopService)$' { 'ServiceNameCompleter' }
                '^Name$' { if ($parameter.Aliases -contains 'Service') { 'ServiceNameCompleter' } }
                '^BackupId$' { 'BackupIdCompleter' }
                '^Id$' { if ($Name -like '*-FrostBackup') { 'BackupIdCompleter' } }
                '^(Section|Step)$' { 'RunbookPartCompleter' }
                '^Path$' { if ($Name -like '*-FrostRunbook' -or $Name -in 'Invoke-FrostChecklist', 'ConvertTo-FrostPesterTest') { 'RunbookPathCompleter' } }
                '^Check$' { if ($Name -eq 'Test-FrostHealth') { 'HealthCheckCompleter' } }
            }
            if (-not $expected) { continue }
            $completers = @($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ArgumentCompleterAttribute] } | ForEach-Object { $_.Type.Name })
            $completers | Should -Contain $expected -Because "-$($parameter.Name) of $Name takes what $expected completes"
        }
    }

    It 'names only output types that exist' {
        foreach ($type in $Command.OutputType) {
            $type.Type | Should -Not -BeNullOrEmpty -Because "[OutputType('$($type.Name)')] must name a real type"
        }
    }
}

# Help, as Get-Help shows it for the module imported from the checkout: built from
# docs/cmdlets/<Verb-Noun>.md into en-US/FrostGuard.dll-Help.xml by ./build.sh build.
Describe '<Name> help' -ForEach $cmdlets {
    BeforeAll {
        $help = Get-Help -Name $Name -Full
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
        $real = @($Command.Parameters.Keys | Where-Object { $_ -notin $common } | Sort-Object)
        $page = Join-Path (Get-RepoRoot) "docs/cmdlets/$Name.md"
    }

    It 'has a synopsis and a description from its page' {
        # Without a help file Get-Help makes up a synopsis from the syntax and has no description.
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match ([regex]::Escape("$Name ["))
        ($help.description.Text -join "`n").Trim() | Should -Not -BeNullOrEmpty
    }

    It 'describes each parameter' {
        foreach ($parameter in @($Command.Parameters.Keys | Where-Object { $_ -notin [System.Management.Automation.PSCmdlet]::CommonParameters })) {
            $described = $help.parameters.parameter | Where-Object name -eq $parameter
            $described | Should -Not -BeNullOrEmpty -Because "Get-Help $Name must list -$parameter"
            ($described.description.Text -join '').Trim() | Should -Not -BeNullOrEmpty -Because "-$parameter of $Name needs a description"
        }
    }

    It 'has at least two examples, each with code and a remark' {
        $examples = @($help.examples.example)
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($example in $examples) {
            $example.code | Should -Not -BeNullOrEmpty
            ($example.remarks.Text -join '').Trim() | Should -Not -BeNullOrEmpty
        }
    }

    It 'has a docs page whose parameters are exactly the real ones' {
        Test-Path $page | Should -BeTrue -Because "every cmdlet needs docs/cmdlets/$Name.md"
        $inParameters = $false
        $documented = foreach ($line in Get-Content $page) {
            if ($line -match '^## ') { $inParameters = $line -eq '## Parameters' }
            elseif ($inParameters -and $line -match '^### -(\w+)\s*$') { $Matches[1] }
        }
        @($documented | Sort-Object) | Should -Be $real
    }

    It 'shows the real parameter metadata (type, position, pipeline input)' {
        foreach ($parameter in $Command.Parameters.Values | Where-Object { $_.Name -notin $common }) {
            $described = $help.parameters.parameter | Where-Object name -eq $parameter.Name
            $type = $parameter.ParameterType
            if ($type -ne [System.Management.Automation.SwitchParameter]) {
                $shown = if ([Nullable]::GetUnderlyingType($type)) { [Nullable]::GetUnderlyingType($type).Name } else { $type.Name }
                $described.type.name | Should -Be $shown -Because "-$($parameter.Name)'s type"
            }
            $byValue = @($parameter.ParameterSets.Values | Where-Object ValueFromPipeline).Count -gt 0
            $byName = @($parameter.ParameterSets.Values | Where-Object ValueFromPipelineByPropertyName).Count -gt 0
            $described.pipelineInput | Should -Be $(if ($byValue -and $byName) { 'True (ByPropertyName, ByValue)' } elseif ($byValue) { 'True (ByValue)' } elseif ($byName) { 'True (ByPropertyName)' } else { 'False' })
            $positions = @($parameter.ParameterSets.Values | Where-Object Position -ge 0 | ForEach-Object Position)
            $described.position | Should -Be $(if ($positions.Count -gt 0) { "$($positions[0])" } else { 'named' })
        }
    }
}

Describe 'Help files' {
    It 'include about_FrostGuard and about_FrostGuard_Runbooks with their short descriptions' {
        foreach ($topic in 'about_FrostGuard', 'about_FrostGuard_Runbooks') {
            $text = Get-Help -Name $topic | Out-String
            $text | Should -Match 'SHORT DESCRIPTION'
            $text | Should -Match 'LONG DESCRIPTION'
        }
    }

    It 'are found by Get-Help for the module installed from ./build.sh package output' {
        $version = (Import-PowerShellDataFile (Get-ModuleManifestPath)).ModuleVersion
        $packaged = Join-Path (Get-RepoRoot) "out/FrostGuard/$version/FrostGuard.psd1"
        Test-Path $packaged | Should -BeTrue -Because './build.sh test lays out the package before the Pester suites run'
        $found = Invoke-FreshPwsh -Script @"
Import-Module '$packaged'
`$help = Get-Help Get-FrostService -Full
[pscustomobject]@{
    ModuleBase = (Get-Module FrostGuard).ModuleBase
    Synopsis = `$help.Synopsis
    Examples = @(`$help.examples.example).Count
    About = (Get-Help about_FrostGuard | Out-String) -match 'SHORT DESCRIPTION'
} | ConvertTo-Json
"@
        $found.ModuleBase | Should -Be (Split-Path $packaged)
        $found.Synopsis | Should -Be (Get-Help Get-FrostService).Synopsis
        $found.Examples | Should -BeGreaterOrEqual 2
        $found.About | Should -BeTrue
    }
}

Describe 'Error ids' {
    BeforeAll {
        $fields = [FrostGuard.ErrorIds].GetFields() | Where-Object { $_.IsLiteral }
        $errorsDoc = Get-Content -Raw (Join-Path (Get-RepoRoot) 'docs/errors.md')
    }

    It 'are constants whose value is their PascalCase name' {
        $fields.Count | Should -BeGreaterThan 0
        foreach ($field in $fields) {
            $field.GetValue($null) | Should -BeExactly $field.Name
            $field.Name | Should -MatchExactly '^[A-Z][A-Za-z]+$'
        }
    }

    It 'are unique' {
        $values = $fields | ForEach-Object { $_.GetValue($null) }
        ($values | Sort-Object -Unique).Count | Should -Be $values.Count
    }

    It 'are each a row of the table in docs/errors.md, and the table has no other ids' {
        # A row: | `Id` | Category | Means | What to do |
        $rows = @([regex]::Matches($errorsDoc, '(?m)^\| `([A-Za-z]+)` \|([^|\n]+)\|([^|\n]+)\|([^|\n]+)\|') | ForEach-Object {
                [pscustomobject]@{ Id = $_.Groups[1].Value; Category = $_.Groups[2].Value.Trim(); Means = $_.Groups[3].Value.Trim(); Action = $_.Groups[4].Value.Trim() } })
        foreach ($field in $fields) {
            $row = $rows | Where-Object Id -ceq $field.Name
            $row | Should -Not -BeNullOrEmpty -Because "docs/errors.md must have a row | ``$($field.Name)`` | category | means | what to do |"
            $row.Means | Should -Not -BeNullOrEmpty
            $row.Action | Should -Not -BeNullOrEmpty
            foreach ($category in $row.Category -split '\s*/\s*') {
                [System.Enum]::GetNames([System.Management.Automation.ErrorCategory]) | Should -Contain $category -Because "$($field.Name)'s category must be an ErrorCategory"
            }
        }
        $stale = @($rows.Id | Where-Object { $_ -cnotin $fields.Name })
        $stale | Should -BeNullOrEmpty -Because 'every id docs/errors.md lists must exist in ErrorIds.cs'
        ($rows.Id | Sort-Object -Unique).Count | Should -Be $rows.Count -Because 'each id has one row'
    }
}
