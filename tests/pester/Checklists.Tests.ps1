# Checklists verified by Pester, and the run report (checked in a real browser).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    $fixtures = Join-Path (Get-RepoRoot) 'tests/fixtures/runbooks'
    $work = Join-Path ([IO.Path]::GetTempPath()) "frostguard-checklists-$([guid]::NewGuid().ToString('N'))"
    New-Item -ItemType Directory -Path $work | Out-Null
    $marker = Join-Path ([IO.Path]::GetTempPath()) 'frostguard-checklist-marker'
}

AfterAll {
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
    Remove-Item -Force $marker -ErrorAction SilentlyContinue
}

Describe 'Invoke-FrostChecklist' {
    # Pester cannot run inside a running Pester, so each checklist runs in a fresh pwsh.
    It 'passes the automated items, skips the manual one, and fails the item whose check fails' {
        Remove-Item $marker -ErrorAction SilentlyContinue
        $report = Join-Path $work 'checklist.xml'
        $result = Invoke-FreshPwsh @"
Import-Module '$(Get-ModuleManifestPath)'
`$r = Invoke-FrostChecklist '$(Join-Path $fixtures 'checklist.md')' -OutputFile '$report' -OutputFormat JUnitXml 6>`$null
@{ Passed = `$r.PassedCount; Failed = `$r.FailedCount; Skipped = `$r.SkippedCount
   Failures = @(`$r.Failed.ExpandedName); Skips = @(`$r.Skipped.ExpandedName) } | ConvertTo-Json
"@
        $result.Passed | Should -Be 2
        $result.Failed | Should -Be 1
        $result.Failures | Should -Be @('Marker file exists')
        $result.Skipped | Should -Be 1
        $result.Skips | Should -Be @('Someone read the error log')
        [xml]$xml = Get-Content $report
        $xml.testsuites | Should -Not -BeNullOrEmpty
    }

    It 'passes every automated item once the condition holds' {
        New-Item -ItemType File -Path $marker -Force | Out-Null
        $result = Invoke-FreshPwsh @"
Import-Module '$(Get-ModuleManifestPath)'
`$r = Invoke-FrostChecklist '$(Join-Path $fixtures 'checklist.md')' -Section automated 6>`$null
@{ Passed = `$r.PassedCount; Failed = `$r.FailedCount; Skipped = `$r.SkippedCount } | ConvertTo-Json
"@
        $result.Passed | Should -Be 3
        $result.Failed | Should -Be 0
        $result.Skipped | Should -Be 0
    }

    It 'runs checks written with Should as Pester assertions, and plain boolean checks beside them' {
        $result = Invoke-FreshPwsh @"
Import-Module '$(Get-ModuleManifestPath)'
`$r = Invoke-FrostChecklist '$(Join-Path $fixtures 'checklist-pester.md')' 6>`$null
@{ Passed = @(`$r.Passed.ExpandedName); Failed = @(`$r.Failed.ExpandedName); Message = "`$(`$r.Failed[0].ErrorRecord[0])" } | ConvertTo-Json
"@
        $result.Passed | Should -Be @('The temporary folder exists', 'Arithmetic holds, said with an operator alias', 'A plain boolean check still works')
        $result.Failed | Should -Be @('A failing assertion fails the item')
        $result.Message | Should -Match "Expected strings to be the same"
    }

    It 'says how to get Pester when there is none' {
        $result = Invoke-FreshPwsh @"
`$env:HOME = '$work'
`$env:PSModulePath = '$work'
Import-Module '$(Get-ModuleManifestPath)'
try { Invoke-FrostChecklist '$(Join-Path $fixtures 'checklist.md')'; @{ Id = 'none' } | ConvertTo-Json }
catch { @{ Id = `$_.FullyQualifiedErrorId; Action = `$_.ErrorDetails.RecommendedAction } | ConvertTo-Json }
"@
        $result.Id | Should -Be 'PesterNotFound,FrostGuard.InvokeFrostChecklistCommand'
        $result.Action | Should -Match 'Install-PSResource Pester'
    }
}

