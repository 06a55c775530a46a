# Updates and rollbacks against the live sandbox, on its own deployment repository: the backend
# images 'current', 'next' (applies migration 2) and 'broken' (fails its health check), switched
# between the backend's two slots behind the proxy (docs/updates.md). Every path leaves the
# sandbox as it found it: at 'current', migration 2 undone, healthy.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    Wait-SandboxHealthy

    $config = Get-SandboxConfig
    $deployment = $config.project.directory
    $envPath = Join-Path $deployment '.env'

    function Get-EnvValue {
        param([Parameter(Mandatory)] [string] $Key)
        $line = Get-Content $envPath | Where-Object { $_ -like "$Key=*" } | Select-Object -Last 1
        if ($line) { $line.Substring($line.IndexOf('=') + 1) }
    }

    # psql on the host as the application user; the password only in this child's environment.
    function Invoke-Sql {
        param([Parameter(Mandatory)] [string] $Sql)
        $env:PGPASSWORD = Get-EnvValue $config.database.password.envFileKey
        try {
            $out = & psql -X -q -t -A -v ON_ERROR_STOP=1 -h $config.database.host -p $config.database.port -U $config.database.user -d $config.database.name -c $Sql 2>&1
            if ($LASTEXITCODE -ne 0) { throw "psql failed: $out" }
            $out
        }
        finally { Remove-Item Env:PGPASSWORD }
    }

    function Get-Migration { @(Invoke-Sql 'SELECT version FROM schema_migrations ORDER BY 1' | ForEach-Object { [int]$_ }) }

    function Get-BackendImage { (Get-FrostService -Name backend | Select-Object -First 1).Image }

    if ((Get-EnvValue BACKEND_TAG) -ne 'current' -or (Get-Migration) -contains 2) {
        throw "The sandbox must start at backend 'current' without migration 2 (BACKEND_TAG=$(Get-EnvValue BACKEND_TAG), migrations $(Get-Migration -join ','))."
    }

    $script:startRelease = $null
}

AfterAll {
    # Back to 'current' with the migration undone, whatever the tests got to.
    if ((Get-EnvValue BACKEND_TAG) -ne 'current' -or (Get-Migration) -contains 2) {
        $target = $script:startRelease
        if (-not $target) {
            $target = (Get-FrostRelease | Where-Object { $_.Tags['BACKEND_TAG'] -eq 'current' -and $_.Status -eq 'Deployed' } | Select-Object -First 1).Id
        }
        $restore = (Get-Migration) -contains 2
        try { Undo-FrostDeployment -To $target -RestoreDatabase:$restore -Confirm:$false | Out-Null }
        finally { if ((Get-Migration) -contains 2) { Reset-SandboxSchema } }
    }
    Wait-SandboxHealthy
}

