# The fleet: the Markdown inventory, strict SSH (unknown and changed host keys refused), the
# module installed on hosts into versioned folders, version mismatches refused, and the read-only
# commands fanned out with -Target, returning real FrostGuard objects. Against the fleet sandbox:
# five sshd "hosts" on 127.0.0.1 (./build.sh fleet up), brought down afterwards.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    Wait-SandboxHealthy
    $inventory = Start-TestFleet
    $env:FROSTGUARD_INVENTORY = $inventory
    $fleetRoot = Get-TestFleetRoot
    $knownHosts = Get-Content (Join-Path $fleetRoot 'known_hosts')
    function Get-Fingerprint([string] $HostName) {
        ((& ssh-keygen -lf (Join-Path $fleetRoot "hosts/$HostName/ssh_host_ed25519_key.pub")) -split ' ')[1]
    }
    function Get-CurrentBuild([string] $HostName) {
        $file = Join-Path (Get-TestFleetModuleRoot $HostName) 'current'
        if (Test-Path $file) { (Get-Content -Raw $file).Trim() }
    }
    # Makes a host's current build another one (a stale FrostGuard), as an older install would leave it.
    function Set-OtherBuild([string] $HostName) {
        $root = Get-TestFleetModuleRoot $HostName
        $other = Join-Path $root '0.0.9+000000000000'
        New-Item -ItemType Directory -Force -Path $other | Out-Null
        Set-Content -Path (Join-Path $other 'FrostGuard.psd1') -Value "@{ ModuleVersion = '0.0.9' }"
        Set-Content -Path (Join-Path $root 'current') -Value '0.0.9+000000000000' -NoNewline
    }
    $null = Install-FrostModule -Target db, app, lb -Confirm:$false
}

AfterAll {
    Remove-Item Env:FROSTGUARD_INVENTORY -ErrorAction SilentlyContinue
    Stop-TestFleet
}

Describe 'Get-FrostHost' {
    It 'lists the inventory in order without asking anyone (-Offline)' {
        $hosts = Get-FrostHost -Offline
        $hosts.Name | Should -Be @('db', 'app1', 'app2', 'app3', 'lb')
        ($hosts | Where-Object Name -eq 'app2').Roles | Should -Be @('app')
        $hosts.State | Sort-Object -Unique | Should -Be 'NotAsked'
        (Get-FrostHost -Offline -Role app).Name | Should -Be @('app1', 'app2', 'app3')
    }

    It 'asks every host: reachable, the controller''s build, Docker and the project''s containers' {
        $hosts = Get-FrostHost
        $hosts.Count | Should -Be 5
        foreach ($h in $hosts) {
            $h.State | Should -Be 'Ok' -Because "$($h.Name): $($h.Message)"
            $h.Reachable | Should -BeTrue
            $h.VersionMatches | Should -BeTrue
            $h.FrostGuardVersion | Should -Match '^\d+\.\d+\.\d+\+[0-9a-f]{12}$'
            $h.DockerVersion | Should -Not -BeNullOrEmpty
            $h.Project | Should -Be (Get-Content -Raw (Join-Path $fleetRoot "hosts/$($h.Name)/frostguard.json") | ConvertFrom-Json).project.name -Because 'each host runs its own Compose project'
            $h.ContainersRunning | Should -BeGreaterThan 0
        }
        # The default view has the host's state and build.
        ($hosts | Format-Table | Out-String -Width 200) | Should -Match 'app2\s+app\s+root@127\.0\.0\.1:22203\s+Ok'
    }

    It 'shows an unreachable host as a row of its own while the others answer' {
        $inventoryCopy = New-TestFleetInventory -Folder $TestDrive -KnownHosts $knownHosts -ExtraRows '| gone | 127.0.0.1 | 22299 | root | | app | |'
        $hosts = Get-FrostHost -Inventory $inventoryCopy -Name gone, app1 -TimeoutSeconds 5
        ($hosts | Where-Object Name -eq 'app1').State | Should -Be 'Ok'
        $gone = $hosts | Where-Object Name -eq 'gone'
        $gone.State | Should -Be 'HostUnreachable'
        $gone.Reachable | Should -BeFalse
        $gone.Message | Should -Match '127\.0\.0\.1:22299'
    }
}

