# The runbook engine with real processes: bash children, the PowerShell runspace, journals on disk.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    $fixtures = Join-Path (Get-RepoRoot) 'tests/fixtures/runbooks'
    $work = Join-Path ([IO.Path]::GetTempPath()) "frostguard-runbooks-$([guid]::NewGuid().ToString('N'))"
    New-Item -ItemType Directory -Path $work | Out-Null
}

AfterAll {
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}

Describe 'Get-FrostRunbook and Test-FrostRunbook' {
    It 'reads a Runme document in both brace and JSON forms, acting on name and cwd and warning about the rest' {
        $runbook = Get-FrostRunbook (Join-Path $fixtures 'runme-style.md')
        $runbook.Steps.Id | Should -Be @('print-date', 'greet-runme', 'third-cell')
        $findings = Test-FrostRunbook -InputObject $runbook
        $findings | Where-Object Severity -eq 'Error' | Should -BeNullOrEmpty
        ($findings | Where-Object RuleId -eq 'FG1005').Message -join ' ' | Should -Match "'interactive'.*'excludeFromRunAll'"
        $results = Invoke-FrostRunbook $runbook.Path
        $results.Status | Should -Be @('Succeeded', 'Succeeded', 'Succeeded')
        ($results | Where-Object StepId -eq 'greet-runme').Output | Should -Match 'hello from /tmp'
    }

    It 'lints PowerShell steps against this session and bash steps with bash -n, located by line' {
        $path = Join-Path $fixtures 'lint-errors.md'
        $findings = Test-FrostRunbook $path
        $byRule = $findings | Group-Object RuleId -AsHashTable
        $byRule['FG2002'].Message | Should -Match "'Get-FrostServices' is not a command"
        $byRule['FG2002'].Line | Should -Be 4
        $byRule['FG2003'].Message | Should -Match 'no parameter -Nmae'
        $byRule['FG2003'].Line | Should -Be 8
        # After `--`, `-U` and `-c` are arguments for the container's command, not parameters.
        $byRule['FG2003'] | Should -HaveCount 1
        $byRule['FG2001'].Line | Sort-Object -Unique | Should -Be 12
        $byRule['FG2005'].Message | Should -Match 'bash'
        $byRule['FG2004'].Severity | Should -Be 'Warning'
        $byRule['FG2004'].Message | Should -Match 'Environment'
        $findings[0].Path | Should -Be $path
    }

    It 'refuses to run a runbook with errors, with RunbookInvalid' {
        { Invoke-FrostRunbook (Join-Path $fixtures 'lint-errors.md') } |
            Should -Throw -ErrorId 'RunbookInvalid,FrostGuard.InvokeFrostRunbookCommand' -ExpectedMessage "*does not run*'Get-FrostServices' is not a command*"
    }

    It 'takes runbooks from a folder through the pipeline' {
        $runbooks = Get-FrostRunbook $fixtures
        $runbooks.Count | Should -BeGreaterOrEqual 8
        $findings = $runbooks | Test-FrostRunbook
        ($findings | Where-Object Severity -eq 'Error').Path | Sort-Object -Unique | Should -Be (Join-Path $fixtures 'lint-errors.md')
    }
}