Describe 'Linting .check blocks with Pester known' {
    BeforeAll {
        function Test-CheckBlock([string] $Code, [string] $Attributes = '{.check}') {
            $path = Join-Path $work "check-$([guid]::NewGuid().ToString('N')).md"
            Set-Content -Path $path -Value "# Checks`n`n- [ ] An item`n  ``````pwsh $Attributes`n  $Code`n  ``````"
            # No finding proves nothing about a check that never became one.
            (Get-FrostRunbook $path).Steps.Code | Should -Be $Code
            @(Test-FrostRunbook $path)
        }
    }

    It 'a check written the Pester way is clean, and so is a plain boolean check' {
        $runbook = Get-FrostRunbook (Join-Path $fixtures 'checklist-pester.md')
        @($runbook.Checklist | Where-Object { $_.Check.Role -eq 'Check' -and $_.Check.Language -eq 'PowerShell' }).Count | Should -Be 4
        Test-FrostRunbook -InputObject $runbook | Should -BeNullOrEmpty
        Test-CheckBlock 'Test-Path $HOME | Should -BeTrue' | Should -BeNullOrEmpty
        Test-CheckBlock 'Test-Path $HOME' | Should -BeNullOrEmpty
        Test-CheckBlock '{ throw "x" } | Should -Throw -ExpectedMessage x' | Should -BeNullOrEmpty
    }

    It 'a misspelt operator is an error on its line that names the operator meant' {
        $findings = Test-CheckBlock 'Test-Path $HOME | Should -BeTru'
        $findings.RuleId | Should -Be 'FG2003'
        $findings.Severity | Should -Be 'Error'
        $findings.Line | Should -Be 5
        $findings.Message | Should -Match 'no operator or parameter -BeTru in Pester 5\.7\.1; did you mean -BeTrue\?'
    }

    It 'a Should without an operator, and a misspelt Pester command parameter, are errors' {
        (Test-CheckBlock '$true | Should').Message | Should -Match 'Should needs an operator'
        (Test-CheckBlock 'Set-ItResult -Skiped').Message | Should -Match 'Set-ItResult has no parameter -Skiped'
    }

    It 'Should is known in .check blocks only: a runbook step that calls it is still an unknown command' {
        $path = Join-Path $work 'should-in-step.md'
        Set-Content -Path $path -Value "# Steps`n`n``````pwsh`n`$true | Should -BeTrue`n``````"
        (Test-FrostRunbook $path).Message | Should -Match "'Should' is not a command"
    }

    It 'the vocabulary FrostGuard carries is the one of the Pester it pins' {
        $pester = (Get-Module Pester).Path -replace 'Pester\.psm1$', 'Pester.psd1'
        $script = Join-Path (Get-RepoRoot) 'scripts/Export-PesterVocabulary.ps1'
        $fresh = & (Get-PwshPath) -NoProfile -NonInteractive -File $script -PesterModule $pester
        $LASTEXITCODE | Should -Be 0
        $committed = Get-Content -Raw (Join-Path (Get-RepoRoot) 'src/FrostGuard/Runbooks/PesterVocabulary.json')
        ($fresh -join "`n") + "`n" | Should -BeExactly $committed
    }
}

Describe 'ConvertTo-FrostPesterTest' {
    It 'writes a Pester file that names each item and marks manual ones' {
        $file = ConvertTo-FrostPesterTest (Join-Path $fixtures 'checklist.md') (Join-Path $work 'checklist.Tests.ps1')
        $text = Get-Content -Raw $file.FullName
        $text | Should -Match "Describe 'Checklist demo'"
        $text | Should -Match "Context 'Automated'"
        $text | Should -Match "It 'Bash check that passes'"
        $text | Should -Match "Set-ItResult -Skipped -Because 'manual check'"
        $text | Should -Match 'Import-Module FrostGuard'
        $errors = $null
        $null = [System.Management.Automation.Language.Parser]::ParseInput($text, [ref]$null, [ref]$errors)
        $errors | Should -BeNullOrEmpty
    }

    It 'writes item names with any quote PowerShell ends a string at, and the file parses back to those names' {
        # The ASCII quote and the four typographic ones PowerShell's tokenizer takes for it.
        $quotes = @("'", [char]0x2018, [char]0x2019, [char]0x201A, [char]0x201B)
        $items = @($quotes | ForEach-Object { "the server$($_)s certificate" })
        $source = Join-Path $work 'quotes.md'
        "# Quotes`n`n## Certificates`n`n$(($items | ForEach-Object { "- [ ] $_" }) -join "`n")`n" | Set-Content -LiteralPath $source -Encoding utf8NoBOM
        $file = ConvertTo-FrostPesterTest $source (Join-Path $work 'quotes.Tests.ps1')
        $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseFile($file.FullName, [ref]$null, [ref]$errors)
        $errors | Should -BeNullOrEmpty
        $its = $ast.FindAll({ param($node) $node -is [System.Management.Automation.Language.CommandAst] -and $node.GetCommandName() -eq 'It' }, $true)
        @($its | ForEach-Object { $_.CommandElements[1].Value }) | Should -Be $items
    }
}

