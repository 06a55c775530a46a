# Runbooks across the fleet: waves in inventory order, the failure threshold (exceeded stops,
# equal goes on), unreachable hosts counted apart, rollback of completed hosts, the ledger and
# its report grid, a controller killed mid-run (kill -9) followed by -Resume, and the runner's
# undo of a completed run. Against the fleet sandbox (./build.sh fleet up), brought down after.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    Wait-SandboxHealthy
    $env:FROSTGUARD_INVENTORY = Start-TestFleet
    $null = Install-FrostModule -Target app -Confirm:$false
    $fleetRoot = Get-TestFleetRoot
    $knownHosts = Get-Content (Join-Path $fleetRoot 'known_hosts')
    $runbook = Join-Path (Get-RepoRoot) 'tests/fixtures/runbooks/fleet-marker.md'
    function Get-HostMarker([string] $HostName, [string] $Marker) {
        $file = Join-Path $fleetRoot "hosts/$HostName/home/fleet-test/$Marker"
        if (Test-Path $file) { (Get-Content -Raw $file).Trim() }
    }
    function Get-HostJournal([string] $HostName, [string] $RunId) {
        Join-Path $fleetRoot "hosts/$HostName/home/.local/state/frostguard/runs/$RunId.jsonl"
    }
    function Get-HostRunCount([string] $HostName) {
        @(Get-ChildItem -Path (Join-Path $fleetRoot "hosts/$HostName/home/.local/state/frostguard/runs") -Filter '*.jsonl' -ErrorAction SilentlyContinue).Count
    }
    function New-Marker { "m-$([guid]::NewGuid().ToString('n').Substring(0, 8))" }
}

AfterAll {
    Remove-Item Env:FROSTGUARD_INVENTORY -ErrorAction SilentlyContinue
    Stop-TestFleet
}