Describe 'Update-FrostDeployment and Undo-FrostDeployment' {
    It '-WhatIf changes nothing: no .env change, no record, no backup, no new container' {
        $envBefore = (Get-FileHash $envPath).Hash
        $releasesBefore = @(Get-FrostRelease).Count
        $backupsBefore = @(Get-FrostBackup).Count
        $containersBefore = (Get-FrostService).ContainerId -join ','

        Update-FrostDeployment -Version next -Service backend -WhatIf
        Undo-FrostDeployment -WhatIf -ErrorAction SilentlyContinue

        (Get-FileHash $envPath).Hash | Should -Be $envBefore
        @(Get-FrostRelease).Count | Should -Be $releasesBefore
        @(Get-FrostBackup).Count | Should -Be $backupsBefore
        (Get-FrostService).ContainerId -join ',' | Should -Be $containersBefore
    }

    It 'refuses a version whose image does not exist, before changing anything' {
        $envBefore = (Get-FileHash $envPath).Hash
        { Update-FrostDeployment -Version does-not-exist -Service backend -SkipBackup -ErrorAction Stop } |
            Should -Throw -ErrorId 'UpdateImageNotFound,FrostGuard.UpdateFrostDeploymentCommand'
        (Get-FileHash $envPath).Hash | Should -Be $envBefore
    }

    It "updates to 'next' in the idle slot: backup, release record, new image, migration 2, no failed request, the old slot kept stopped" {
        $servingBefore = Get-ServedSlot
        $oldSlot = Get-FrostService -Name backend
        $poller = Start-ProxyPoller
        try { $result = Update-FrostDeployment -Version next -Service backend -Confirm:$false }
        finally { $seen = Stop-ProxyPoller $poller }
        $result.Succeeded | Should -BeTrue
        $result.RolledBack | Should -BeFalse
        $script:startRelease = $result.FromRelease

        # The switch: the proxy serves the other slot, and no request failed on the way.
        $result.Switched | Should -BeTrue
        $result.ServingSlot | Should -Not -Be $servingBefore
        Get-ServedSlot | Should -Be $result.ServingSlot
        $seen.Failed | Should -BeNullOrEmpty -Because "no request may fail during a good update ($($seen.Sent) sent)"
        $seen.Sent | Should -BeGreaterThan 20
        $seen.Slots | Should -Contain $servingBefore
        $seen.Slots | Should -Contain $result.ServingSlot
        $result.Downtime | Should -Be ([TimeSpan]::Zero)
        (Get-FrostService -Name backend).Slot | Should -Be $result.ServingSlot
        # The previous slot's container is kept, stopped: the fast undo starts it again.
        $kept = Get-FrostService -IncludeIdleSlot | Where-Object { $_.Service -eq 'backend' -and $_.IsIdleSlot }
        $kept.ContainerId | Should -Be $oldSlot.ContainerId
        $kept.State | Should -Be 'exited'
        $script:keptContainer = $kept.ContainerId

        Get-EnvValue BACKEND_TAG | Should -Be 'next'
        Get-BackendImage | Should -BeLike '*:next'
        Get-Migration | Should -Contain 2

        # The pre-update backup exists and is recorded with the release that was left.
        $result.BackupId | Should -Not -BeNullOrEmpty
        (Get-FrostBackup | Where-Object Id -eq $result.BackupId) | Should -Not -BeNullOrEmpty
        $previous = Get-FrostRelease -Id $result.FromRelease
        $previous.BackupId | Should -Be $result.BackupId
        $previous.Tags['BACKEND_TAG'] | Should -Be 'current'

        # The record: image id and tag per service, compose hash, the deployment repository's commit.
        $current = Get-FrostRelease -Current
        $current.Id | Should -Be $result.ToRelease
        ($current.Services | Where-Object Service -eq backend).Image | Should -BeLike '*:next'
        ($current.Services | Where-Object Service -eq backend).ImageId | Should -Match '^sha256:[0-9a-f]{64}$'
        $current.ComposeHash | Should -Match '^[0-9a-f]{64}$'
        $current.GitCommit | Should -Be ((git -C $deployment rev-parse HEAD) | Out-String).Trim()
        $json = Get-Content -Raw $current.Path | ConvertFrom-Json
        $json.tags.BACKEND_TAG | Should -Be 'next'
        (Get-FrostRelease)[0].Id | Should -Be $current.Id -Because 'the history is newest first'
    }

    It 'refuses an upstream include nginx -t rejects, puts the file back and switches nothing' {
        # An upstream block under another name than the proxy's configuration forwards to: a valid
        # file that makes the whole configuration fail nginx -t.
        $variant = New-ConfigVariant -Path (Join-Path ([IO.Path]::GetTempPath()) "frostguard-badupstream-$([guid]::NewGuid().ToString('N')).json") -Change { param($c) $c.update.proxy | Add-Member -NotePropertyName upstreamName -NotePropertyValue 'not_the_backend' -Force }
        $include = Join-Path $config.update.proxy.upstreamFolder 'backend.conf'
        $before = (Get-FileHash $include).Hash
        $serving = Get-ServedSlot
        $saved = $env:FROSTGUARD_CONFIG
        $env:FROSTGUARD_CONFIG = $variant
        try { $result = Update-FrostDeployment -Version current -Service backend -SkipBackup -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable problems }
        finally { $env:FROSTGUARD_CONFIG = $saved; Remove-Item $variant }

        # Refused where nginx -t first sees it: before any change (the include does not match the configuration, so the
        # command's first step rewrites it), or at the switch of the update (then it is rolled back); never switched.
        $problems | Should -HaveCount 1
        $problems[0].FullyQualifiedErrorId | Should -BeIn 'ProxyConfigRejected,FrostGuard.UpdateFrostDeploymentCommand', 'UpdateRolledBack,FrostGuard.UpdateFrostDeploymentCommand'
        "$($problems[0]) $($result.Failure)" | Should -Match "configuration test .* refused the upstream"
        "$($problems[0]) $($result.Failure)" | Should -Match 'nothing switched'
        $result.Switched | Should -Not -BeTrue
        (Get-FileHash $include).Hash | Should -Be $before
        Get-ServedSlot | Should -Be $serving
        Get-EnvValue BACKEND_TAG | Should -Be 'next'
        Test-FrostHealth -Check Http -Quiet | Should -BeTrue
    }

    It "Undo-FrostDeployment -RestoreDatabase returns to 'current' with migration 2 undone, by starting the kept slot" {
        $result = Undo-FrostDeployment -To $script:startRelease -RestoreDatabase -Confirm:$false
        $result.Succeeded | Should -BeTrue
        $result.Switched | Should -BeTrue
        (Get-FrostService -Name backend).ContainerId | Should -Be $script:keptContainer -Because 'the undo starts the kept container, it does not create one'
        Get-ServedSlot | Should -Be $result.ServingSlot
        $result.CurrentRelease | Should -Be $script:startRelease
        $result.BackupId | Should -Be (Get-FrostRelease -Id $script:startRelease).BackupId

        Get-EnvValue BACKEND_TAG | Should -Be 'current'
        Get-BackendImage | Should -BeLike '*:current'
        Get-Migration | Should -Be @(1)
        Invoke-Sql "SELECT to_regclass('public.maintenance_windows') IS NULL" | Should -Be 't'
        Invoke-Sql "SELECT count(*) FROM information_schema.columns WHERE table_name = 'readings' AND column_name = 'quality'" | Should -Be '0'
        (Get-FrostRelease -Current).Id | Should -Be $script:startRelease
        Test-FrostHealth -Check Http -Quiet | Should -BeTrue
    }

    It "never switches to 'broken': no request fails while it is tried, and the record says there was no downtime" {
        $serving = Get-ServedSlot
        $poller = Start-ProxyPoller
        try { $result = Update-FrostDeployment -Version broken -Service backend -HealthTimeoutSeconds 40 -Confirm:$false -ErrorVariable problems -ErrorAction SilentlyContinue }
        finally { $seen = Stop-ProxyPoller $poller }

        $problems | Should -HaveCount 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'UpdateRolledBack,FrostGuard.UpdateFrostDeploymentCommand'
        "$($problems[0])" | Should -Match "The proxy was never switched: slot $serving kept serving"
        $result.Succeeded | Should -BeFalse
        $result.RolledBack | Should -BeTrue
        $result.Switched | Should -BeFalse
        $result.Failure | Should -Match 'unhealthy|not healthy'
        $seen.Failed | Should -BeNullOrEmpty -Because "no request may fail while a broken release is tried ($($seen.Sent) sent)"
        $seen.Sent | Should -BeGreaterThan 50 -Because 'the client asked all along (about 15 a second)'
        @($seen.Slots | Sort-Object -Unique) | Should -Be @($serving) -Because 'no request went to the broken slot'
        $result.Downtime | Should -Be ([TimeSpan]::Zero)

        Get-ServedSlot | Should -Be $serving
        Get-EnvValue BACKEND_TAG | Should -Be 'current'
        Get-BackendImage | Should -BeLike '*:current'
        (Get-FrostRelease -Current).Tags['BACKEND_TAG'] | Should -Be 'current'
        (Get-FrostRelease -Id $result.ToRelease).Status | Should -Be 'RolledBack'
        (Get-FrostRelease -Id $result.ToRelease).Note | Should -Match 'No downtime: the proxy was never switched'
        Test-FrostHealth -Check Http -Quiet | Should -BeTrue
        # The failed release's container is stopped, kept for its log; the idle slot's tag is back.
        (Get-FrostService -IncludeIdleSlot | Where-Object { $_.Service -eq 'backend' -and $_.IsIdleSlot }).State | Should -Be 'exited'

        # Recorded for the rollback recovery objective.
        $measured = Get-Content -Raw (Join-Path $env:FROSTGUARD_STATE 'recovery-measurements.json') | ConvertFrom-Json
        $measured.rollback.seconds | Should -BeGreaterThan 0
    }
}
