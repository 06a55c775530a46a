# "Safety III" through the cmdlet, with real runners in child processes: a runner killed with
# kill -9 in a long bash step, then -Resume; two runs of one runbook at once; resume parameters;
# the dry run's safety check.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    $work = Join-Path ([IO.Path]::GetTempPath()) "frostguard-runsafety-$([guid]::NewGuid().ToString('N'))"
    New-Item -ItemType Directory -Path $work | Out-Null
    $state = Join-Path $work 'state'
    $savedState = $env:FROSTGUARD_STATE
    $env:FROSTGUARD_STATE = $state

    # A runner in a pwsh of its own that writes its PID first (the dotnet tool's launcher is not the runner).
    function Start-Runner([string] $Runbook, [string] $Name, [string] $Extra = '') {
        $pidFile = Join-Path $work "$Name.pid"
        $script = Join-Path $work "$Name.ps1"
        Set-Content $script @"
Set-Content -LiteralPath '$pidFile' `$PID
`$env:FROSTGUARD_STATE = '$state'
Import-Module '$(Get-ModuleManifestPath)'
Invoke-FrostRunbook '$Runbook' $Extra 6>`$null | Out-Null
"@
        $launcher = Start-Process -FilePath (Get-PwshPath) -PassThru -ArgumentList @('-NoProfile', '-NonInteractive', '-File', $script)
        # The file exists before its number is written: wait for the number (an empty read is 0, and `kill -9 0` ends this whole run).
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        $runnerPid = 0
        while (-not ([int]::TryParse((Get-Content -LiteralPath $pidFile -Raw -ErrorAction SilentlyContinue), [ref]$runnerPid) -and $runnerPid -gt 1)) {
            if ([DateTime]::UtcNow -gt $deadline) { throw 'the runner did not start' }
            Start-Sleep -Milliseconds 50
        }
        [pscustomobject]@{ Launcher = $launcher; Pid = $runnerPid }
    }

    function Wait-ForFile([string] $Path, [int] $Seconds = 60) {
        $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
        while (-not (Test-Path $Path)) {
            if ([DateTime]::UtcNow -gt $deadline) { throw "$Path never appeared" }
            Start-Sleep -Milliseconds 50
        }
    }

    function Stop-Runner($Runner) {
        if ($Runner.Pid -le 1) { throw "refusing to kill process $($Runner.Pid)" }
        kill -9 $Runner.Pid 2>$null
        Wait-ProcessDead $Runner.Pid
        if (-not $Runner.Launcher.HasExited) { Stop-Process -Id $Runner.Launcher.Id -ErrorAction Ignore }
        $Runner.Launcher.WaitForExit()
    }

    function Get-Sleepers([string] $Marker) {
        @(Get-ChildItem /proc -Directory -ErrorAction SilentlyContinue | Where-Object Name -match '^\d+$' | Where-Object {
                try { ((Get-Content -Raw "$($_.FullName)/cmdline" -ErrorAction Stop) -replace "`0", ' ').Trim() -eq "sleep $Marker" } catch { $false } })
    }
}

AfterAll {
    $env:FROSTGUARD_STATE = $savedState
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}