Describe 'Export-FrostRunReport' {
    BeforeAll {
        $trace = Join-Path $work 'trace.txt'
        $results = Invoke-FrostRunbook (Join-Path $fixtures 'failing-with-rollback.md') -Parameter @{ Trace = $trace } -ErrorAction SilentlyContinue 6>$null
        $html = Join-Path $work 'report.html'
        $results | Export-FrostRunReport -Path $html | Out-Null
    }

    It 'writes one self-contained HTML file with the run summary and each step annotated' {
        $text = Get-Content -Raw $html
        $text | Should -Match '<style>'
        $text | Should -Not -Match '<script'
        $text | Should -Not -Match '(src|href)="https?:'
        $text | Should -Match 'data-status="Failed"'
        $text | Should -Match 'data-status="RolledBack"'
    }

    It 'shows the failed step and the rollback in a real browser (headless Chromium)' {
        $dom = Get-ChromiumDom -Path $html -ProfileFolder (Join-Path $work 'chromium-profile')
        $dom | Should -Match 'id="run-status"[^>]*>Run [^:]+: <strong>Failed</strong>'
        $dom | Should -Match 'Failed at <a href="#step-apply">apply</a>'
        $dom | Should -Match 'Rolled back: apply, prepare'
        $dom | Should -Match 'id="step-apply"[^>]*data-status="Failed"'
        $dom | Should -Match 'id="step-apply-rollback"[^>]*data-status="RolledBack"'
    }

    It 'takes the step results as the array a variable holds, by parameter' {
        $fromVariable = Join-Path $work 'report-from-variable.md'
        $file = Export-FrostRunReport -Run $results -Path $fromVariable -Format Markdown
        $file.FullName | Should -Be $fromVariable
        Get-Content -Raw $fromVariable | Should -Match ([regex]::Escape("# Run $($results[0].RunId)"))
    }

    It 'refuses the results of two runs, piped or by parameter, naming both, and writes nothing' {
        $other = Invoke-FrostRunbook (Join-Path $fixtures 'runme-style.md') 6>$null
        $other | Should -Not -BeNullOrEmpty
        $mixed = Join-Path $work 'mixed.html'
        $runIds = @($results[0].RunId, $other[0].RunId)
        foreach ($attempt in @({ @($results) + @($other) | Export-FrostRunReport -Path $mixed }, { Export-FrostRunReport -Run (@($results) + @($other)) -Path $mixed })) {
            $caught = $null
            try { & $attempt } catch { $caught = $_ }
            $caught.FullyQualifiedErrorId | Should -Be 'RunReportInputInvalid,FrostGuard.ExportFrostRunReportCommand'
            $caught.Exception.Message | Should -Match ([regex]::Escape($runIds[0]))
            $caught.Exception.Message | Should -Match ([regex]::Escape($runIds[1]))
            $caught.ErrorDetails.RecommendedAction | Should -Match 'Where-Object RunId'
        }
        Test-Path $mixed | Should -BeFalse
    }

    It 'writes a Markdown report from the journal alone' {
        $md = Join-Path $work 'report.md'
        Export-FrostRunReport -Run $results[0].RunId -Path $md -Format Markdown | Out-Null
        $text = Get-Content -Raw $md
        $text | Should -Match '# Run .*: Failed'
        $text | Should -Match '\| apply \| Main \| \*\*Failed\*\*'
        $text | Should -Match '\| apply \| Rollback \| \*\*RolledBack\*\*'
    }
}
