# Full server recovery: the deployment's configuration sealed into a backup (-IncludeConfig).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    Wait-SandboxHealthy
    $script:config = Get-SandboxConfig
    $script:passphrase = ConvertTo-SecureString 'a long test passphrase, not a real one' -AsPlainText -Force
    $script:envFile = Join-Path $config.project.directory '.env'
    $script:dbPassword = (Get-Content $envFile | Where-Object { $_ -like 'POSTGRES_PASSWORD=*' }) -replace '^POSTGRES_PASSWORD=', ''
}

Describe 'Invoke-FrostBackup -IncludeConfig' {
    BeforeAll {
        $script:backup = Invoke-FrostBackup -IncludeConfig -Passphrase $passphrase -Label 'with config'
    }

    AfterAll {
        if ($backup) { $backup | Remove-FrostBackup -Confirm:$false }
    }

    It 'seals the compose file, .env, mounted files and FrostGuard''s configuration into the backup' {
        $backup.IncludesConfig | Should -BeTrue
        $backup.ConfigFiles | Should -Contain 'docker-compose.yml'
        $backup.ConfigFiles | Should -Contain '.env'
        $backup.ConfigFiles | Should -Contain '.frostguard/frostguard.json'
        $backup.ConfigFiles | Where-Object { $_ -like '.git/*' } | Should -BeNullOrEmpty
        (Get-Content -Raw (Get-FrostBackup -Id $backup.Id).ManifestPath | ConvertFrom-Json).config.sha256 | Should -Match '^[0-9a-f]{64}$'
    }

    It 'never writes the database password in clear' {
        $dbPassword | Should -Not -BeNullOrEmpty
        [IO.File]::ReadAllText($backup.ConfigArchivePath) | Should -Not -Match ([regex]::Escape($dbPassword))
        Get-Content -Raw $backup.ManifestPath | Should -Not -Match ([regex]::Escape($dbPassword))
    }

    It 'passes Test-FrostBackup, and a flipped byte in the sealed archive fails it' {
        ($backup | Test-FrostBackup).Passed | Should -BeTrue
        $bytes = [IO.File]::ReadAllBytes($backup.ConfigArchivePath)
        $bytes[-1] = $bytes[-1] -bxor 1
        [IO.File]::WriteAllBytes($backup.ConfigArchivePath, $bytes)
        $result = $backup | Test-FrostBackup -ErrorVariable failed -ErrorAction SilentlyContinue
        $result | Should -BeNullOrEmpty
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'BackupChecksumMismatch,*'
        "$($failed[0])" | Should -Match 'configuration archive'
        $bytes[-1] = $bytes[-1] -bxor 1
        [IO.File]::WriteAllBytes($backup.ConfigArchivePath, $bytes)
    }

    It 'is removed with its backup' {
        $other = Invoke-FrostBackup -IncludeConfig -Passphrase $passphrase
        $other | Remove-FrostBackup -Confirm:$false
        Test-Path $other.ConfigArchivePath | Should -BeFalse
    }

    It 'refuses -IncludeConfig without a key, and a passphrase under 12 characters, before writing anything' {
        $before = @(Get-FrostBackup).Count
        { Invoke-FrostBackup -IncludeConfig -ErrorAction Stop } | Should -Throw -ErrorId 'ConfigArchiveKeyInvalid,FrostGuard.InvokeFrostBackupCommand'
        { Invoke-FrostBackup -IncludeConfig -Passphrase (ConvertTo-SecureString 'short' -AsPlainText -Force) -ErrorAction Stop } |
            Should -Throw -ErrorId 'ConfigArchiveKeyInvalid,FrostGuard.InvokeFrostBackupCommand'
        @(Get-FrostBackup).Count | Should -Be $before
    }
}