Describe 'A runner killed with kill -9 in a long bash step, then -Resume' {
    It 'ends the orphaned step before anything else, says so, and continues from the step whose effect is not in place' {
        $marker = "$(Get-Random -Minimum 100 -Maximum 999).$(Get-Random -Minimum 100 -Maximum 999)"
        $trace = Join-Path $work 'trace-kill'
        $runbook = Join-Path $work 'killed.md'
        Set-Content $runbook @"
# Killed mid-step

``````bash {#first}
echo first >> '$trace'
``````

``````bash {#long}
echo long-started >> '$trace'
sleep $marker
echo long-ended >> '$trace'
``````

``````bash {#last}
echo last >> '$trace'
``````
"@
        $runner = Start-Runner $runbook 'killed'
        Wait-ForFile $trace
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while (-not ((Get-Content $trace -ErrorAction SilentlyContinue) -contains 'long-started')) {
            if ([DateTime]::UtcNow -gt $deadline) { throw 'the long step never started' }
            Start-Sleep -Milliseconds 50
        }
        Stop-Runner $runner
        (Get-Sleepers $marker).Count | Should -Be 1 -Because 'a bash step runs in a session of its own and outlives its runner'

        # Its test: the same runbook now; for a resume, the sleep of the new attempt is short.
        (Get-Content -Raw $runbook) -replace [regex]::Escape("sleep $marker"), 'sleep 0.1' | Set-Content $runbook
        $results = @(Invoke-FrostRunbook $runbook -Resume -Force -WarningVariable warned 3>$null 6>$null)
        ($warned -join "`n") | Should -Match "Step 'long' of run .* \(session \d+\) was still running after its runner ended; it was ended"
        (Get-Sleepers $marker).Count | Should -Be 0
        ($results | ForEach-Object { "$($_.StepId):$($_.Status)" }) | Should -Be @('first:Skipped', 'long:Succeeded', 'last:Succeeded')
        Get-Content $trace | Should -Be @('first', 'long-started', 'long-started', 'long-ended', 'last')
    }
}

Describe 'One run of a runbook at a time' {
    It 'refuses a second run while the first runs, naming its run id and PID; then runs once it is over' {
        $started = Join-Path $work 'lock-started'
        $runbook = Join-Path $work 'locked.md'
        Set-Content $runbook "# Locked`n`n``````bash {#hold}`ntouch '$started'; sleep 20`n``````"
        $runner = Start-Runner $runbook 'locked'
        try {
            Wait-ForFile $started
            { Invoke-FrostRunbook $runbook 6>$null } | Should -Throw -ErrorId 'RunbookRunInProgress,FrostGuard.InvokeFrostRunbookCommand' -ExpectedMessage "*PID $($runner.Pid)*did not start*"
        }
        finally { Stop-Runner $runner }

        Set-Content $runbook "# Locked`n`n``````bash {#hold}`ntrue`n``````"
        (Invoke-FrostRunbook $runbook -Force -WarningAction SilentlyContinue 6>$null).Status | Should -Be 'Succeeded'
    }
}

Describe 'Resume uses the parameters of the run it continues' {
    BeforeAll {
        $runbook = Join-Path $work 'parameters.md'
        Set-Content $runbook @"
---
parameters:
  - name: Target
    default: alpha
  - name: Token
    secret: true
---
# Parameters

``````pwsh {#record}
"`$Target" | Add-Content '$(Join-Path $work 'targets')'
``````

``````bash {#fail}
test -f '$(Join-Path $work 'ready')'
``````
"@
        $token = ConvertTo-SecureString 'not a real token' -AsPlainText -Force
        $null = Invoke-FrostRunbook $runbook -Parameter @{ Target = 'beta'; Token = $token } -ErrorAction SilentlyContinue 6>$null
    }

    It 'refuses other values unless -Force' {
        { Invoke-FrostRunbook $runbook -Resume -Parameter @{ Target = 'gamma'; Token = $token } 6>$null } |
            Should -Throw -ErrorId 'RunbookResumeRefused,FrostGuard.InvokeFrostRunbookCommand' -ExpectedMessage "*'Target' was 'beta'*'gamma'*"
    }

    It 'asks for a secret again, and without anyone to ask, refuses' {
        { Invoke-FrostRunbook $runbook -Resume 6>$null } |
            Should -Throw -ErrorId 'RunbookParameterMissing,FrostGuard.InvokeFrostRunbookCommand' -ExpectedMessage "*needs the secret 'Token' again*"
    }

    It 'refuses a parameter the runbook does not declare, as a fresh run does' {
        { Invoke-FrostRunbook $runbook -Resume -Parameter @{ Token = $token; Nope = 1 } 6>$null } |
            Should -Throw -ErrorId 'RunbookParameterInvalid,FrostGuard.InvokeFrostRunbookCommand' -ExpectedMessage "*declares no parameter 'Nope'*"
    }

    It 'continues only a run against the same deployment' {
        $other = Join-Path $work 'other-deployment.json'
        Copy-Item $env:FROSTGUARD_CONFIG $other
        { Invoke-FrostRunbook $runbook -Resume -ConfigPath $other -Parameter @{ Token = $token } 6>$null } |
            Should -Throw -ErrorId 'RunbookResumeRefused,FrostGuard.InvokeFrostRunbookCommand' -ExpectedMessage "*no earlier run of*against $other to resume*"
        Test-Path (Join-Path $work 'targets') | Should -BeTrue
        @(Get-Content (Join-Path $work 'targets')).Count | Should -Be 1
    }

    It 'takes the values it does not get from the run it continues' {
        Set-Content (Join-Path $work 'ready') 'yes'
        $results = @(Invoke-FrostRunbook $runbook -Resume -Parameter @{ Token = $token } 6>$null)
        ($results | ForEach-Object { "$($_.StepId):$($_.Status)" }) | Should -Be @('record:Skipped', 'fail:Succeeded')
        Get-Content (Join-Path $work 'targets') | Should -Be @('beta')
    }
}

Describe 'The dry run runs nothing it cannot prove safe' {
    It 'describes rather than runs ForEach-Object -MemberName, a property assignment, and a function an earlier step defined' {
        $victim = Join-Path $work 'victim.txt'
        Set-Content $victim 'keep me'
        $runbook = Join-Path $work 'unsafe.md'
        Set-Content $runbook @"
# Unsafe in a dry run

``````pwsh {#define .readonly}
function Get-Harmless { param(`$Path) [IO.File]::Delete(`$Path) }
``````

``````pwsh {#call}
Get-Harmless '$victim'
``````

``````pwsh {#member}
Get-Item '$victim' | ForEach-Object -MemberName Delete
``````

``````pwsh {#member-positional}
Get-Item '$victim' | ForEach-Object Delete
``````

``````pwsh {#property}
`$file = Get-Item '$victim'
`$file.IsReadOnly = `$true
``````
"@
        $results = @(Invoke-FrostRunbook $runbook -WhatIf 6>$null)
        Get-Content $victim | Should -Be 'keep me'
        (Get-Item $victim).IsReadOnly | Should -BeFalse
        ($results | Where-Object StepId -eq 'call').Message | Should -Match "'Get-Harmless' is a function an earlier step defined"
        ($results | Where-Object StepId -eq 'member').Message | Should -Match 'ForEach-Object calls the member Delete'
        ($results | Where-Object StepId -eq 'member-positional').Message | Should -Match 'ForEach-Object calls the member Delete'
        ($results | Where-Object StepId -eq 'property').Message | Should -Match 'sets the property \$file.IsReadOnly'
    }

    It 'describes rather than runs what turns -WhatIf off, a member call after a safe use of ForEach-Object, and functions it cannot check' {
        $victim = Join-Path $work 'victim2.txt'
        Set-Content $victim 'keep me'
        $runbook = Join-Path $work 'unsafe2.md'
        Set-Content $runbook @"
# Unsafe in a dry run, second round

``````pwsh {#cached}
Get-ChildItem '$work' | ForEach-Object { `$_.Name } | Out-Null
Get-Item '$victim' | ForEach-Object Delete
``````

``````pwsh {#after-switch}
Get-Item '$victim' | ForEach-Object -Verbose Delete
``````

``````pwsh {#whatif-false}
Remove-Item '$victim' -WhatIf:`$false
``````

``````pwsh {#preference}
`$WhatIfPreference = `$false
Remove-Item '$victim'
``````

``````pwsh {#defaults}
`$PSDefaultParameterValues['*:WhatIf'] = `$false
Remove-Item '$victim'
``````

``````pwsh {#parallel}
'$victim' | ForEach-Object -Parallel { Remove-Item `$_ }
``````

``````pwsh {#increment}
`$counter = [pscustomobject]@{ N = 1 }
`$counter.N++
``````

``````pwsh {#several}
`$file = Get-Item '$victim'
`$one, `$file.IsReadOnly = 1, `$true
``````

``````pwsh {#import .readonly}
New-Module -Name Sneaky -ScriptBlock { function Get-Sneaky { param(`$Path) [IO.File]::Delete(`$Path) } } | Import-Module
``````

``````pwsh {#module-function}
Get-Sneaky '$victim'
``````

``````pwsh {#uses-get-date}
Get-Date | Out-Null
``````

``````pwsh {#shadow .readonly}
function Get-Date { [IO.File]::Delete('$victim') }
``````

``````pwsh {#shadowed}
Get-Date
``````
"@
        $results = @(Invoke-FrostRunbook $runbook -WhatIf 6>$null)
        Get-Content $victim | Should -Be 'keep me'
        (Get-Item $victim).IsReadOnly | Should -BeFalse
        $message = @{}
        $results | ForEach-Object { $message[$_.StepId] = "$($_.Status): $($_.Message)" }
        $message['cached'] | Should -Match 'ForEach-Object calls the member Delete'
        $message['after-switch'] | Should -Match 'ForEach-Object calls the member Delete'
        $message['whatif-false'] | Should -Match 'gives -WhatIf a value of its own'
        $message['preference'] | Should -Match 'sets \$WhatIfPreference'
        $message['defaults'] | Should -Match 'sets \$PSDefaultParameterValues'
        $message['parallel'] | Should -Match 'ForEach-Object -Parallel'
        $message['increment'] | Should -Match 'sets the property \$counter.N'
        $message['several'] | Should -Match 'sets the property \$file.IsReadOnly'
        $message['module-function'] | Should -Match "function of module Sneaky"
        $message['shadowed'] | Should -Match "'Get-Date' is a function an earlier step defined"
    }
}
