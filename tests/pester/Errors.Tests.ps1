# Broken configuration, an unreachable Docker socket and a stopped database each give one
# clear error record: the id pinned, the category right, the target the failing input, and a
# message that names what failed and what to do.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    $work = Join-Path ([IO.Path]::GetTempPath()) "frostguard-errors-$([guid]::NewGuid().ToString('N'))"
    New-Item -ItemType Directory -Path $work | Out-Null
}

AfterAll {
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}

Describe 'Configuration errors' {
    It 'an unknown key is ConfigInvalid naming the file, line and key' {
        $path = Join-Path $work 'typo.json'
        Get-Content -Raw $env:FROSTGUARD_CONFIG | ForEach-Object { $_ -replace '"backupRoot"', '"backupRooot"' } | Set-Content $path
        $errors = @()
        try { Get-FrostService -ConfigPath $path } catch { $errors += $_ }
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be 'ConfigInvalid,FrostGuard.GetFrostServiceCommand'
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $errors[0].TargetObject | Should -Be $path
        $errors[0].Exception.Message | Should -Match ([regex]::Escape("$path`:"))
        $errors[0].Exception.Message | Should -Match "unknown key 'backupRooot'"
        $errors[0].ErrorDetails.RecommendedAction | Should -Match 'Fix'
    }

    It 'a bad value is ConfigInvalid naming the key and what is wrong' {
        $path = New-ConfigVariant -Path (Join-Path $work 'port.json') -Change { param($c) $c.database.port = 99999 }
        { Get-FrostDatabase -ConfigPath $path } | Should -Throw -ErrorId 'ConfigInvalid,FrostGuard.GetFrostDatabaseCommand' -ExpectedMessage "*database.port*99999 is not a TCP port*"
    }

    It 'a missing file is ConfigNotFound naming the path' {
        $missing = Join-Path $work 'absent.json'
        { Get-FrostDeployment -ConfigPath $missing } | Should -Throw -ErrorId 'ConfigNotFound,FrostGuard.GetFrostDeploymentCommand' -ExpectedMessage "*$missing*"
    }
}

