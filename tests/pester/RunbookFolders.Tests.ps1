# Get-FrostRunbook on a folder: every .md in name order, one object per file. A file with Markdown
# problems comes back with its findings, located in that file, and the others load; a file that
# cannot be read at all ends the command there, after the files before it.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
}

Describe 'Get-FrostRunbook on a folder' {
    BeforeEach {
        $folder = Join-Path ([IO.Path]::GetTempPath()) ('frostguard-folder-' + [guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path $folder | Out-Null
        # Written in another order than their names.
        Set-Content -Path (Join-Path $folder 'c-last.md') -Value "# Last`n`n``````pwsh`nGet-Date`n```````n"
        Set-Content -Path (Join-Path $folder 'a-first.md') -Value "# First`n`n``````bash`necho a`n```````n"
        Set-Content -Path (Join-Path $folder 'b-broken.md') -Value "# Broken`n`n``````bash {#late-step timeout=soon}`necho b`n"
    }

    AfterEach {
        Remove-Item -Recurse -Force $folder
    }

    It 'returns every runbook in name order' {
        (Get-FrostRunbook $folder).Id | Should -Be @('a-first', 'b-broken', 'c-last')
    }

    It 'reports a broken file''s problems in that file and still loads the others' {
        $runbooks = Get-FrostRunbook $folder -ErrorVariable failures
        $failures | Should -BeNullOrEmpty
        $runbooks[0].HasErrors | Should -BeFalse
        $runbooks[0].Steps.Code | Should -Be 'echo a'
        $runbooks[2].HasErrors | Should -BeFalse
        $runbooks[2].Steps.Code | Should -Be 'Get-Date'
        $runbooks[1].Steps.Id | Should -Be 'late-step'
        $errors = @($runbooks[1].Findings | Where-Object Severity -eq 'Error')
        $errors.RuleId | Should -Contain 'FG1001'
        $errors.RuleId | Should -Contain 'FG1006'
        $errors.Path | Sort-Object -Unique | Should -Be (Join-Path $folder 'b-broken.md')
        (Test-FrostRunbook $folder | Where-Object Severity -eq 'Error').Path | Sort-Object -Unique | Should -Be (Join-Path $folder 'b-broken.md')
    }

    It 'stops at a file that cannot be read, after the files before it' {
        Remove-Item (Join-Path $folder 'b-broken.md')
        New-Item -ItemType SymbolicLink -Path (Join-Path $folder 'b-broken.md') -Target (Join-Path $folder 'missing.md') | Out-Null
        $seen = [Collections.Generic.List[string]]::new()
        { Get-FrostRunbook $folder | ForEach-Object { $seen.Add($_.Id) } } | Should -Throw '*b-broken.md*'
        $seen | Should -Be @('a-first')
    }
}