Describe 'Strict host keys' {
    It 'refuses a host whose key is unknown, shows the key it offers, and never adds it' {
        $others = $knownHosts | Where-Object { $_ -notlike '`[127.0.0.1`]:22201 *' }
        $inventoryCopy = New-TestFleetInventory -Folder $TestDrive -KnownHosts $others
        $before = Get-Content -Raw (Join-Path $TestDrive 'known_hosts')

        $db = Get-FrostHost -Inventory $inventoryCopy -Name db
        $db.State | Should -Be 'HostKeyUnknown'
        $db.Message | Should -Match ([regex]::Escape((Get-Fingerprint db)))

        $found = Get-FrostService -Inventory $inventoryCopy -Target db, app1 -Name backend -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'HostKeyUnknown,FrostGuard.GetFrostServiceCommand'
        $problems[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $problems[0].TargetObject | Should -Be 'db'
        $problems[0].ErrorDetails.RecommendedAction | Should -Match 'Verify the fingerprint'
        $found.Host | Should -Be 'app1' -Because 'the other host goes on'

        Get-Content -Raw (Join-Path $TestDrive 'known_hosts') | Should -Be $before -Because 'a new key is never trusted on its own'
    }

    It 'refuses a host whose key changed, naming both fingerprints' {
        $fake = Join-Path $TestDrive 'impostor'
        & ssh-keygen -q -t ed25519 -N '' -C impostor -f $fake
        $impostor = (Get-Content "$fake.pub") -split ' '
        $changed = $knownHosts | ForEach-Object { if ($_ -like '`[127.0.0.1`]:22202 *') { "[127.0.0.1]:22202 $($impostor[0]) $($impostor[1])" } else { $_ } }
        $inventoryCopy = New-TestFleetInventory -Folder $TestDrive -KnownHosts $changed

        $app1 = Get-FrostHost -Inventory $inventoryCopy -Name app1
        $app1.State | Should -Be 'HostKeyChanged'
        $app1.Message | Should -Match ([regex]::Escape((Get-Fingerprint app1)))
        $app1.Message | Should -Match ([regex]::Escape(((& ssh-keygen -lf "$fake.pub") -split ' ')[1]))

        $null = Test-FrostHealth -Inventory $inventoryCopy -Target app1 -Check Disk -ErrorAction SilentlyContinue -ErrorVariable problems
        $result = Test-FrostHealth -Inventory $inventoryCopy -Target app1 -Check Disk
        $result.Check | Should -Be 'Host'
        $result.Status | Should -Be 'Critical'
        $result.Message | Should -Match 'CHANGED'
    }
}

Describe 'Install-FrostModule' {
    It 'previews with -WhatIf and changes nothing' {
        Set-OtherBuild app3
        Install-FrostModule -Target app3 -WhatIf | Should -BeNullOrEmpty
        Get-CurrentBuild app3 | Should -Be '0.0.9+000000000000'
    }

    It 'refuses to run anything on a host with another build, then installs and runs there' {
        Set-OtherBuild app2
        $result = Test-FrostHealth -Target app2 -Check Disk
        $result.Check | Should -Be 'Host'
        $result.Status | Should -Be 'Critical'
        $result.Message | Should -Match 'runs FrostGuard 0\.0\.9\+000000000000, this controller runs'

        $null = Get-FrostService -Target app2 -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].FullyQualifiedErrorId | Should -Be 'HostVersionMismatch,FrostGuard.GetFrostServiceCommand'
        $problems[0].ErrorDetails.RecommendedAction | Should -Match 'Install-FrostModule -Target app2'

        $install = Install-FrostModule -Target app2 -Confirm:$false
        $install.Action | Should -Be 'Activated' -Because 'the host has the build from the first install; it is made current, not copied again'
        $install.Previous | Should -Be '0.0.9+000000000000'
        (Test-FrostHealth -Target app2 -Check Disk).Check | Should -Contain 'Disk'
    }

    It 'copies a build into a folder of its own and never touches a build folder that exists' {
        $root = Get-TestFleetModuleRoot app3
        $current = (Get-FrostHost -Name app1).FrostGuardVersion
        Remove-Item -Recurse -Force (Join-Path $root $current)
        Set-OtherBuild app3
        $install = Install-FrostModule -Target app3 -Confirm:$false
        $install.Action | Should -Be 'Installed'
        $install.Path | Should -Be (Join-Path $root $current)
        Get-CurrentBuild app3 | Should -Be $current
        Test-Path (Join-Path $root '0.0.9+000000000000/FrostGuard.psd1') | Should -BeTrue -Because 'older builds stay (a pwsh may run one)'

        $dll = Get-Item (Join-Path $root "$current/bin/FrostGuard.dll")
        $inode = (& stat -c %i $dll.FullName)
        Set-OtherBuild app3
        (Install-FrostModule -Target app3 -Confirm:$false).Action | Should -Be 'Activated'
        (& stat -c %i $dll.FullName) | Should -Be $inode -Because 'a loaded DLL is never overwritten'
        (Install-FrostModule -Target app3 -Confirm:$false).Action | Should -Be 'UpToDate'
        @(Get-ChildItem -Path $root -Directory -Force -Filter '.incoming-*').Count | Should -Be 0
    }
}