Describe 'Invoke-FrostRunbook' {
    It 'rolls back the failed step, then earlier steps newest first, runs finally steps, and reports RunbookFailed' {
        $trace = Join-Path $work 'trace-rollback.txt'
        $results = Invoke-FrostRunbook (Join-Path $fixtures 'failing-with-rollback.md') -Parameter @{ Trace = $trace } -ErrorVariable problems -ErrorAction SilentlyContinue
        Get-Content $trace | Should -Be @('prepare', 'apply', 'undo-apply', 'undo-prepare', 'always')
        ($results | ForEach-Object { "$($_.StepId):$($_.Status)" }) | Should -Be @('prepare:Succeeded', 'apply:Failed', 'apply:RolledBack', 'prepare:RolledBack', 'always:Succeeded')
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'RunbookFailed,FrostGuard.InvokeFrostRunbookCommand'
        $problems[0].Exception.Message | Should -Match "failed at step 'apply'"
        $problems[0].ErrorDetails.RecommendedAction | Should -Match '-Resume'
    }

    It 'names the step that stopped the run, not an earlier one allowed to fail' {
        $path = Join-Path $work 'continue-then-fail.md'
        Set-Content -Path $path -Value "# Keep going`n`n``````bash {#may-fail continue-on-error=true}`nexit 1`n```````n``````bash {#breaks}`nexit 2`n```````n"
        $results = Invoke-FrostRunbook $path -ErrorVariable problems -ErrorAction SilentlyContinue
        ($results | ForEach-Object { "$($_.StepId):$($_.Status)" }) | Should -Be @('may-fail:Failed', 'breaks:Failed')
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'RunbookFailed,FrostGuard.InvokeFrostRunbookCommand'
        $problems[0].Exception.Message | Should -Match "failed at step 'breaks' \(line 6\): bash exited with code 2\. Nothing was rolled back\."
    }

    It 'stops a step at its timeout: the whole bash process tree and a PowerShell pipeline' {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $results = Invoke-FrostRunbook (Join-Path $fixtures 'slow.md') -ErrorAction SilentlyContinue
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 20
        ($results | Where-Object StepId -eq 'slow-bash').Status | Should -Be 'TimedOut'
        ($results | Where-Object StepId -eq 'slow-pwsh').Status | Should -Be 'TimedOut'
        $deadline = [DateTime]::UtcNow.AddSeconds(5)
        do {
            $left = @(Get-ChildItem /proc -Directory -ErrorAction SilentlyContinue | Where-Object Name -match '^\d+$' | ForEach-Object {
                    try { (Get-Content -Raw "$($_.FullName)/cmdline" -ErrorAction Stop) -replace "`0", ' ' } catch { $null } } |
                Where-Object { $_ -and $_.Trim() -eq 'sleep 41.5' })
        } while ($left.Count -gt 0 -and [DateTime]::UtcNow -lt $deadline -and -not (Start-Sleep -Milliseconds 200))
        $left.Count | Should -Be 0
    }

    It 'retries a failing step and records each try' {
        $counter = Join-Path $work 'counter.txt'
        $result = Invoke-FrostRunbook (Join-Path $fixtures 'retries.md') -Parameter @{ Counter = $counter }
        $result.Status | Should -Be 'Succeeded'
        $result.Attempts | Should -Be 3
        $result.Output | Should -Match 'succeeded on try 3'
        $journal = Get-Content (Get-FrostRunbookRun -Id $result.RunId).JournalPath
        @($journal | Where-Object { $_ -match '"step-attempt"' }).Count | Should -Be 3
    }

    It 'is a real dry run with -WhatIf: read-only steps run, nothing changes, later failures are WhatIf' {
        $sentinel = Join-Path $work 'sentinel'
        $seen = Join-Path $work 'seen'
        $results = Invoke-FrostRunbook (Join-Path $fixtures 'dry-run.md') -Parameter @{ Sentinel = $sentinel; Seen = $seen } -WhatIf
        Test-Path $sentinel | Should -BeFalse
        Test-Path $seen | Should -BeTrue
        $status = @{}; $results | ForEach-Object { $status[$_.StepId] = $_ }
        $status['look'].Status | Should -Be 'Succeeded'
        $status['safe-pwsh'].Status | Should -Be 'WhatIf'
        $status['safe-pwsh'].Message | Should -Be 'ran with -WhatIf in effect'
        $status['unsafe-bash'].Message | Should -BeLike 'would run: touch*'
        $status['native-pwsh'].Message | Should -Match "'touch' is a native command"
        $status['depends'].Status | Should -Be 'WhatIf'
        $status['depends'].Message | Should -Match 'earlier step was only simulated'
        (Get-FrostRunbookRun -Id $results[0].RunId).Status | Should -Be 'WhatIf'
    }

    It 'never lets a secret parameter reach output, errors, the journal or the step output files' {
        $secret = 'sk-' + [guid]::NewGuid().ToString('N')
        $secure = ConvertTo-SecureString $secret -AsPlainText -Force
        $results = Invoke-FrostRunbook (Join-Path $fixtures 'secrets.md') -Parameter @{ ApiToken = $secure } `
            -ErrorVariable problems -ErrorAction SilentlyContinue -InformationVariable shown 6>$null
        ($results | Where-Object StepId -eq 'bash-echo').Output | Should -Match 'bash sees \*\*\*\*'
        ($results | Where-Object StepId -eq 'pwsh-echo').Output | Should -Match 'pwsh sees \*\*\*\*'
        ($results | Out-String -Width 500) + ($results.Output -join "`n") | Should -Not -Match $secret
        ($problems | Out-String) | Should -Not -Match $secret
        ($shown | Out-String) | Should -Not -Match $secret
        $run = Get-FrostRunbookRun -Id $results[0].RunId
        $files = Get-ChildItem -Recurse -File (Split-Path $run.JournalPath)
        $files.Count | Should -BeGreaterThan 1
        foreach ($file in $files) { Get-Content -Raw $file.FullName | Should -Not -Match $secret }
        $run.Parameters['ApiToken'] | Should -Be '****'
    }

    It 'runs a destructive step only when someone confirms or -Force is given' {
        $marker = Join-Path $work 'wiped'
        $result = Invoke-FrostRunbook (Join-Path $fixtures 'destructive.md') -Parameter @{ Marker = $marker } -ErrorAction SilentlyContinue
        $result.Status | Should -Be 'Failed'
        $result.Error | Should -Match '-Force'
        Test-Path $marker | Should -BeFalse
        (Invoke-FrostRunbook (Join-Path $fixtures 'destructive.md') -Parameter @{ Marker = $marker } -Force).Status | Should -Be 'Succeeded'
        Test-Path $marker | Should -BeTrue
    }

    It 'refuses a missing required parameter when no one can be asked, and an undeclared one' {
        { Invoke-FrostRunbook (Join-Path $fixtures 'destructive.md') } |
            Should -Throw -ErrorId 'RunbookParameterMissing,FrostGuard.InvokeFrostRunbookCommand' -ExpectedMessage "*Marker*"
        { Invoke-FrostRunbook (Join-Path $fixtures 'destructive.md') -Parameter @{ Marker = 'x'; Nope = 1 } } |
            Should -Throw -ErrorId 'RunbookParameterInvalid,FrostGuard.InvokeFrostRunbookCommand'
    }

    It 'resumes after the runner was killed with kill -9, skipping what succeeded, and refuses a changed runbook' {
        $runbook = Join-Path $work 'resumable.md'
        Copy-Item (Join-Path $fixtures 'resumable.md') $runbook
        $trace = Join-Path $work 'trace-resume.txt'
        $gate = Join-Path $work 'gate'
        $script = "Import-Module '$(Get-ModuleManifestPath)'; Invoke-FrostRunbook '$runbook' -Parameter @{ Trace = '$trace'; Gate = '$gate' }"
        $child = Start-Process -FilePath (Get-PwshPath) -ArgumentList '-NoProfile', '-NonInteractive', '-Command', $script -PassThru
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while (-not ((Test-Path $trace) -and (Get-Content $trace) -contains 'two')) {
            if ([DateTime]::UtcNow -gt $deadline -or $child.HasExited) { throw 'the first run never reached step two' }
            Start-Sleep -Milliseconds 100
        }
        # SIGKILL, no clean-up, no run-end line. The pwsh tool shim runs the real pwsh as its child.
        $real = @(Get-Process | Where-Object { $_.Parent.Id -eq $child.Id })
        $real | ForEach-Object { Stop-Process -Id $_.Id -Force }
        Stop-Process -Id $child.Id -Force -ErrorAction SilentlyContinue
        $real | ForEach-Object { $_.WaitForExit() }
        New-Item -ItemType File -Path $gate | Out-Null   # lets the orphaned step-two shell finish

        $killed = Get-FrostRunbookRun -Runbook $runbook -Last 1
        $killed.Status | Should -Be 'Incomplete'

        Add-Content -Path $runbook -Value "`nA note added later."
        { Invoke-FrostRunbook $runbook -Parameter @{ Trace = $trace; Gate = $gate } -Resume } |
            Should -Throw -ErrorId 'RunbookResumeRefused,FrostGuard.InvokeFrostRunbookCommand' -ExpectedMessage '*changed*'

        $results = Invoke-FrostRunbook $runbook -Parameter @{ Trace = $trace; Gate = $gate } -Resume -Force
        ($results | ForEach-Object { "$($_.StepId):$($_.Status)" }) | Should -Be @('one:Skipped', 'two:Succeeded', 'three:Succeeded')
        (Get-FrostRunbookRun -Id $results[0].RunId).ResumedFrom | Should -Be $killed.RunId
        Get-Content $trace | Where-Object { $_ -eq 'one' } | Should -HaveCount 1
        (Get-Content $trace)[-1] | Should -Be 'three'
    }
}

Describe 'Tab completion' {
    It 'completes -Step and -Section with the ids of the runbook named on the same line' {
        $line = "Invoke-FrostRunbook -Path '$(Join-Path $fixtures 'failing-with-rollback.md')' -Step undo-"
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('undo-prepare', 'undo-apply')
        Push-Location $fixtures
        $line = "Invoke-FrostRunbook -Path checklist.md -Section a"
        try { (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('automated') } finally { Pop-Location }
    }
}