Describe 'An unreachable Docker socket' {
    It 'is DockerUnreachable naming the endpoint and what to check' {
        $path = New-ConfigVariant -Path (Join-Path $work 'docker.json') -Change { param($c) $c.docker.endpoint = "unix://$work/no-docker.sock" }
        $errors = @()
        try { Get-FrostService -ConfigPath $path } catch { $errors += $_ }
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be 'DockerUnreachable,FrostGuard.GetFrostServiceCommand'
        $errors[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        $errors[0].TargetObject | Should -Be "unix://$work/no-docker.sock"
        $errors[0].Exception.Message | Should -Match 'Cannot reach the Docker Engine'
        $errors[0].ErrorDetails.RecommendedAction | Should -Match 'docker info'
    }
}

Describe 'The database' {
    It 'with a wrong password is DatabaseAuthenticationFailed, and the password is not in the error' {
        $env:FROSTGUARD_TEST_WRONG_PASSWORD = 'wrong-' + [guid]::NewGuid()
        try {
            $path = New-ConfigVariant -Path (Join-Path $work 'password.json') -Change {
                param($c) $c.database.password = [pscustomobject]@{ environmentVariable = 'FROSTGUARD_TEST_WRONG_PASSWORD' } }
            $null = Get-FrostDatabase -ConfigPath $path -ErrorVariable problems -ErrorAction SilentlyContinue
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -Be 'DatabaseAuthenticationFailed,FrostGuard.GetFrostDatabaseCommand'
            $problems[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
            ($problems[0] | Out-String) | Should -Not -Match ([regex]::Escape($env:FROSTGUARD_TEST_WRONG_PASSWORD))
        }
        finally {
            Remove-Item Env:FROSTGUARD_TEST_WRONG_PASSWORD
        }
    }

    It 'stopped is one DatabaseUnreachable error naming the endpoint and the service to start' {
        $container = Get-SandboxContainer postgres
        docker stop --time 10 $container | Out-Null
        try {
            $result = Get-FrostDatabase -ErrorVariable problems -ErrorAction SilentlyContinue
            $result | Should -BeNullOrEmpty
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -Be 'DatabaseUnreachable,FrostGuard.GetFrostDatabaseCommand'
            $problems[0].CategoryInfo.Category | Should -Be 'ConnectionError'
            $config = Get-SandboxConfig
            $problems[0].TargetObject | Should -Be "$($config.database.host):$($config.database.port)/$($config.database.name)"
            $problems[0].ErrorDetails.RecommendedAction | Should -Match 'postgres'
            (Get-FrostService -Name postgres).State | Should -Be 'exited'
        }
        finally {
            docker start $container | Out-Null
        }
        Wait-SandboxHealthy
        (Get-FrostDatabase).ServerVersion | Should -BeLike '15.*'
    }
}

# One record per main failure mode: the id pinned, the category, the target (the input that
# failed) and a next step in RecommendedAction.
Describe 'Errors of the main failure modes' {
    BeforeAll {
        function Get-OneError([scriptblock] $Command) {
            $caught = @()
            try { & $Command -ErrorVariable +caught -ErrorAction SilentlyContinue | Out-Null } catch { $caught += $_ }
            $caught.Count | Should -Be 1 -Because 'one failure is one error record'
            $caught[0]
        }
    }

    It '<Id> from <Cmdlet>: <Case>' -ForEach @(
        @{ Id = 'RunbookNotFound'; Cmdlet = 'GetFrostRunbook'; Case = 'a path that is neither a Markdown file nor a folder'; Category = 'ObjectNotFound'
           Run = { Get-FrostRunbook (Join-Path $work 'no-such-runbook.md') }; Target = { Join-Path $work 'no-such-runbook.md' }; Action = 'Check the path' }
        @{ Id = 'RunbookRunNotFound'; Cmdlet = 'GetFrostRunbookRun'; Case = 'a run id not in the journal'; Category = 'ObjectNotFound'
           Run = { Get-FrostRunbookRun -Id 'no-such-run' }; Target = { 'no-such-run' }; Action = 'Get-FrostRunbookRun lists' }
        @{ Id = 'RunReportInputInvalid'; Cmdlet = 'ExportFrostRunReport'; Case = 'a -Run that is no run'; Category = 'InvalidArgument'
           Run = { Export-FrostRunReport -Run 42 -Path (Join-Path $work 'report.html') }; Target = { 42 }; Action = 'Pipe Invoke-FrostRunbook' }
        @{ Id = 'InvalidPattern'; Cmdlet = 'GetFrostLog'; Case = 'a -Pattern that is no regular expression'; Category = 'InvalidArgument'
           Run = { Get-FrostLog backend -Pattern '(' }; Target = { '(' }; Action = 'Fix the regular expression' }
        @{ Id = 'ThresholdTableNotFound'; Cmdlet = 'GetFrostThreshold'; Case = 'a file without a thresholds table'; Category = 'ObjectNotFound'
           Run = { Set-Content (Join-Path $work 'plain.md') "# Plain`n`nNo table."; Get-FrostThreshold -Path (Join-Path $work 'plain.md') }
           Target = { Join-Path $work 'plain.md' }; Action = 'Add the table' }
        @{ Id = 'DatabasePasswordUnavailable'; Cmdlet = 'GetFrostDatabase'; Case = 'a password variable that is not set'; Category = 'InvalidData'
           Run = { $path = New-ConfigVariant -Path (Join-Path $work 'unset-password.json') -Change {
                       param($c) $c.database.password = [pscustomobject]@{ environmentVariable = 'FROSTGUARD_TEST_UNSET_PASSWORD' } }
                   Get-FrostDatabase -ConfigPath $path }
           Target = { $null }; Action = 'Set $env:FROSTGUARD_TEST_UNSET_PASSWORD' }
        @{ Id = 'AlertWebhookMissing'; Cmdlet = 'SendFrostAlert'; Case = 'alerts to send and no webhook'; Category = 'InvalidArgument'
           Run = { Set-Content (Join-Path $work 'disk.md') "# Strict`n`n| Metric | Warning | Critical |`n|---|---|---|`n| Disk Usage | > 0% | > 99.9% |"
                   Test-FrostHealth -Check Disk -Threshold (Join-Path $work 'disk.md') | Send-FrostAlert }
           Target = { $env:FROSTGUARD_CONFIG }; Action = 'Pass -Uri' }
    ) {
        $record = Get-OneError $Run
        $record.FullyQualifiedErrorId | Should -Be "$Id,FrostGuard.$($Cmdlet)Command"
        $record.CategoryInfo.Category | Should -Be $Category
        $expected = & $Target
        if ($null -ne $expected) { $record.TargetObject | Should -Be $expected }
        $record.ErrorDetails.RecommendedAction | Should -Match ([regex]::Escape($Action))
    }

    It 'RecoveryObjectivesInvalid from GetFrostRecoveryStatus: a manual whose objectives table lacks a column' {
        $manual = New-Item -ItemType Directory -Path (Join-Path $work 'manual')
        Set-Content (Join-Path $manual 'disaster-recovery.md') "# Disaster recovery`n`n| Id | Objective |`n|----|-----------|`n| rpo | Recovery point |"
        $path = New-ConfigVariant -Path (Join-Path $work 'manual.json') -Change { param($c) $c.manualPath = "$manual" }
        $record = Get-OneError { Get-FrostRecoveryStatus -ConfigPath $path }
        $record.FullyQualifiedErrorId | Should -Be 'RecoveryObjectivesInvalid,FrostGuard.GetFrostRecoveryStatusCommand'
        $record.CategoryInfo.Category | Should -Be 'InvalidData'
        $record.Exception.Message | Should -Match 'disaster-recovery.md'
        $record.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
    }

    It 'BackupAlreadyExists from CopyFrostBackup: a destination that holds that backup already' {
        $backup = Invoke-FrostBackup -Destination (Join-Path $work 'source') -Compression None
        $destination = Join-Path $work 'copies'
        $null = $backup | Copy-FrostBackup -Destination $destination
        $record = Get-OneError { $backup | Copy-FrostBackup -Destination $destination }
        $record.FullyQualifiedErrorId | Should -Be 'BackupAlreadyExists,FrostGuard.CopyFrostBackupCommand'
        $record.CategoryInfo.Category | Should -Be 'InvalidOperation'
        $record.TargetObject | Should -Be $destination
        $record.Exception.Message | Should -Match ([regex]::Escape($backup.Id))
        @(Get-FrostBackup -Path $destination).Id | Should -Be @($backup.Id) -Because 'the copy already there is left as it was'
    }

    It 'ServiceNotRunning from InvokeFrostServiceCommand: a stopped container' {
        $container = Get-SandboxContainer worker
        docker stop --time 5 $container | Out-Null
        try {
            $record = Get-OneError { Invoke-FrostServiceCommand -Name worker -- true }
            $record.FullyQualifiedErrorId | Should -Be 'ServiceNotRunning,FrostGuard.InvokeFrostServiceCommandCommand'
            $record.CategoryInfo.Category | Should -Be 'InvalidOperation'
            $record.ErrorDetails.RecommendedAction | Should -Match 'Start-FrostService'
        }
        finally {
            docker start $container | Out-Null
        }
        Wait-SandboxHealthy
    }
}
