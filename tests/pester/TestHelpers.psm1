# Shared by the Pester suites. Every suite runs against the module built into bin/ and, where
# it needs one, the live sandbox named by $env:FROSTGUARD_CONFIG.

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '..' '..')).Path

function Get-RepoRoot { $script:RepoRoot }

function Get-ModuleManifestPath { Join-Path $script:RepoRoot 'FrostGuard.psd1' }

# pwsh installed as a dotnet tool runs inside the dotnet host, so $PID's path is dotnet's.
function Get-PwshPath {
    if ($env:FROSTGUARD_PWSH) { return $env:FROSTGUARD_PWSH }
    (Get-Command pwsh -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source
}

# Runs a script in a fresh pwsh -NoProfile and returns what it wrote as JSON (one object).
function Invoke-FreshPwsh {
    param([Parameter(Mandatory)] [string] $Script)
    $file = Join-Path ([IO.Path]::GetTempPath()) "frostguard-fresh-$([guid]::NewGuid().ToString('N')).ps1"
    Set-Content -Path $file -Value ("`$ErrorActionPreference = 'Stop'`n" + $Script)
    try {
        $output = & (Get-PwshPath) -NoProfile -NonInteractive -File $file 2>&1
        if ($LASTEXITCODE -ne 0) { throw "fresh pwsh exited $LASTEXITCODE`n$($output -join "`n")" }
        ($output | Where-Object { $_ -is [string] }) -join "`n" | ConvertFrom-Json
    }
    finally {
        Remove-Item $file -ErrorAction SilentlyContinue
    }
}

# The sandbox's frostguard.json, parsed: tests compare against it rather than fixed names and
# ports, so they pass against any sandbox instance.
function Get-SandboxConfig { Get-Content -Raw $env:FROSTGUARD_CONFIG | ConvertFrom-Json }

function Get-SandboxContainer {
    param([Parameter(Mandatory)] [string] $Service)
    (Get-FrostService -Name $Service | Select-Object -First 1).Container
}

# Waits on the condition itself (every service running and healthy), never a fixed sleep.
function Wait-SandboxHealthy {
    param([int] $TimeoutSeconds = 120)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ($true) {
        $services = @(Get-FrostService)
        $unhealthy = @($services | Where-Object { $_.State -ne 'running' -or ($_.Health -ne 'healthy' -and $_.Health -ne 'none') })
        if ($services.Count -gt 0 -and $unhealthy.Count -eq 0) { return }
        if ([DateTime]::UtcNow -gt $deadline) {
            throw "sandbox not healthy after $TimeoutSeconds s: $(($unhealthy | ForEach-Object { "$($_.Service)=$($_.State)/$($_.Health)" }) -join ', ')"
        }
        Start-Sleep -Milliseconds 500
    }
}

# The last resort of a suite that applies the sandbox's migration 2 ('next'): when its own undo
# could not take the migration back, this does it by hand, so a failure in one suite is reported
# there and does not make every suite after it fail at its start.
function Reset-SandboxSchema {
    Invoke-SandboxSql 'BEGIN; ALTER TABLE readings DROP COLUMN IF EXISTS quality; DROP TABLE IF EXISTS maintenance_windows; DELETE FROM schema_migrations WHERE version = 2; COMMIT;' | Out-Null
}

# One psql command (the password through PGPASSWORD for that call only); the last line of its
# unaligned, tuples-only output. A failure throws with psql's own words.
function Invoke-Psql([string] $Sql, [string] $HostName = '127.0.0.1', [int] $Port, [string] $User, [string] $Database, [string] $Password) {
    $env:PGPASSWORD = $Password
    try {
        $out = & psql -X -A -t -q -v ON_ERROR_STOP=1 -h $HostName -p $Port -U $User -d $Database -c $Sql 2>&1
        if ($LASTEXITCODE -ne 0) { throw "psql failed for '$Sql' on ${HostName}:$Port/${Database}: $out" }
        $out | Select-Object -Last 1
    }
    finally { Remove-Item Env:PGPASSWORD }
}

# Invoke-Psql against the sandbox's database, as its configured user, with the password from its .env.
function Invoke-SandboxSql([string] $Sql) {
    $config = Get-SandboxConfig
    $key = $config.database.password.envFileKey
    $line = Get-Content (Join-Path $config.project.directory '.env') | Where-Object { $_ -like "$key=*" } | Select-Object -Last 1
    Invoke-Psql $Sql -HostName $config.database.host -Port $config.database.port -User $config.database.user -Database $config.database.name -Password $line.Substring($line.IndexOf('=') + 1)
}

# kill -9 returns before the process is gone. Dead means every thread has exited (zombie or
# gone), not only the first: the leader turns zombie while other threads still exit holding the
# process's files, and with them its locks.
function Wait-ProcessDead([int] $ProcessId, [int] $TimeoutSeconds = 30) {
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while (@(Get-ChildItem "/proc/$ProcessId/task" -ErrorAction SilentlyContinue |
            Where-Object { (Get-Content "$($_.FullName)/stat" -ErrorAction SilentlyContinue) -notmatch '^\d+ \(.*\) [ZX]' }).Count -gt 0) {
        if ([DateTime]::UtcNow -gt $deadline) { throw "process $ProcessId did not die within $TimeoutSeconds s" }
        Start-Sleep -Milliseconds 20
    }
}

function Wait-ServiceState {
    param([Parameter(Mandatory)] [string] $Service, [Parameter(Mandatory)] [string] $State, [int] $TimeoutSeconds = 60)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ((Get-FrostService -Name $Service).State -ne $State) {
        if ([DateTime]::UtcNow -gt $deadline) { throw "$Service did not reach state $State within $TimeoutSeconds s" }
        Start-Sleep -Milliseconds 250
    }
}

# Writes a configuration file built from the sandbox's, with some keys changed.
function New-ConfigVariant {
    param([Parameter(Mandatory)] [scriptblock] $Change, [Parameter(Mandatory)] [string] $Path)
    $config = Get-Content -Raw $env:FROSTGUARD_CONFIG | ConvertFrom-Json
    & $Change $config
    $config | ConvertTo-Json -Depth 10 | Set-Content -Path $Path
    $Path
}

# A client that asks the proxy's health URL on a new connection every $IntervalMs (bounded to
# 3 minutes), in a thread, recording every failure (a non-2xx status, a reset, a timeout: no
# retry) and the slot that answered (X-FrostGuard-Slot). Stop-ProxyPoller returns what it saw.
function Start-ProxyPoller {
    param([string] $Url = ((Get-SandboxConfig).update.proxy.internalUrl + '/health'), [int] $IntervalMs = 50)
    $state = [hashtable]::Synchronized(@{ Stop = $false; Sent = 0; Failed = [Collections.Generic.List[string]]::new(); Slots = [Collections.Generic.List[string]]::new() })
    $job = Start-ThreadJob -ArgumentList $Url, $IntervalMs, $state -ScriptBlock {
        param($Url, $IntervalMs, $state)
        $client = [Net.Http.HttpClient]::new()
        $client.Timeout = [TimeSpan]::FromSeconds(5)
        $deadline = [DateTime]::UtcNow.AddMinutes(3)
        while (-not $state.Stop -and [DateTime]::UtcNow -lt $deadline) {
            $request = [Net.Http.HttpRequestMessage]::new('GET', $Url)
            $request.Headers.ConnectionClose = $true
            $state.Sent++
            try {
                $response = $client.Send($request)
                if ($response.IsSuccessStatusCode) {
                    $slot = $null
                    if ($response.Headers.TryGetValues('X-FrostGuard-Slot', [ref] $slot)) { $state.Slots.Add(@($slot)[0]) }
                }
                else { $state.Failed.Add("$([DateTime]::UtcNow.ToString('o')) status $([int]$response.StatusCode)") }
                $response.Dispose()
            }
            catch { $state.Failed.Add("$([DateTime]::UtcNow.ToString('o')) $($_.Exception.GetBaseException().Message)") }
            Start-Sleep -Milliseconds $IntervalMs # the client's pace, not a wait for a condition
        }
        $client.Dispose()
    }
    [pscustomobject]@{ Job = $job; State = $state }
}

function Stop-ProxyPoller {
    param([Parameter(Mandatory)] $Poller)
    $Poller.State.Stop = $true
    $Poller.Job | Wait-Job | Receive-Job -ErrorAction Stop
    Remove-Job $Poller.Job
    [pscustomobject]@{ Sent = $Poller.State.Sent; Failed = @($Poller.State.Failed); Slots = @($Poller.State.Slots) }
}

# The slot the proxy serves, from its answer on a new connection.
function Get-ServedSlot {
    $url = (Get-SandboxConfig).update.proxy.internalUrl + '/health'
    $response = Invoke-WebRequest -Uri $url -DisableKeepAlive -SkipHttpErrorCheck
    @($response.Headers['X-FrostGuard-Slot'])[0]
}

# A field of a .pgpass line: '\' and ':' escaped (a rotated password may hold both).
function ConvertTo-PgPassField([string] $Value) { $Value.Replace('\', '\\').Replace(':', '\:') }

# A tool of Debian's prometheus package (prometheus, promtool): from PATH, else unpacked from the
# package into .artifacts/promtool, never installed (installing starts a service on all interfaces).
function Get-PrometheusTool([string] $Name) {
    $installed = (Get-Command $Name -ErrorAction SilentlyContinue).Source
    if ($installed) { return $installed }
    $cache = Join-Path (Get-RepoRoot) '.artifacts/promtool'
    $tool = Join-Path $cache "usr/bin/$Name"
    if (-not (Test-Path $tool)) {
        New-Item -ItemType Directory -Force $cache | Out-Null
        Push-Location $cache
        try { apt-get download prometheus 2>&1 | Out-Null; dpkg-deb -x (Get-ChildItem prometheus_*.deb | Select-Object -First 1) . }
        finally { Pop-Location }
    }
    $tool
}

# The fleet sandbox (scripts/fleet.sh): five sshd "hosts" on 127.0.0.1, each with its own HOME.
# Brought up for the tests that need it and down after them; returns the inventory's path.
function Start-TestFleet {
    $build = Join-Path $script:RepoRoot 'build.sh'
    $output = & bash $build fleet up 2>&1
    if ($LASTEXITCODE -ne 0) { throw "./build.sh fleet up failed: $($output -join "`n")" }
    Get-TestFleetInventory
}

function Stop-TestFleet {
    $output = & bash (Join-Path $script:RepoRoot 'build.sh') fleet down 2>&1
    if ($LASTEXITCODE -ne 0) { throw "./build.sh fleet down failed: $($output -join "`n")" }
}

function Get-TestFleetRoot { if ($env:FROSTGUARD_FLEET_ROOT) { $env:FROSTGUARD_FLEET_ROOT } else { '/var/lib/frostguard-fleet' } }
function Get-TestFleetInventory { Join-Path (Get-TestFleetRoot) 'inventory.md' }
# Where a fleet host keeps its FrostGuard builds (its HOME is the sshd's SetEnv).
function Get-TestFleetModuleRoot([string] $HostName) { Join-Path (Get-TestFleetRoot) "hosts/$HostName/home/.local/share/frostguard/modules" }

# A copy of the fleet inventory in $Folder with its own known-hosts file (the given lines), and
# optionally extra host rows: for tests that refuse keys or add unreachable hosts.
function New-TestFleetInventory([string] $Folder, [string[]] $KnownHosts, [string[]] $ExtraRows = @()) {
    $root = Get-TestFleetRoot
    $text = Get-Content -Raw (Get-TestFleetInventory)
    $text = $text.Replace('| Known hosts | known_hosts ', "| Known hosts | $Folder/known_hosts ").Replace('| Key file    | controller/id_ed25519 ', "| Key file    | $root/controller/id_ed25519 ")
    $text = $text.TrimEnd() + "`n" + (($ExtraRows | ForEach-Object { $_ }) -join "`n") + "`n"
    Set-Content -Path (Join-Path $Folder 'inventory.md') -Value $text
    Set-Content -Path (Join-Path $Folder 'known_hosts') -Value ($KnownHosts -join "`n")
    Join-Path $Folder 'inventory.md'
}

# The DOM of a local HTML file as headless Chromium renders it (Debian's chromium, installed by build.sh).
function Get-ChromiumDom([string] $Path, [string] $ProfileFolder) {
    $chromium = Get-Command chromium -ErrorAction SilentlyContinue
    if (-not $chromium) { throw 'build.sh installs Debian chromium for the report tests' }
    $dom = & $chromium.Source --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking `
        --disable-component-update --disable-sync --user-data-dir=$ProfileFolder --dump-dom "file://$Path" 2>$null
    $dom -join "`n"
}

Export-ModuleMember -Function *