Describe 'Invoke-FrostRunbook -Target' {
    It 'runs wave by wave in inventory order, one result per host, and keeps a ledger with each host''s journal' {
        $marker = New-Marker
        $lines = Invoke-FrostRunbook $runbook -Target app -Wave 1, 100% -Parameter @{ Marker = $marker } -GateCheck Containers -Confirm:$false
        $lines.Count | Should -Be 3
        ($lines | Sort-Object Host).Host | Should -Be @('app1', 'app2', 'app3')
        ($lines | Where-Object Host -eq app1).Wave | Should -Be 1
        ($lines | Where-Object Host -ne app1).Wave | Sort-Object -Unique | Should -Be 2
        $lines.Status | Sort-Object -Unique | Should -Be 'Succeeded'
        foreach ($h in 'app1', 'app2', 'app3') { Get-HostMarker $h $marker | Should -Be $h }
        # Wave 2 started only after wave 1 ended.
        $app1 = $lines | Where-Object Host -eq app1
        ($lines | Where-Object Host -ne app1).Started | ForEach-Object { $_ | Should -BeGreaterThan $app1.Ended }

        $fleet = Get-FrostRunbookRun -Id $lines[0].FleetRunId
        $fleet | Should -BeOfType ([FrostGuard.Runbooks.FrostFleetRun])
        $fleet.Status | Should -Be 'Succeeded'
        foreach ($line in $fleet.Hosts) {
            Test-Path $line.JournalCopy | Should -BeTrue
            $line.RunId | Should -Not -BeNullOrEmpty
            Test-Path (Get-HostJournal $line.Host $line.RunId) | Should -BeTrue -Because 'the host ran under the run id the controller gave it'
            $line.Steps.StepId | Should -Contain 'write-marker'
        }
        (Get-FrostRunbookRun -Fleet -Last 1).FleetRunId | Should -Be $fleet.FleetRunId
    }

    It 'stops after a wave whose failures exceed -MaxFailure and rolls the completed hosts back, newest wave first' {
        $marker = New-Marker
        $lines = Invoke-FrostRunbook $runbook -Target app -Wave 1, 1 -MaxFailure 0% -RollbackCompleted -Parameter @{ Marker = $marker; FailOn = 'app2' } `
            -GateCheck Containers -Confirm:$false -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'FleetRunStopped,FrostGuard.InvokeFrostRunbookCommand'
        $problems[0].Exception.Message | Should -Match 'Wave 2 of 3 \(app2\): 1 failed and 0 unreachable of 1, more than -MaxFailure 0% allows; wave 3 did not start'
        $problems[0].ErrorDetails.RecommendedAction | Should -Match '-Resume'

        $fleet = Get-FrostRunbookRun -Id $lines[0].FleetRunId
        $fleet.Status | Should -Be 'RolledBack'
        ($fleet.Hosts | Where-Object Host -eq app1).Status | Should -Be 'RolledBack'
        ($fleet.Hosts | Where-Object Host -eq app1).UndoRunId | Should -Not -BeNullOrEmpty
        ($fleet.Hosts | Where-Object Host -eq app2).Status | Should -Be 'Failed'
        ($fleet.Hosts | Where-Object Host -eq app3).Status | Should -Be 'Pending'
        Get-HostMarker app1 $marker | Should -BeNullOrEmpty -Because 'the completed host was undone'
        Get-HostMarker app2 $marker | Should -BeNullOrEmpty -Because 'the failed host rolled itself back'
        Get-HostMarker app3 $marker | Should -BeNullOrEmpty -Because 'wave 3 never started'

        # The report: a hosts x steps grid, as a browser renders it.
        $html = Join-Path $TestDrive 'fleet.html'
        $fleet | Export-FrostRunReport -Path $html | Out-Null
        $dom = Get-ChromiumDom -Path $html -ProfileFolder (Join-Path $TestDrive 'chromium')
        $dom | Should -Match 'id="fleet-status" data-status="RolledBack"'
        $dom | Should -Match 'id="cell-app2-fail-where-told" data-status="Failed"'
        $dom | Should -Match 'id="cell-app1-write-marker" data-status="RolledBack"'
        $dom | Should -Match 'id="host-app3" data-status="Pending"'
        (Get-Content -Raw $html) | Should -Not -Match '<script|(src|href)="https?:'
    }

    It 'goes on when a wave''s failures equal -MaxFailure' {
        $marker = New-Marker
        $lines = Invoke-FrostRunbook $runbook -Target app -Wave 2, 100% -MaxFailure 50% -Parameter @{ Marker = $marker; FailOn = 'app2' } `
            -GateCheck Containers -Confirm:$false -ErrorVariable problems -ErrorAction SilentlyContinue
        ($lines | Where-Object Host -eq app3).Status | Should -Be 'Succeeded' -Because '1 failed of 2 is 50%: equal, not more'
        Get-HostMarker app3 $marker | Should -Be 'app3'
        (Get-FrostRunbookRun -Id $lines[0].FleetRunId).Status | Should -Be 'Failed'
        $problems[0].Exception.Message | Should -Match 'within -MaxFailure 50%'
    }

    It 'reports an unreachable host apart, counts it against the threshold, and goes on with the others' {
        $folder = Join-Path $TestDrive 'unreachable'
        New-Item -ItemType Directory -Path $folder | Out-Null
        $inventory = New-TestFleetInventory -Folder $folder -KnownHosts $knownHosts -ExtraRows '| gone | 127.0.0.1 | 22299 | root | | app | |'
        $lines = Invoke-FrostRunbook $runbook -Inventory $inventory -Target app1, gone -MaxFailure 50% -Parameter @{ Marker = (New-Marker) } `
            -GateCheck Containers -Confirm:$false -ErrorVariable problems -ErrorAction SilentlyContinue
        ($lines | Where-Object Host -eq gone).Status | Should -Be 'Unreachable'
        ($lines | Where-Object Host -eq gone).Message | Should -Match 'unreachable'
        ($lines | Where-Object Host -eq app1).Status | Should -Be 'Succeeded'
        $fleet = Get-FrostRunbookRun -Fleet -Last 1
        $fleet.Status | Should -Be 'Failed'
    }

    It 'refuses a step that would ask a person unless -Force, before any host runs' {
        $confirm = Join-Path (Get-RepoRoot) 'tests/fixtures/runbooks/fleet-confirm.md'
        $before = Get-HostRunCount app1
        { Invoke-FrostRunbook $confirm -Target app1 -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'FleetRunRefused,FrostGuard.InvokeFrostRunbookCommand'
        { Invoke-FrostRunbook $runbook -Target app1 -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'RunbookParameterMissing,FrostGuard.InvokeFrostRunbookCommand'
        { Invoke-FrostRunbook $runbook -Target app1 -Wave 0 -Parameter @{ Marker = 'x' } -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'FleetWaveInvalid,FrostGuard.InvokeFrostRunbookCommand'
        Get-HostRunCount app1 | Should -Be $before
    }

    It 'previews the waves with -WhatIf and starts nothing' {
        $before = Get-HostRunCount app1
        Invoke-FrostRunbook $runbook -Target app -Wave 1, 100% -Parameter @{ Marker = 'whatif' } -WhatIf | Should -BeNullOrEmpty
        Get-HostRunCount app1 | Should -Be $before
    }
}

Describe 'A fleet run whose controller is killed' {
    It 'leaves each started host finishing on its own; -Resume follows them and runs only the hosts never reached' {
        $marker = New-Marker
        $before = @{}; foreach ($h in 'app1', 'app2', 'app3') { $before[$h] = Get-HostRunCount $h }
        $script = @"
Import-Module '$(Get-ModuleManifestPath)'
Invoke-FrostRunbook '$runbook' -Target app -Wave 1, 100% -Parameter @{ Marker = '$marker'; PauseSeconds = 6 } -GateCheck Containers -Confirm:`$false
"@
        $env:OUT = Join-Path $TestDrive 'controller.out'; $env:ERR = Join-Path $TestDrive 'controller.err'
        # bash execs pwsh with its output in files: the PID is the controller's own, to kill -9.
        $controller = [System.Diagnostics.Process]::Start('/usr/bin/bash', [string[]]@('-c', 'exec "$0" "$@" >"$OUT" 2>"$ERR"', (Get-PwshPath), '-NoProfile', '-NonInteractive', '-Command', $script))
        # Wait until the ledger shows app1 running (wave 1), then kill the controller outright.
        $deadline = (Get-Date).AddSeconds(60)
        $fleet = $null
        while ((Get-Date) -lt $deadline) {
            $fleet = Get-FrostRunbookRun -Fleet -Last 1 | Where-Object { $_.Parameters.Marker -eq $marker }
            if ($fleet -and ($fleet.Hosts | Where-Object Host -eq app1).Status -eq 'Running' -and (Test-Path (Get-HostJournal app1 ($fleet.Hosts | Where-Object Host -eq app1).RunId))) { break }
            Start-Sleep -Milliseconds 200
        }
        $fleet | Should -Not -BeNullOrEmpty -Because "the controller started the run (stderr: $(Get-Content -Raw (Join-Path $TestDrive 'controller.err') -ErrorAction SilentlyContinue))"
        # The ledger names the controller's own process (a dotnet-tool pwsh runs it as a child of its shim).
        $fleet.ControllerPid | Should -BeGreaterThan 0
        & kill -9 $fleet.ControllerPid
        $controller.WaitForExit()
        Get-Process -Id $fleet.ControllerPid -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $app1Run = ($fleet.Hosts | Where-Object Host -eq app1).RunId

        # app1 finishes its run with nobody watching.
        $deadline = (Get-Date).AddSeconds(60)
        while ((Get-Date) -lt $deadline -and -not (Select-String -Path (Get-HostJournal app1 $app1Run) -Pattern '"run-end"' -Quiet)) { Start-Sleep -Milliseconds 200 }
        Select-String -Path (Get-HostJournal app1 $app1Run) -Pattern '"runStatus":"Succeeded"' -Quiet | Should -BeTrue
        Get-HostMarker app1 $marker | Should -Be 'app1'
        (Get-FrostRunbookRun -Id $fleet.FleetRunId).Status | Should -Be 'Incomplete'

        $lines = Invoke-FrostRunbook $runbook -Target app -Resume -GateCheck Containers -Confirm:$false
        $resumed = Get-FrostRunbookRun -Id $fleet.FleetRunId
        $resumed.Status | Should -Be 'Succeeded'
        ($resumed.Hosts | Where-Object Host -eq app1).RunId | Should -Be $app1Run -Because 'app1 was followed, not run again'
        foreach ($h in 'app2', 'app3') { Get-HostMarker $h $marker | Should -Be $h }
        foreach ($h in 'app1', 'app2', 'app3') { Get-HostRunCount $h | Should -Be ($before[$h] + 1) -Because "$h ran exactly once" }
        ($lines | Sort-Object Host).Host | Should -Be @('app1', 'app2', 'app3')
    }

    It 'has nothing to resume for a runbook that never ran on the fleet' {
        $confirm = Join-Path (Get-RepoRoot) 'tests/fixtures/runbooks/fleet-confirm.md'
        { Invoke-FrostRunbook $confirm -Target app -Resume -Force -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'FleetRunNotFound,FrostGuard.InvokeFrostRunbookCommand'
    }
}

Describe 'Undo-FrostRunbookRun' {
    It 'runs the rollbacks of a completed run''s steps, newest first, as a journaled run, once' {
        $folder = Join-Path $TestDrive 'undo'
        $results = Invoke-FrostRunbook $runbook -Parameter @{ Marker = 'local'; Folder = $folder } -Confirm:$false
        Test-Path (Join-Path $folder 'local') | Should -BeTrue
        $runId = $results[0].RunId

        Undo-FrostRunbookRun -Id $runId -WhatIf | Should -BeNullOrEmpty
        Test-Path (Join-Path $folder 'local') | Should -BeTrue

        $undo = Undo-FrostRunbookRun -Id $runId -Confirm:$false
        Test-Path (Join-Path $folder 'local') | Should -BeFalse
        ($undo | Where-Object StepId -eq 'write-marker').Status | Should -Be 'RolledBack'
        ($undo | Where-Object StepId -eq 'write-marker').RollbackStepId | Should -Be 'remove-marker'
        ($undo | Where-Object StepId -eq 'pause').Status | Should -Be 'Skipped' -Because 'a step without rollback stays, and says so'
        $undo[0].StepId | Should -Be 'fail-where-told' -Because 'newest first'
        (Get-FrostRunbookRun -Id $undo[0].RunId).UndoOf | Should -Be $runId

        { Undo-FrostRunbookRun -Id $runId -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'RunbookUndoRefused,FrostGuard.UndoFrostRunbookRunCommand'
        { Undo-FrostRunbookRun -Id $undo[0].RunId -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'RunbookUndoRefused,FrostGuard.UndoFrostRunbookRunCommand'
    }

    It 'refuses a run that failed (it rolled back by itself)' {
        $failed = Invoke-FrostRunbook $runbook -Parameter @{ Marker = 'failed'; FailOn = 'local'; Folder = (Join-Path $TestDrive 'failed') } -Confirm:$false -ErrorAction SilentlyContinue
        { Undo-FrostRunbookRun -Id $failed[0].RunId -Confirm:$false -ErrorAction Stop } | Should -Throw '*did not complete (Failed)*'
    }
}
