# The rolling update behind the load balancer: each application host leaves the balancer's
# rotation, updates, passes its health checks and comes back; a load client against the
# balancer sees no failed request; a failed host is rolled back, put back and stops the rollout.
# Against the fleet sandbox (./build.sh fleet up), brought down after.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    Wait-SandboxHealthy
    $env:FROSTGUARD_INVENTORY = Start-TestFleet
    $null = Install-FrostModule -Target db, app, lb -Confirm:$false
    $fleetRoot = Get-TestFleetRoot
    $balancer = (Get-Content -Raw (Join-Path $fleetRoot 'hosts/lb/frostguard.json') | ConvertFrom-Json).update.proxy.internalUrl + '/health'
    function Get-BackendTag([string] $HostName) {
        ((Get-Content (Join-Path $fleetRoot "hosts/$HostName/deployment/.env")) | Where-Object { $_ -like 'BACKEND_TAG=*' }) -replace '^BACKEND_TAG=', ''
    }
    $update = @{ Target = 'app'; Service = 'backend'; Wave = '1'; GateCheck = 'Containers', 'Http'; Confirm = $false }
}

AfterAll {
    # Every host back on the release the sandbox starts with, whatever happened above.
    $null = Update-FrostDeployment @update -Version current -SkipBackup -ErrorAction SilentlyContinue
    Remove-Item Env:FROSTGUARD_INVENTORY -ErrorAction SilentlyContinue
    Stop-TestFleet
}

Describe 'Update-FrostDeployment -Target app' {
    It 'updates every application host one by one behind the load balancer with no failed request' {
        $poller = Start-ProxyPoller -Url $balancer -IntervalMs 20
        try {
            $results = Update-FrostDeployment @update -Version next
        }
        finally { $seen = Stop-ProxyPoller $poller }
        $seen.Failed | Should -BeNullOrEmpty -Because "requests through the balancer must never fail ($($seen.Sent) sent)"
        $seen.Sent | Should -BeGreaterThan 100

        $backup = $results | Where-Object { $_ -is [FrostGuard.FrostBackup] }
        $backup.Host | Should -Be 'db' -Because 'the backup is taken once, where the database is, before any host changes'
        $updates = $results | Where-Object { $_ -is [FrostGuard.FrostUpdateResult] }
        ($updates | Sort-Object Host).Host | Should -Be @('app1', 'app2', 'app3')
        $updates.Succeeded | Sort-Object -Unique | Should -Be $true
        foreach ($h in 'app1', 'app2', 'app3') { Get-BackendTag $h | Should -Be 'next' }
        $upstream = Get-FrostUpstream -Target lb
        $upstream.Servers.Count | Should -Be 3 -Because 'every host is back in rotation'
        $upstream.Target | Should -Be 'app1+app2+app3'
    }

    It 'stops at a host whose update fails, rolls it back, puts it back and leaves the others alone' {
        $poller = Start-ProxyPoller -Url $balancer -IntervalMs 20
        try {
            $results = Update-FrostDeployment @update -Version broken -SkipBackup -HealthTimeoutSeconds 20 -ErrorVariable problems -ErrorAction SilentlyContinue
        }
        finally { $seen = Stop-ProxyPoller $poller }
        $seen.Failed | Should -BeNullOrEmpty -Because 'the failing host was out of rotation while it failed'
        $stopped = $problems | Where-Object { $_.FullyQualifiedErrorId -like 'RolloutStopped,*' }
        $stopped | Should -Not -BeNullOrEmpty
        $stopped.Exception.Message | Should -Match 'Wave 1 of 3 failed \(app1: the update failed'
        $stopped.Exception.Message | Should -Match 'Not updated: app2, app3'
        ($results | Where-Object { $_ -is [FrostGuard.FrostUpdateResult] }).Host | Should -Be 'app1'
        foreach ($h in 'app1', 'app2', 'app3') { Get-BackendTag $h | Should -Be 'next' -Because "$h runs the release it ran before" }
        (Get-FrostUpstream -Target lb).Servers.Count | Should -Be 3 -Because 'the rolled-back host is healthy and back in rotation'
    }

    It 'refuses a wave that would empty the load balancer, and a host that is not an application host' {
        { Update-FrostDeployment -Target app -Wave 100% -Version next -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'RolloutRefused,FrostGuard.UpdateFrostDeploymentCommand'
        { Update-FrostDeployment -Target db -Version next -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'RolloutRefused,FrostGuard.UpdateFrostDeploymentCommand'
        (Get-FrostUpstream -Target lb).Servers.Count | Should -Be 3
    }
}
