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
    $Poller.Job | Wait-Job | Receive-Job
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

Export-ModuleMember -Function *
