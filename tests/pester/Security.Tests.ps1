# Security maintenance against the live sandbox and this machine. Nothing here changes the
# firewall: the firewall and fail2ban are read with their status commands only, and recorded
# outputs (tests/fixtures/security) stand in only for tools this machine does not have.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-ModuleManifestPath) -Force
    Wait-SandboxHealthy

    $config = Get-SandboxConfig
    $fixtures = Join-Path (Get-RepoRoot) 'tests/fixtures/security'
    $work = Join-Path ([IO.Path]::GetTempPath()) "frostguard-security-$([guid]::NewGuid().ToString('N'))"
    New-Item -ItemType Directory -Path $work | Out-Null
    function Test-Installed { param([string] $Tool) [bool](Get-Command $Tool -CommandType Application -ErrorAction SilentlyContinue) -or (Test-Path "/usr/sbin/$Tool") -or (Test-Path "/sbin/$Tool") }
}

AfterAll {
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}

Describe 'Test-FrostCertificate' {
    It 'shakes hands with the sandbox proxy and reports the certificate it serves, judged like the health check' {
        $certificate = Test-FrostCertificate
        $onDisk = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($config.tls.caFile)

        $certificate.Domain | Should -Be $config.tls.domain
        $certificate.Port | Should -Be $config.tls.port
        $certificate.Thumbprint | Should -Be $onDisk.Thumbprint
        $certificate.NotAfter.UtcDateTime | Should -Be $onDisk.NotAfter.ToUniversalTime()
        $certificate.DaysLeft | Should -BeGreaterThan 29 -Because 'the sandbox renews its certificate below 30 days'
        $certificate.DaysLeft | Should -BeLessOrEqual 90
        $certificate.ChainTrusted | Should -BeTrue -Because 'tls.caFile holds the self-signed certificate'
        $certificate.HostnameMatches | Should -BeTrue
        $certificate.DnsNames | Should -Contain 'localhost'
        $certificate.Chain | Should -Contain $onDisk.Subject
        $certificate.Protocol | Should -Match '^Tls1[23]$'
        $certificate.Status | Should -Be 'Ok'

        $health = Test-FrostHealth -Check Certificate
        $certificate.Threshold | Should -Be $health.Threshold
        $certificate.Status | Should -Be $health.Status
    }

    It 'takes -Domain and -Port, and a name in the certificate as an IP address matches too' {
        $certificate = Test-FrostCertificate -Domain 127.0.0.1 -Port $config.tls.port
        $certificate.Domain | Should -Be '127.0.0.1'
        $certificate.HostnameMatches | Should -BeTrue
        $certificate.Status | Should -Be 'Ok'
    }

    It 'is Critical, not trusted, without the CA file' {
        $variant = New-ConfigVariant -Path (Join-Path $work 'no-ca.json') -Change { param($c) $c.tls.PSObject.Properties.Remove('caFile') }
        $certificate = Test-FrostCertificate -ConfigPath $variant
        $certificate.Status | Should -Be 'Critical'
        $certificate.ChainTrusted | Should -BeFalse
        $certificate.Message | Should -Match 'not trusted'
        $certificate.DaysLeft | Should -BeGreaterThan 29 -Because 'the expiry is reported even when untrusted'
    }

    It 'is Critical with the reason when nothing answers' {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
        $certificate = Test-FrostCertificate -Domain localhost -Port $port
        $certificate.Status | Should -Be 'Critical'
        $certificate.Message | Should -Match "No TLS handshake with localhost:$port"
        $certificate.Subject | Should -BeNullOrEmpty
    }
}