Describe 'Fan-out with -Target' {
    It 'returns real FrostGuard objects with the host on each and a Host column' {
        $services = Get-FrostService -Target app -Name worker
        $services.Count | Should -Be 3
        ($services.Host | Sort-Object) | Should -Be @('app1', 'app2', 'app3')
        foreach ($service in $services) {
            $service | Should -BeOfType ([FrostGuard.FrostService])
            $service.State | Should -BeOfType ([FrostGuard.FrostContainerState])
            $service.Uptime | Should -BeOfType ([TimeSpan])
            $service.pstypenames[0] | Should -Be 'FrostGuard.FrostService#Fleet'
        }
        ($services | Sort-Object Host | Format-Table | Out-String -Width 200) | Should -Match '(?m)^app1\s+worker\s'
    }

    It 'runs the health checks on each host and counts an unreachable one as Critical' {
        $inventoryCopy = New-TestFleetInventory -Folder $TestDrive -KnownHosts $knownHosts -ExtraRows '| gone | 127.0.0.1 | 22299 | root | | app | |'
        $results = Test-FrostHealth -Inventory $inventoryCopy -Target app1, gone -Check Disk
        ($results | Where-Object Host -eq 'app1').Check | Sort-Object -Unique | Should -Be 'Disk'
        $gone = $results | Where-Object Host -eq 'gone'
        ($gone.Check, $gone.Status) | Should -Be @('Host', 'Critical')
        $gone.Message | Should -Match 'unreachable'
        Test-FrostHealth -Inventory $inventoryCopy -Target app1, gone -Check Disk -Quiet | Should -BeFalse
    }

    It 'finds backups where the database is (-Target db), as FrostBackup objects' {
        $dbConfig = Join-Path $fleetRoot 'hosts/db/frostguard.json'
        $local = Invoke-FrostBackup -ConfigPath $dbConfig -Label 'fleet-test'
        $remote = Get-FrostBackup -Target db -Latest
        $remote | Should -BeOfType ([FrostGuard.FrostBackup])
        $remote.Id | Should -Be $local.Id
        $remote.Host | Should -Be 'db'
        $remote.Created | Should -Be $local.Created
        @($remote.RowCounts.Keys) | Should -Be @($local.RowCounts.Keys)
        $objectives = Get-FrostRecoveryStatus -Target db
        $objectives.Id | Should -Contain 'rpo'
        $objectives[0] | Should -BeOfType ([FrostGuard.FrostRecoveryObjective])
    }

    It 'refuses a target that is neither a host nor a role before anything runs' {
        { Get-FrostService -Target ap1 -ErrorAction Stop } | Should -Throw -ErrorId 'FleetTargetNotFound,FrostGuard.GetFrostServiceCommand'
    }

    It 'refuses a parameter value that cannot cross to a host' {
        { Test-FrostHealth -Target app1 -Threshold (Get-FrostThreshold) -ErrorAction Stop } | Should -Throw -ErrorId 'FleetParameterUnsupported,FrostGuard.TestFrostHealthCommand'
    }
}
