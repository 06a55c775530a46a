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
