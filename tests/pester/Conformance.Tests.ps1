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

    It 'are each documented in docs/errors.md' {
        foreach ($field in $fields) {
            $errorsDoc | Should -Match "\b$($field.Name)\b" -Because "docs/errors.md must say what $($field.Name) means and what to do"
        }
    }
}