Describe 'Test-FrostSecurity' {
    It 'judges every item, each with a status and a reason, and changes no firewall rule' {
        $before = if (Test-Installed nft) { (nft list ruleset) -join "`n" }
        $findings = @(Test-FrostSecurity)
        $after = if (Test-Installed nft) { (nft list ruleset) -join "`n" }

        $findings.Check | Sort-Object -Unique | Should -Be @('Containers', 'EnvPermissions', 'Fail2ban', 'Firewall', 'PrivateFiles', 'SshPasswordLogin', 'Updates')
        foreach ($finding in $findings) {
            $finding.Status | Should -BeIn @('Ok', 'Warning', 'Critical', 'Unknown')
            $finding.Message | Should -Not -BeNullOrEmpty
            if ($finding.Status -ne 'Ok') { $finding.Hint | Should -Not -BeNullOrEmpty -Because "$($finding.Check) is $($finding.Status)" }
        }
        $after | Should -Be $before
    }

    It 'judges fail2ban as it is here: Unknown with the install hint when missing, else what fail2ban-client status answers' {
        $finding = Test-FrostSecurity -Check Fail2ban
        # Where FrostGuard looks for it: PATH, then the sbin and bin folders.
        $client = @(@(($env:PATH -split ':') + '/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/bin', '/bin') | Where-Object { $_ } |
            ForEach-Object { Join-Path $_ 'fail2ban-client' } | Where-Object { Test-Path -PathType Leaf $_ })[0]
        if (-not $client) {
            $finding.Status | Should -Be 'Unknown'
            $finding.Message | Should -Match 'fail2ban is not installed'
            $finding.Hint | Should -Match 'apt-get install fail2ban'
            $finding.Evidence | Should -BeNullOrEmpty -Because 'nothing was run'
            return
        }

        $finding.Evidence | Should -Be "ran ``$client status`` here"
        $answer = & $client status 2>&1
        if ($LASTEXITCODE -ne 0) {
            $finding.Status | Should -Be 'Critical' -Because "fail2ban-client status exited $LASTEXITCODE here too"
            $finding.Message | Should -Match 'fail2ban is installed but does not answer'
            $finding.Hint | Should -Match 'systemctl enable --now fail2ban'
            return
        }

        $jails = @(((@($answer) -match 'Jail list:') -replace '^.*Jail list:', '') -split ',' | ForEach-Object Trim | Where-Object { $_ })
        if ($jails.Count -eq 0) {
            $finding.Status | Should -Be 'Warning'
            $finding.Message | Should -Match 'runs with no jail'
            return
        }

        $finding.Status | Should -Be $(if ($jails -contains 'sshd') { 'Ok' } else { 'Warning' }) -Because "the jails here: $($jails -join ', ')"
        $finding.Message | Should -Match "^$($jails.Count) jails?: "
        foreach ($jail in $jails) {
            $finding.Message | Should -Match "$([regex]::Escape($jail))(: \d+ banned now, \d+ in total| \(status unavailable\))"
        }
        @($finding.Counts.Keys | Where-Object { $_ -notin $jails }) | Should -BeNullOrEmpty -Because 'only jails fail2ban names are counted'
    }

    It 'reads recorded outputs only for tools missing here (hardened server: firewall and fail2ban Ok, bans counted)' {
        $findings = @(Test-FrostSecurity -Check Firewall, Fail2ban, Updates -RecordedOutputPath (Join-Path $fixtures 'hardened'))
        $firewall = $findings | Where-Object Check -eq 'Firewall'
        $fail2ban = $findings | Where-Object Check -eq 'Fail2ban'
        $updates = $findings | Where-Object Check -eq 'Updates'
        if (Test-Installed ufw) { $firewall.Evidence | Should -Match '^ran ' }
        else {
            $firewall.Evidence | Should -Match 'recorded output .*ufw-status-verbose.txt'
            $firewall.Status | Should -Be 'Ok'
            $firewall.Message | Should -Match 'ufw is active, incoming deny by default, 6 rules'
        }
        if (Test-Installed fail2ban-client) { $fail2ban.Evidence | Should -Match '^ran ' }
        else {
            $fail2ban.Status | Should -Be 'Ok'
            $fail2ban.Counts['sshd'] | Should -Be 3
            $fail2ban.Counts['nginx-http-auth'] | Should -Be 0
            $fail2ban.Message | Should -Match 'sshd: 3 banned now, 212 in total'
        }
        # apt is installed on Debian: the real list is read, never the recording.
        if (Test-Installed apt) {
            $updates.Evidence | Should -Match '^ran `/usr/bin/apt list --upgradable`'
            $updates.Counts['Pending'] | Should -Be @(apt list --upgradable 2>$null | Select-String 'upgradable from').Count
        }
    }

    It 'reads the exposed recordings as Critical: inactive ufw, fail2ban not running' {
        $findings = @(Test-FrostSecurity -Check Firewall, Fail2ban -RecordedOutputPath (Join-Path $fixtures 'exposed'))
        if (-not (Test-Installed ufw)) {
            $firewall = $findings | Where-Object Check -eq 'Firewall'
            $firewall.Status | Should -Be 'Critical'
            $firewall.Message | Should -Match 'ufw is installed but inactive'
        }
        if (-not (Test-Installed fail2ban-client)) {
            $fail2ban = $findings | Where-Object Check -eq 'Fail2ban'
            $fail2ban.Status | Should -Be 'Critical'
            $fail2ban.Message | Should -Match 'does not answer: ERROR\s+Failed to access socket path'
        }
    }

    It 'parses sshd_config under -SystemRoot: a drop-in that disables passwords wins; no PasswordAuthentication line means yes' {
        $hardened = Test-FrostSecurity -Check SshPasswordLogin -SystemRoot (Join-Path $fixtures 'hardened/root')
        $hardened.Status | Should -Be 'Ok'
        $hardened.Message | Should -Match 'PasswordAuthentication no \(.*50-hardening.conf:2\)'

        $exposed = Test-FrostSecurity -Check SshPasswordLogin -SystemRoot (Join-Path $fixtures 'exposed/root')
        $exposed.Status | Should -Be 'Critical'
        $exposed.Message | Should -Match "sshd's default is yes"
        $exposed.Hint | Should -Match 'PasswordAuthentication no'

        $empty = Join-Path $work 'no-ssh'
        New-Item -ItemType Directory -Path $empty | Out-Null
        $none = Test-FrostSecurity -Check SshPasswordLogin -SystemRoot $empty
        $none.Status | Should -Be 'Unknown'
        $none.Hint | Should -Match 'openssh-server'
    }

    It 'finds the .env 0600 and a readable copy beside it Critical' {
        $envPath = Join-Path $config.project.directory '.env'
        $copy = "$envPath.frostguard-test-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        Set-Content -Path $copy -Value 'NOT_A_SECRET=1'
        & chmod 0644 $copy
        try {
            $findings = @(Test-FrostSecurity -Check EnvPermissions)
            ($findings | Where-Object Target -eq $envPath).Status | Should -Be 'Ok'
            $open = $findings | Where-Object Target -eq $copy
            $open.Status | Should -Be 'Critical'
            $open.Message | Should -Match 'Mode 0644'
            $open.Hint | Should -Be "chmod 600 $copy"
        }
        finally { Remove-Item -Force $copy }
    }

    It 'inspects every sandbox container: none privileged, none root, none with added capabilities' {
        $findings = @(Test-FrostSecurity -Check Containers)
        $services = @(Get-FrostService)
        $findings.Target | Sort-Object | Should -Be ($services.Container | Sort-Object)
        foreach ($finding in $findings) {
            $finding.Status | Should -Be 'Ok'
            $finding.Message | Should -Match 'Unprivileged, runs as user \d+:\d+'
        }
    }

    It 'fails with SecurityRecordingNotFound for a recording folder that does not exist' {
        { Test-FrostSecurity -RecordedOutputPath (Join-Path $work 'nowhere') } | Should -Throw -ErrorId 'SecurityRecordingNotFound,FrostGuard.TestFrostSecurityCommand'
    }
}
