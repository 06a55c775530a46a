# Progress on the commands that take more than a second, read from the progress stream of a
# PowerShell instance: every bar that was shown is completed at the end, on success and on
# failure, and nested bars name a parent that exists.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    Wait-SandboxHealthy
    $work = Join-Path ([IO.Path]::GetTempPath()) "frostguard-progress-$([guid]::NewGuid().ToString('N'))"
    New-Item -ItemType Directory -Path $work | Out-Null

    # Runs a script in a fresh runspace with FrostGuard imported; returns its progress records.
    function Get-ProgressOf([string] $Script) {
        $shell = [powershell]::Create()
        try {
            $null = $shell.AddScript("Import-Module '$(Get-ModuleManifestPath)'`n$Script")
            $null = $shell.Invoke()
            [pscustomobject]@{ Records = @($shell.Streams.Progress); Errors = @($shell.Streams.Error) }
        }
        finally { $shell.Dispose() }
    }

    function Assert-AllCompleted($Records) {
        $Records.Count | Should -BeGreaterThan 0 -Because 'a command that takes more than a second shows progress'
        foreach ($group in $Records | Group-Object ActivityId) {
            $group.Group[-1].RecordType | Should -Be 'Completed' -Because "the bar '$($group.Group[0].Activity)' (id $($group.Name)) must be completed"
        }
        $ids = @($Records.ActivityId | Sort-Object -Unique)
        foreach ($record in $Records | Where-Object ParentActivityId -ge 0) {
            $ids | Should -Contain $record.ParentActivityId -Because "'$($record.Activity)' is nested under a bar that is shown"
        }
    }
}

AfterAll {
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}

Describe 'Progress' {
    It 'Test-FrostHealth shows the checks as they finish and completes the bar' {
        $run = Get-ProgressOf 'Test-FrostHealth'
        $run.Errors | Should -BeNullOrEmpty
        Assert-AllCompleted $run.Records
    }

    It 'Invoke-FrostBackup -Verify shows the dump and completes every bar' {
        $run = Get-ProgressOf "Invoke-FrostBackup -Verify -Destination '$(Join-Path $work 'backups')'"
        $run.Errors | Should -BeNullOrEmpty
        Assert-AllCompleted $run.Records
    }

    It 'Invoke-FrostRunbook shows the steps and completes the bar, also when a step fails' {
        $state = Join-Path $work 'state'
        $ok = Get-ProgressOf "`$env:FROSTGUARD_STATE = '$state'; Invoke-FrostRunbook '$(Join-Path (Get-RepoRoot) 'runbooks/daily-operations.md')' -WhatIf"
        $ok.Errors | Should -BeNullOrEmpty
        Assert-AllCompleted $ok.Records

        $failed = Get-ProgressOf "`$env:FROSTGUARD_STATE = '$state'; Invoke-FrostRunbook '$(Join-Path (Get-RepoRoot) 'tests/fixtures/runbooks/failing-with-rollback.md')' -Parameter @{ Trace = '$(Join-Path $work 'trace.txt')' }"
        @($failed.Errors | Where-Object { $_.FullyQualifiedErrorId -like 'RunbookFailed,*' }).Count | Should -Be 1
        Assert-AllCompleted $failed.Records
    }
}
