<#
.SYNOPSIS
The fleet benchmark: what fanning out over PowerShell SSH remoting costs the controller. It brings
up a fleet of its own (./build.sh fleet up with -FleetRoot, -BasePort, -ProjectPrefix and
-LightHosts light hosts), installs the controller's build on every host, measures, and brings
the fleet down again in a finally block, failure or not (then removes -FleetRoot unless
-KeepFleetRoot). It never touches the default fleet (/var/lib/frostguard-fleet, ports from 22200).

- fanout:  Test-FrostHealth -Target app1 (one real host) against -Target app (three), the same
           cheap -Check set, sessions reused (-WarmUp calls first), calls interleaved. Target: the
           three hosts' median within 1.5x the one host's (judged on the per-run ratio).
- session: the first command to a host in a fresh pwsh (cold: host-key check, ssh, the remote
           pwsh's start, FrostGuard's import there, the first call there) against the same command
           again in that process (the session reused); each run in a fresh child pwsh, so the
           pool is cold. Beside it, in another fresh pwsh per run, the same steps one by one with
           PowerShell's own cmdlets, to say where the cold time goes.
- per host: Test-FrostHealth -Check Disk on 1 light host against all of them, sessions reused:
           wall time per extra host, and CPU time per extra host of the controller process
           (its TotalProcessorTime around the call), of its ssh client processes and of the hosts'
           sshd and pwsh processes (/proc). Target: the controller process under 50 ms per host.
           Also the hosts' 2nd to 4th calls (early: their runtime still compiling).
- rolling: Update-FrostDeployment -Target app -Wave 1 to 'next' and back to 'current', one host
           at a time out of the load balancer, with a load client on the balancer (GET /health,
           a new connection every 10 ms): total time, requests sent, failed requests (target 0),
           and each host's own downtime (while it was out of rotation).

Every measured call with host figures runs from quiet to quiet: it starts once the hosts'
processes are idle and its host CPU is counted until they are idle again (after answering, a
host's pwsh goes on compiling hot code for a while: that CPU belongs to the call), and the
controller's own CPU in that tail is reported apart (its waiting thread left out).

The calls run in child pwsh processes (the controller is a pwsh that runs nothing else), so the
pooled sessions and their remote pwsh processes end with them, before the fleet goes down.
Every figure has min, median, p95 (linear between ranks) and max. Alone, this script writes the
figures as a table and to bench/results/fleet-<date>.json (-Quick: .artifacts/bench/results/);
bench/run.ps1 calls it with -FiguresOnly and writes them with the others.
#>
param(
    # Calls of each kind in the fan-out and per-host parts (one controller process).
    [ValidateRange(3, 51)] [int] $Runs = 11,
    # Fresh pwsh processes of each kind in the session part.
    [ValidateRange(1, 21)] [int] $ColdRuns = 5,
    # Calls of each kind after the sessions opened and before the runs (steady use). A host's pwsh
    # recompiles hot code in the background after each of its first ~35 calls (.NET tiered
    # compilation: a method is recompiled after 30 calls, so code run once per call at the 30th).
    [ValidateRange(1, 100)] [int] $WarmUp = 35,
    # How long to wait at most for the hosts' processes to be quiet before and after each call.
    [ValidateRange(1, 120)] [int] $SettleSeconds = 30,
    [ValidateRange(2, 200)] [int] $LightHosts = 20,
    # Hosts whose sessions open at once (the install, the first call to the light hosts). The
    # measured calls keep the default (16): their sessions are open already. 16 remote pwsh
    # starting at once on this 2-core machine under load ran past the 10 s connect timeout.
    [ValidateRange(1, 64)] [int] $OpenThrottleLimit = 4,
    # The fan-out part's checks: cheap, and meaningful on an application host.
    [string[]] $Check = @('Containers', 'Disk'),
    [string] $FleetRoot = '/var/lib/frostguard-fleet-bench',
    # fleet.sh's ports run from here to +999 and must stay below 32768.
    [ValidateRange(1024, 31768)] [int] $BasePort = 24200,
    [ValidatePattern('^[a-z0-9][a-z0-9_-]*$')] [string] $ProjectPrefix = 'frostguard-fleet-bench',
    # Keep the fleet's folder (keys, database, host homes) after the fleet is down: a next run is quicker.
    [switch] $KeepFleetRoot,
    # Return the figures only (bench/run.ps1 writes them).
    [switch] $FiguresOnly,
    [switch] $Quick
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'BenchCommon.psm1')
$root = (Resolve-Path (Join-Path $PSScriptRoot '..')).Path
$module = Join-Path $root 'FrostGuard.psd1'
$pwsh = (Get-Command pwsh -CommandType Application | Select-Object -First 1).Source
if ($Quick) { $Runs = [math]::Min($Runs, 5); $ColdRuns = [math]::Min($ColdRuns, 3) }

# --- never the default fleet ---------------------------------------------------------------------
$defaultRoot = '/var/lib/frostguard-fleet'
$FleetRoot = [IO.Path]::GetFullPath($FleetRoot).TrimEnd('/')
if ($FleetRoot -eq $defaultRoot -or ($env:FROSTGUARD_FLEET_ROOT -and $FleetRoot -eq [IO.Path]::GetFullPath($env:FROSTGUARD_FLEET_ROOT).TrimEnd('/'))) {
    throw "-FleetRoot $FleetRoot is the fleet others use; the benchmark brings up (and removes) a fleet of its own"
}
if ($FleetRoot -notmatch '^/[^/]+/.+') { throw "-FleetRoot ${FleetRoot}: give a folder of its own (it is removed at the end)" }
foreach ($other in @(22200) + @($env:FROSTGUARD_FLEET_BASE_PORT | Where-Object { $_ -match '^\d+$' } | ForEach-Object { [int]$_ })) {
    # Each fleet's ports: its base to +999 (fleet.sh: light hosts at +100..+999).
    if ([math]::Abs($BasePort - $other) -lt 1000) { throw "-BasePort ${BasePort}: its ports ($BasePort-$($BasePort + 999)) overlap another fleet's ($other-$($other + 999))" }
}
if ($ProjectPrefix -eq 'frostguard-fleet') { throw "-ProjectPrefix $ProjectPrefix is the default fleet's" }
$fleetEnvironment = [ordered]@{
    FROSTGUARD_FLEET_ROOT = $FleetRoot; FROSTGUARD_FLEET_BASE_PORT = "$BasePort"
    FROSTGUARD_FLEET_LIGHT_HOSTS = "$LightHosts"; FROSTGUARD_FLEET_PROJECT_PREFIX = $ProjectPrefix
}
$logFolder = Join-Path $root '.artifacts/bench/fleet'
New-Item -ItemType Directory -Force -Path $logFolder | Out-Null

# ./build.sh fleet <verb> with this fleet's settings in its environment only (the variables are
# put back as they were, so nothing after this script sees them).
function Invoke-BenchFleet([string] $Verb) {
    $saved = @{}
    foreach ($name in $fleetEnvironment.Keys) { $saved[$name] = [Environment]::GetEnvironmentVariable($name); [Environment]::SetEnvironmentVariable($name, $fleetEnvironment[$name]) }
    $log = Join-Path $logFolder "fleet-$Verb.log"
    try {
        & bash (Join-Path $root 'build.sh') fleet $Verb *> $log
        if ($LASTEXITCODE -ne 0) { throw "./build.sh fleet $Verb (root $FleetRoot) failed (exit $LASTEXITCODE): $((Get-Content $log -Tail 15) -join "`n")" }
    }
    finally {
        foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
    }
}

# A script block in a fresh pwsh; its one output object comes back deserialized.
function Invoke-InFreshPwsh([scriptblock] $Block, [hashtable] $Arguments) {
    $out = & $pwsh -NoProfile -NonInteractive -Command $Block -args $Arguments
    if ($LASTEXITCODE -ne 0) { throw "a benchmark child pwsh failed (exit $LASTEXITCODE); its error is above" }
    $out | Select-Object -Last 1
}

function Get-LoadAverage { ((Get-Content /proc/loadavg) -split ' ')[0..2] -join ' ' }

# min, median, max, runs (BenchCommon) and p95, linear between the ranks.
function Get-Figure([double[]] $Values, [string] $Target, [scriptblock] $Pass) {
    $summary = if ($Target) { Get-Summary $Values -Target $Target -Pass $Pass } else { Get-Summary $Values }
    $sorted = @($Values | Sort-Object)
    $position = 0.95 * ($sorted.Count - 1)
    $low = [math]::Floor($position); $high = [math]::Ceiling($position)
    $summary.p95 = [math]::Round($sorted[$low] + ($sorted[$high] - $sorted[$low]) * ($position - $low), 3)
    $summary
}

# --- the controller: fan-out and per-host cost, one fresh pwsh, sessions kept between calls -----
$controllerBlock = {
    param($o)
    $ErrorActionPreference = 'Stop'
    $ProgressPreference = 'SilentlyContinue'
    Import-Module $o.Module
    $clockTicks = [double]$o.ClockTicks

    # Every process: its parent, its name and its CPU (own and reaped children's) in ms, from /proc.
    function Get-ProcessTable {
        $table = @{}
        foreach ($dir in [IO.Directory]::GetDirectories('/proc')) {
            $id = [IO.Path]::GetFileName($dir)
            if ($id -notmatch '^\d+$') { continue }
            try { $stat = [IO.File]::ReadAllText("$dir/stat") } catch { continue }
            $close = $stat.LastIndexOf(')')
            $fields = $stat.Substring($close + 2).Split(' ')
            $table[[int]$id] = [pscustomobject]@{
                Parent = [int]$fields[1]; Name = $stat.Substring($stat.IndexOf('(') + 1, $close - $stat.IndexOf('(') - 1)
                CpuMs = ([double]$fields[11] + [double]$fields[12] + [double]$fields[13] + [double]$fields[14]) * 1000 / $clockTicks
            }
        }
        $table
    }
    # The processes under the given roots (the roots included).
    function Get-TreeIds($Table, [int[]] $Roots) {
        $children = @{}
        foreach ($entry in $Table.GetEnumerator()) { if (-not $children[$entry.Value.Parent]) { $children[$entry.Value.Parent] = [Collections.Generic.List[int]]::new() }; $children[$entry.Value.Parent].Add($entry.Key) }
        $queue = [Collections.Generic.Queue[int]]::new()
        foreach ($r in $Roots) { if ($Table.ContainsKey($r)) { $queue.Enqueue($r) } }
        while ($queue.Count) {
            $id = $queue.Dequeue(); $id
            if ($children[$id]) { foreach ($c in $children[$id]) { $queue.Enqueue($c) } }
        }
    }
    function Get-TreeCpuMs($Table, [int[]] $Roots) {
        $sum = 0.0
        foreach ($id in Get-TreeIds $Table $Roots) { $sum += $Table[$id].CpuMs }
        $sum
    }
    # CPU of these processes alone (a cheap look, for Wait-HostsQuiet).
    function Get-IdsCpuMs([int[]] $Ids) {
        $sum = 0.0
        foreach ($id in $Ids) {
            try { $stat = [IO.File]::ReadAllText("/proc/$id/stat") } catch { continue }
            $fields = $stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')
            $sum += ([double]$fields[11] + [double]$fields[12] + [double]$fields[13] + [double]$fields[14]) * 1000 / $clockTicks
        }
        $sum
    }
    # Until the hosts' processes are quiet: at most one clock tick (10 ms) of CPU among them all in
    # 250 ms. After a call each host's pwsh goes on for a while (the runtime compiling hot code in
    # the background, the GC): measured from quiet to quiet, a call is charged all its own work and
    # none of the previous call's. Returns how long that took; -1 when still busy after -SettleSeconds.
    function Wait-HostsQuiet([int[]] $Roots) {
        $ids = @(Get-TreeIds (Get-ProcessTable) $Roots)
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $last = Get-IdsCpuMs $ids
        while ($clock.Elapsed.TotalSeconds -lt $o.SettleSeconds) {
            Start-Sleep -Milliseconds 250
            $now = Get-IdsCpuMs $ids
            if ($now - $last -le 1000 / $clockTicks) { return $clock.Elapsed.TotalMilliseconds }
            $last = $now
        }
        -1
    }
    # The controller's own ssh clients (PowerShell's SSH transport starts one per session).
    function Get-SshClientCpuMs($Table) {
        $sum = 0.0
        foreach ($entry in $Table.GetEnumerator()) { if ($entry.Value.Parent -eq $PID -and $entry.Value.Name -eq 'ssh') { $sum += $entry.Value.CpuMs } }
        $sum
    }
    function Get-CpuMs { [Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime.TotalMilliseconds }

    # CPU of the thread running this script (the one that waits and reads /proc), in ms.
    function Get-ThisThreadCpuMs {
        $fields = [IO.File]::ReadAllText('/proc/thread-self/stat')
        $fields = $fields.Substring($fields.LastIndexOf(')') + 2).Split(' ')
        ([double]$fields[11] + [double]$fields[12]) * 1000 / $clockTicks
    }

    # One fan-out, checked: every host expected answered, none failed, nothing else came back.
    # With -HostRoots it is measured from quiet to quiet: it starts when the hosts' processes are
    # quiet and ends when they are quiet again, so the hosts' CPU and the controller's own tail
    # (its other threads' CPU while the hosts finish) belong to this call alone.
    function Invoke-FanOut([string[]] $Target, [string] $Inventory, [string[]] $Checks, [string[]] $Expected, [int[]] $HostRoots, [int] $Throttle = 16) {
        $quietBefore = if ($HostRoots) { Wait-HostsQuiet $HostRoots }
        $before = if ($HostRoots) { Get-ProcessTable }
        $cpu = Get-CpuMs
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $results = @(Test-FrostHealth -Target $Target -Inventory $Inventory -Check $Checks -TargetThrottleLimit $Throttle -ErrorVariable failures -ErrorAction SilentlyContinue)
        $wall = $clock.Elapsed.TotalMilliseconds
        $cpuAfter = Get-CpuMs
        $cpu = $cpuAfter - $cpu
        if ($HostRoots) {
            $thread = Get-ThisThreadCpuMs
            $tail = Wait-HostsQuiet $HostRoots
            $after = Get-ProcessTable
            # The process's CPU since the answers were in, but for this thread's waiting and reading.
            $controllerTail = (Get-CpuMs) - $cpuAfter - ((Get-ThisThreadCpuMs) - $thread)
        }
        $answered = @($results.Host | Sort-Object -Unique)
        $broken = @($results | Where-Object Check -eq 'Host')
        $missing = @($Expected | Where-Object { $_ -notin $answered }) + @($answered | Where-Object { $_ -notin $Expected })
        if ($failures.Count -or $broken.Count -or $missing.Count) {
            throw "Test-FrostHealth -Target $($Target -join ',') did not get an answer from every host: answered $($answered -join ','); $(@($broken.Message) + @($failures | ForEach-Object { "$_" }) -join '; ')"
        }
        $measured = [ordered]@{ WallMs = $wall; CpuMs = $cpu; Results = $results.Count }
        if ($HostRoots) {
            $measured.ControllerTailCpuMs = $controllerTail
            $measured.SshCpuMs = (Get-SshClientCpuMs $after) - (Get-SshClientCpuMs $before)
            $measured.HostCpuMs = (Get-TreeCpuMs $after $HostRoots) - (Get-TreeCpuMs $before $HostRoots)
            $measured.QuietBeforeMs = $quietBefore
            $measured.TailMs = $tail
        }
        [pscustomobject]$measured
    }

    $series = @{}
    foreach ($name in 'one_app', 'three_app', 'early_light', 'one_light', 'all_light') { $series[$name] = [Collections.Generic.List[object]]::new() }

    # Fan-out: one application host against three. The first call opens the sessions (a few at a
    # time); the warm-up calls let the hosts' and the controller's runtime compile the hot code
    # (a host's pwsh spends up to a second of CPU after each of its first calls doing so), so the
    # runs measure sessions in steady use.
    $app = @($o.AppHosts)
    $appRoots = @($o.AppPidFiles | ForEach-Object { [int](Get-Content -Raw $_).Trim() })
    $null = Invoke-FanOut -Target 'app' -Inventory $o.Inventory -Checks $o.Check -Expected $app -Throttle $o.OpenThrottle
    foreach ($i in 1..$o.WarmUp) {
        $null = Invoke-FanOut -Target 'app' -Inventory $o.Inventory -Checks $o.Check -Expected $app
        $null = Invoke-FanOut -Target $app[0] -Inventory $o.Inventory -Checks $o.Check -Expected $app[0]
    }
    for ($i = 0; $i -lt $o.Runs; $i++) {
        # Interleaved, the order swapped every run, so drift and any after-effect hit both alike.
        $order = if ($i % 2) { 'three', 'one' } else { 'one', 'three' }
        foreach ($which in $order) {
            if ($which -eq 'one') { $series.one_app.Add((Invoke-FanOut -Target $app[0] -Inventory $o.Inventory -Checks $o.Check -Expected $app[0] -HostRoots $appRoots)) }
            else { $series.three_app.Add((Invoke-FanOut -Target 'app' -Inventory $o.Inventory -Checks $o.Check -Expected $app -HostRoots $appRoots)) }
        }
    }

    # Per host: one light host against all of them, the same trivial check. The calls right after
    # the sessions opened (the 2nd to the 4th on each host) are measured too, quiet to quiet: what
    # the hosts pay for a short-lived controller.
    $light = @($o.LightHosts)
    $roots = @($o.LightPidFiles | ForEach-Object { [int](Get-Content -Raw $_).Trim() })
    $null = Invoke-FanOut -Target 'app' -Inventory $o.LightInventory -Checks 'Disk' -Expected $light -Throttle $o.OpenThrottle
    foreach ($i in 1..3) { $series.early_light.Add((Invoke-FanOut -Target 'app' -Inventory $o.LightInventory -Checks 'Disk' -Expected $light -HostRoots $roots)) }
    foreach ($i in 1..$o.WarmUp) {
        $null = Invoke-FanOut -Target 'app' -Inventory $o.LightInventory -Checks 'Disk' -Expected $light
        $null = Invoke-FanOut -Target $light[0] -Inventory $o.LightInventory -Checks 'Disk' -Expected $light[0]
    }
    for ($i = 0; $i -lt $o.Runs; $i++) {
        $order = if ($i % 2) { 'all', 'one' } else { 'one', 'all' }
        foreach ($which in $order) {
            if ($which -eq 'one') { $series.one_light.Add((Invoke-FanOut -Target $light[0] -Inventory $o.LightInventory -Checks 'Disk' -Expected $light[0] -HostRoots $roots)) }
            else { $series.all_light.Add((Invoke-FanOut -Target 'app' -Inventory $o.LightInventory -Checks 'Disk' -Expected $light -HostRoots $roots)) }
        }
    }
    [pscustomobject]@{
        OneApp = $series.one_app.ToArray(); ThreeApp = $series.three_app.ToArray()
        EarlyLight = $series.early_light.ToArray(); OneLight = $series.one_light.ToArray(); AllLight = $series.all_light.ToArray()
        Controller = $PID
    }
}

# --- the session: the first command in a fresh pwsh, then the same command again ----------------
$coldBlock = {
    param($o)
    $ErrorActionPreference = 'Stop'
    $ProgressPreference = 'SilentlyContinue'
    $clock = [Diagnostics.Stopwatch]::StartNew()
    Import-Module $o.Module
    $import = $clock.Elapsed.TotalMilliseconds
    $times = foreach ($i in 1..2) {
        $cpu = [Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime.TotalMilliseconds
        $clock.Restart()
        $results = @(Test-FrostHealth -Target $o.HostName -Inventory $o.Inventory -Check $o.Check)
        $wall = $clock.Elapsed.TotalMilliseconds
        $cpu = [Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime.TotalMilliseconds - $cpu
        if (-not $results.Count -or @($results | Where-Object { $_.Host -ne $o.HostName -or $_.Check -eq 'Host' }).Count) {
            throw "Test-FrostHealth -Target $($o.HostName) failed: $(@($results | Where-Object Check -eq 'Host').Message)"
        }
        [pscustomobject]@{ WallMs = $wall; CpuMs = $cpu }
    }
    [pscustomobject]@{ ImportMs = $import; ColdMs = $times[0].WallMs; ColdCpuMs = $times[0].CpuMs; ReusedMs = $times[1].WallMs; ReusedCpuMs = $times[1].CpuMs }
}

# --- where the cold time goes: the same steps one by one, PowerShell's own cmdlets --------------
$breakdownBlock = {
    param($o)
    $ErrorActionPreference = 'Stop'
    $ProgressPreference = 'SilentlyContinue'
    $clock = [Diagnostics.Stopwatch]::StartNew()
    function Lap { $t = $clock.Elapsed.TotalMilliseconds; $clock.Restart(); $t }
    # The controller's build identity: a SHA-256 of every file it ships (ModuleIdentity, once per process).
    $files = @(Join-Path $o.ModuleFolder 'FrostGuard.psd1') + @('bin', 'module', 'en-US' | ForEach-Object { Join-Path $o.ModuleFolder $_ } | Where-Object { Test-Path $_ } |
            ForEach-Object { Get-ChildItem -LiteralPath $_ -File -Recurse | Sort-Object FullName | ForEach-Object FullName })
    $clock.Restart()
    $hash = [Security.Cryptography.IncrementalHash]::CreateHash('SHA256')
    foreach ($file in $files) { $hash.AppendData([IO.File]::ReadAllBytes($file)) }
    $null = $hash.GetHashAndReset()
    $identity = Lap
    # What FrostGuard checks before a new session (HostKeyCheck): the port answers, the known-hosts
    # file knows the host, the key it offers is that one.
    $tcp = [Net.Sockets.TcpClient]::new(); $tcp.Connect($o.Address, $o.Port); $tcp.Dispose()
    $null = & ssh-keygen -F "[$($o.Address)]:$($o.Port)" -f $o.KnownHosts
    $null = & ssh-keyscan -p $o.Port -T 10 $o.Address 2>$null
    $keyCheck = Lap
    $options = @{
        BatchMode = 'yes'; StrictHostKeyChecking = 'yes'; UserKnownHostsFile = $o.KnownHosts; GlobalKnownHostsFile = '/dev/null'
        CheckHostIP = 'no'; UpdateHostKeys = 'no'; PasswordAuthentication = 'no'; KbdInteractiveAuthentication = 'no'
        PubkeyAuthentication = 'yes'; IdentitiesOnly = 'yes'; ConnectTimeout = '10'; ServerAliveInterval = '15'; ServerAliveCountMax = '3'; LogLevel = 'QUIET'
    }
    $session = New-PSSession -HostName $o.Address -Port $o.Port -UserName $o.User -KeyFilePath $o.KeyFile -Options $options -ConnectingTimeout 10000
    try {
        $newSession = Lap
        $null = Invoke-Command -Session $session { 1 }
        $firstInvoke = Lap
        Invoke-Command -Session $session { param($m) Import-Module $m } -ArgumentList $o.RemoteModule
        $remoteImport = Lap
        $call = { param($config, $checks) Test-FrostHealth -Check $checks -ConfigPath $config | ForEach-Object { [FrostGuard.FleetTransport]::Pack($_) } }
        $first = @(Invoke-Command -Session $session $call -ArgumentList $o.Config, $o.Check)
        $remoteFirst = Lap
        if (-not $first.Count) { throw "Test-FrostHealth on $($o.Address):$($o.Port) returned nothing" }
        $null = Invoke-Command -Session $session $call -ArgumentList $o.Config, $o.Check
        $remoteAgain = Lap
        $trips = foreach ($i in 1..5) { $null = Invoke-Command -Session $session { 1 }; Lap }
    }
    finally { Remove-PSSession $session }
    [pscustomobject]@{
        IdentityMs = $identity; KeyCheckMs = $keyCheck; NewSessionMs = $newSession; FirstInvokeMs = $firstInvoke
        RemoteImportMs = $remoteImport; RemoteFirstCallMs = $remoteFirst; RemoteAgainMs = $remoteAgain
        RoundTripMs = ($trips | Sort-Object)[2]
    }
}

# --- run ------------------------------------------------------------------------------------------
# The rolling update (issue 21's last figure): a load client polls the load balancer the whole
# time (HTTP GET /health, a new connection each, every 10 ms, bounded to 10 minutes) while
# Update-FrostDeployment -Target app updates the three application hosts one by one to 'next',
# then back to 'current'. Total time and failed requests, each way.
$rollingBlock = {
    param($o)
    $ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue'
    Import-Module $o.Module
    $state = [hashtable]::Synchronized(@{ Stop = $false; Sent = 0; Failed = 0; FailedSamples = [Collections.Generic.List[string]]::new() })
    $poller = Start-ThreadJob -ArgumentList $o.Url, $state -ScriptBlock {
        param($Url, $state)
        $client = [Net.Http.HttpClient]::new(); $client.Timeout = [TimeSpan]::FromSeconds(5)
        $deadline = [DateTime]::UtcNow.AddMinutes(10)
        while (-not $state.Stop -and [DateTime]::UtcNow -lt $deadline) {
            $request = [Net.Http.HttpRequestMessage]::new('GET', $Url); $request.Headers.ConnectionClose = $true
            $state.Sent++
            try {
                $response = $client.Send($request)
                if (-not $response.IsSuccessStatusCode) { $state.Failed++; $state.FailedSamples.Add("status $([int]$response.StatusCode)") }
                $response.Dispose()
            }
            catch { $state.Failed++; $state.FailedSamples.Add($_.Exception.GetBaseException().Message) }
            Start-Sleep -Milliseconds 10 # the client's pace, not a wait for a condition
        }
        $client.Dispose()
    }
    $runs = foreach ($version in 'next', 'current') {
        $sentBefore = $state.Sent; $failedBefore = $state.Failed
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $results = Update-FrostDeployment -Target app -Inventory $o.Inventory -Version $version -Service backend -Wave 1 -GateCheck Containers, Http -SkipBackup:($version -eq 'current') -Confirm:$false
        $seconds = $clock.Elapsed.TotalSeconds
        $updates = @($results | Where-Object { $_ -is [FrostGuard.FrostUpdateResult] })
        if ($updates.Count -ne 3 -or @($updates | Where-Object { -not $_.Succeeded }).Count) { throw "the rolling update to $version did not update the three hosts: $($updates | Out-String)" }
        [pscustomobject]@{ Version = $version; Seconds = $seconds; Sent = $state.Sent - $sentBefore; Failed = $state.Failed - $failedBefore
            HostDowntimeMs = @($updates | ForEach-Object { $_.Downtime.TotalMilliseconds }) }
    }
    $state.Stop = $true
    $null = $poller | Wait-Job | Receive-Job
    [pscustomobject]@{ Runs = @($runs); FailedSamples = @($state.FailedSamples | Select-Object -First 5) }
}

$loadBefore = Get-LoadAverage
$phases = [ordered]@{}
$loads = [ordered]@{}   # the load average as each part ended: others' work shows here
$phase = [Diagnostics.Stopwatch]::StartNew()
$measured = $null; $cold = [Collections.Generic.List[object]]::new(); $breakdown = [Collections.Generic.List[object]]::new()
$downError = $null
try {
    Write-Progress -Activity 'Fleet benchmark' -Status "bringing up its own fleet in $FleetRoot (ports from $BasePort, $LightHosts light hosts)"
    Invoke-BenchFleet up
    $phases.fleet_up_s = [math]::Round($phase.Elapsed.TotalSeconds, 1); $phase.Restart(); $loads.fleet_up = Get-LoadAverage
    $inventory = Join-Path $FleetRoot 'inventory.md'
    $lightInventory = Join-Path $FleetRoot 'inventory-light.md'
    # The hosts as the inventories name them (fleet.sh writes them).
    function Get-InventoryRows([string] $Path) {
        # A host row: a name, an address, a port (the settings and the header have none).
        Get-Content $Path | Where-Object { $_ -match '^\|\s*[a-z][a-z0-9]*\s*\|[^|]+\|\s*\d+\s*\|' } | ForEach-Object {
            $cells = $_.Trim('|').Split('|') | ForEach-Object Trim
            [pscustomobject]@{ Name = $cells[0]; Address = $cells[1]; Port = [int]$cells[2]; User = $cells[3]; Roles = $cells[5]; Config = $cells[6] }
        }
    }
    $rows = @(Get-InventoryRows $inventory)
    $lightRows = @(Get-InventoryRows $lightInventory)
    $appHosts = @($rows | Where-Object Roles -eq 'app' | ForEach-Object Name)
    if ($appHosts.Count -ne 3 -or $lightRows.Count -ne $LightHosts) { throw "the bench fleet's inventories list $($appHosts.Count) application hosts and $($lightRows.Count) light hosts; expected 3 and $LightHosts" }

    Write-Progress -Activity 'Fleet benchmark' -Status 'installing the controller''s build on every host'
    Invoke-InFreshPwsh {
        param($o)
        $ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue'
        Import-Module $o.Module
        $null = Install-FrostModule -Target db, app, lb -Inventory $o.Inventory -TargetThrottleLimit $o.OpenThrottle -Confirm:$false
        $null = Install-FrostModule -Target app -Inventory $o.LightInventory -TargetThrottleLimit $o.OpenThrottle -Confirm:$false
        'installed'
    } @{ Module = $module; Inventory = $inventory; LightInventory = $lightInventory; OpenThrottle = $OpenThrottleLimit } | Out-Null
    $phases.install_s = [math]::Round($phase.Elapsed.TotalSeconds, 1); $phase.Restart(); $loads.install = Get-LoadAverage

    # The session part: fresh pwsh processes, the two kinds alternating.
    $first = $rows | Where-Object Name -eq $appHosts[0]
    $hostHome = Join-Path $FleetRoot "hosts/$($first.Name)/home/.local/share/frostguard/modules"
    $remoteModule = Join-Path $hostHome "$((Get-Content -Raw (Join-Path $hostHome 'current')).Trim())/FrostGuard.psd1"
    $coldArguments = @{ Module = $module; Inventory = $inventory; HostName = $first.Name; Check = $Check }
    $breakdownArguments = @{
        ModuleFolder = $root; Address = $first.Address; Port = $first.Port; User = $first.User; KeyFile = (Join-Path $FleetRoot 'controller/id_ed25519')
        KnownHosts = (Join-Path $FleetRoot 'known_hosts'); RemoteModule = $remoteModule; Config = $first.Config; Check = $Check
    }
    for ($i = 0; $i -lt $ColdRuns; $i++) {
        Write-Progress -Activity 'Fleet benchmark' -Status "session set-up: run $($i + 1) of $ColdRuns (fresh pwsh each)" -PercentComplete (100 * $i / $ColdRuns)
        if ($i % 2) { $breakdown.Add((Invoke-InFreshPwsh $breakdownBlock $breakdownArguments)); $cold.Add((Invoke-InFreshPwsh $coldBlock $coldArguments)) }
        else { $cold.Add((Invoke-InFreshPwsh $coldBlock $coldArguments)); $breakdown.Add((Invoke-InFreshPwsh $breakdownBlock $breakdownArguments)) }
    }
    $phases.session_s = [math]::Round($phase.Elapsed.TotalSeconds, 1); $phase.Restart(); $loads.session = Get-LoadAverage

    Write-Progress -Activity 'Fleet benchmark' -Status "fan-out and per-host cost: $Runs runs of each call (one controller pwsh)"
    $measured = Invoke-InFreshPwsh $controllerBlock @{
        Module = $module; Inventory = $inventory; LightInventory = $lightInventory; Check = $Check; Runs = $Runs; OpenThrottle = $OpenThrottleLimit; SettleSeconds = $SettleSeconds
        AppHosts = $appHosts; LightHosts = @($lightRows.Name); WarmUp = $WarmUp
        AppPidFiles = @($appHosts | ForEach-Object { Join-Path $FleetRoot "hosts/$_/sshd.pid" })
        LightPidFiles = @($lightRows | ForEach-Object { Join-Path $FleetRoot "hosts/$($_.Name)/sshd.pid" })
        ClockTicks = [int](& getconf CLK_TCK)
    }
    $phases.controller_s = [math]::Round($phase.Elapsed.TotalSeconds, 1); $phase.Restart(); $loads.controller = Get-LoadAverage

    Write-Progress -Activity 'Fleet benchmark' -Status 'rolling update behind the load balancer, with a load client on it'
    $lbConfig = Get-Content -Raw (Join-Path $FleetRoot 'hosts/lb/frostguard.json') | ConvertFrom-Json
    $rolling = Invoke-InFreshPwsh $rollingBlock @{ Module = $module; Inventory = $inventory; Url = $lbConfig.update.proxy.internalUrl + '/health' }
    $phases.rolling_update_s = [math]::Round($phase.Elapsed.TotalSeconds, 1); $phase.Restart(); $loads.rolling_update = Get-LoadAverage
}
finally {
    Write-Progress -Activity 'Fleet benchmark' -Status "bringing its fleet down ($FleetRoot)"
    try {
        Invoke-BenchFleet down
        if (-not $KeepFleetRoot -and (Test-Path -LiteralPath $FleetRoot)) { Remove-Item -LiteralPath $FleetRoot -Recurse -Force -ErrorAction Stop }
    }
    catch {
        # Said now: when the benchmark itself failed, its own error is the one thrown.
        $downError = $_
        Write-Warning "the bench fleet did not come down cleanly: $_ (bring it down: FROSTGUARD_FLEET_ROOT=$FleetRoot FROSTGUARD_FLEET_BASE_PORT=$BasePort FROSTGUARD_FLEET_PROJECT_PREFIX=$ProjectPrefix ./build.sh fleet down)"
    }
    $phases.fleet_down_s = [math]::Round($phase.Elapsed.TotalSeconds, 1)
    $loads.fleet_down = Get-LoadAverage
    Write-Progress -Activity 'Fleet benchmark' -Completed
}
if ($downError) { throw "the bench fleet did not come down cleanly (nothing else failed): $downError" }
$loadAfter = Get-LoadAverage

# --- figures --------------------------------------------------------------------------------------
$figures = [ordered]@{}
$oneApp = @($measured.OneApp.WallMs); $threeApp = @($measured.ThreeApp.WallMs)
$figures['fleet.health_1_app_host_ms'] = Get-Figure $oneApp
$figures['fleet.health_3_app_hosts_ms'] = Get-Figure $threeApp
$figures['fleet.health_3_over_1'] = Get-Figure @(for ($i = 0; $i -lt $Runs; $i++) { $threeApp[$i] / $oneApp[$i] }) -Target '<= 1.5' -Pass { param($m) $m -le 1.5 }
$figures['fleet.health_1_app_host_controller_cpu_ms'] = Get-Figure @($measured.OneApp.CpuMs)
$figures['fleet.health_3_app_hosts_controller_cpu_ms'] = Get-Figure @($measured.ThreeApp.CpuMs)
$figures['fleet.health_1_app_host_host_cpu_ms'] = Get-Figure @($measured.OneApp.HostCpuMs)
$figures['fleet.health_3_app_hosts_host_cpu_ms'] = Get-Figure @($measured.ThreeApp.HostCpuMs)
# All the CPU a call costs (controller, its tail, the hosts), 3 hosts over 1: on one machine the
# hosts' work shares its cores, so the wall-time ratio cannot drop much below this.
$figures['fleet.health_3_over_1_total_cpu'] = Get-Figure @(for ($i = 0; $i -lt $Runs; $i++) {
        $three = $measured.ThreeApp[$i]; $one = $measured.OneApp[$i]
        ($three.CpuMs + $three.ControllerTailCpuMs + $three.HostCpuMs) / [math]::Max(1, $one.CpuMs + $one.ControllerTailCpuMs + $one.HostCpuMs)
    })

$figures['fleet.session_controller_import_ms'] = Get-Figure @($cold.ImportMs)
$figures['fleet.session_cold_ms'] = Get-Figure @($cold.ColdMs)
$figures['fleet.session_reused_ms'] = Get-Figure @($cold.ReusedMs)
$figures['fleet.session_cold_over_reused'] = Get-Figure @(for ($i = 0; $i -lt $cold.Count; $i++) { $cold[$i].ColdMs / $cold[$i].ReusedMs })
$figures['fleet.session_cold_controller_cpu_ms'] = Get-Figure @($cold.ColdCpuMs)
$figures['fleet.session_reused_controller_cpu_ms'] = Get-Figure @($cold.ReusedCpuMs)
$figures['fleet.session_part.identity_hash_ms'] = Get-Figure @($breakdown.IdentityMs)
$figures['fleet.session_part.host_key_check_ms'] = Get-Figure @($breakdown.KeyCheckMs)
$figures['fleet.session_part.new_pssession_ms'] = Get-Figure @($breakdown.NewSessionMs)
$figures['fleet.session_part.first_invoke_ms'] = Get-Figure @($breakdown.FirstInvokeMs)
$figures['fleet.session_part.remote_import_ms'] = Get-Figure @($breakdown.RemoteImportMs)
$figures['fleet.session_part.remote_first_call_ms'] = Get-Figure @($breakdown.RemoteFirstCallMs)
$figures['fleet.session_part.remote_call_again_ms'] = Get-Figure @($breakdown.RemoteAgainMs)
$figures['fleet.session_part.round_trip_ms'] = Get-Figure @($breakdown.RoundTripMs)
# What the parts leave of the cold command's median: FrostGuard's own first-call work on the
# controller (JIT of the fleet path, inventory, the local runspace pool, reading the answers).
$parts = 'identity_hash_ms', 'host_key_check_ms', 'new_pssession_ms', 'first_invoke_ms', 'remote_import_ms', 'remote_first_call_ms' |
    ForEach-Object { $figures["fleet.session_part.$_"].median } | Measure-Object -Sum
$figures['fleet.session_part.rest_ms'] = Get-Figure @($figures['fleet.session_cold_ms'].median - $parts.Sum)

$oneLight = @($measured.OneLight); $allLight = @($measured.AllLight)
$extra = $LightHosts - 1
$figures['fleet.light_1_host_ms'] = Get-Figure @($oneLight.WallMs)
$figures["fleet.light_$($LightHosts)_hosts_ms"] = Get-Figure @($allLight.WallMs)
$figures['fleet.wall_ms_per_extra_host'] = Get-Figure @(for ($i = 0; $i -lt $Runs; $i++) { ($allLight[$i].WallMs - $oneLight[$i].WallMs) / $extra })
$figures['fleet.light_1_host_controller_cpu_ms'] = Get-Figure @($oneLight.CpuMs)
$figures["fleet.light_$($LightHosts)_hosts_controller_cpu_ms"] = Get-Figure @($allLight.CpuMs)
$figures['fleet.controller_cpu_ms_per_extra_host'] = Get-Figure @(for ($i = 0; $i -lt $Runs; $i++) { ($allLight[$i].CpuMs - $oneLight[$i].CpuMs) / $extra }) -Target '< 50' -Pass { param($m) $m -lt 50 }
$figures['fleet.controller_cpu_ms_per_host_average'] = Get-Figure @($allLight | ForEach-Object { $_.CpuMs / $LightHosts })
$figures['fleet.ssh_client_cpu_ms_per_extra_host'] = Get-Figure @(for ($i = 0; $i -lt $Runs; $i++) { ($allLight[$i].SshCpuMs - $oneLight[$i].SshCpuMs) / $extra })
$figures['fleet.host_cpu_ms_per_extra_host'] = Get-Figure @(for ($i = 0; $i -lt $Runs; $i++) { ($allLight[$i].HostCpuMs - $oneLight[$i].HostCpuMs) / $extra })
$figures['fleet.light_1_host_host_cpu_ms'] = Get-Figure @($oneLight.HostCpuMs)
$figures["fleet.light_$($LightHosts)_hosts_host_cpu_ms"] = Get-Figure @($allLight.HostCpuMs)
$figures["fleet.light_$($LightHosts)_hosts_controller_tail_cpu_ms"] = Get-Figure @($allLight.ControllerTailCpuMs)
# Right after the sessions opened (each host's 2nd to 4th call): the hosts' runtime still compiling.
$early = @($measured.EarlyLight)
$figures["fleet.early.light_$($LightHosts)_hosts_ms"] = Get-Figure @($early.WallMs)
$figures["fleet.early.light_$($LightHosts)_hosts_controller_cpu_ms"] = Get-Figure @($early.CpuMs)
$figures['fleet.early.host_cpu_ms_per_host'] = Get-Figure @($early | ForEach-Object { $_.HostCpuMs / $LightHosts })
$figures["fleet.early.light_$($LightHosts)_hosts_tail_ms"] = Get-Figure @($early.TailMs)
# How long the hosts' processes went on using CPU after the answers were in (-1: not quiet within -SettleSeconds).
$figures["fleet.light_$($LightHosts)_hosts_tail_ms"] = Get-Figure @($allLight.TailMs)
$figures['fleet.health_3_app_hosts_tail_ms'] = Get-Figure @($measured.ThreeApp.TailMs)
foreach ($run in @($rolling.Runs)) {
    $figures["fleet.rolling_update_to_$($run.Version)_s"] = Get-Figure @($run.Seconds)
    $figures["fleet.rolling_update_to_$($run.Version)_requests"] = Get-Figure @($run.Sent)
    $figures["fleet.rolling_update_to_$($run.Version)_failed_requests"] = Get-Figure @($run.Failed) -Target '0' -Pass { param($m) $m -eq 0 }
    $figures["fleet.rolling_update_to_$($run.Version)_host_downtime_ms"] = Get-Figure @($run.HostDowntimeMs)
}

foreach ($when in 'before', 'after') {
    $triple = if ($when -eq 'before') { $loadBefore } else { $loadAfter }
    $figures["fleet.load_average_$when"] = Get-Figure @([double]($triple -split ' ')[0])
    $figures["fleet.load_average_$when"].load_1_5_15 = $triple
}

if ($FiguresOnly) { return $figures }

$result = [ordered]@{
    date = (Get-Date).ToString('o')
    machine = [ordered]@{
        cores = [Environment]::ProcessorCount; os = [Environment]::OSVersion.VersionString; pwsh = $PSVersionTable.PSVersion.ToString(); dotnet = [Environment]::Version.ToString()
        docker = (& docker version --format '{{.Server.Version}}')
    }
    quick = [bool]$Quick
    commit = "$(git -C $root rev-parse --short HEAD)$(if (git -C $root status --porcelain --untracked-files=no) { '+changes' })"
    settings = [ordered]@{ fleet_root = $FleetRoot; base_port = $BasePort; light_hosts = $LightHosts; check = $Check; runs = $Runs; cold_runs = $ColdRuns; warm_up = $WarmUp; settle_seconds = $SettleSeconds; target_throttle_limit = 16; open_throttle_limit = $OpenThrottleLimit }
    load_average = [ordered]@{ before = $loadBefore; after = $loadAfter; at_phase_ends = $loads }
    phases = $phases
    figures = $figures
    # Every run's own values, in the order measured.
    samples = [ordered]@{
        health_1_app_host = @($measured.OneApp); health_3_app_hosts = @($measured.ThreeApp)
        early_light = @($measured.EarlyLight); light_1_host = @($measured.OneLight); "light_$($LightHosts)_hosts" = @($measured.AllLight)
        session = @($cold); session_parts = @($breakdown); rolling_update = @($rolling.Runs); rolling_update_failures = @($rolling.FailedSamples)
    }
}
$stem = "fleet-$((Get-Date).ToString('yyyy-MM-dd'))$(if ($Quick) { '-quick' })"
$resultFolder = if ($Quick) { Join-Path $root '.artifacts/bench/results' } else { Join-Path $PSScriptRoot 'results' }
New-Item -ItemType Directory -Force -Path $resultFolder | Out-Null
$file = Join-Path $resultFolder "$stem.json"
$result | ConvertTo-Json -Depth 5 | Set-Content $file
$figures.GetEnumerator() | ForEach-Object {
    [pscustomobject]@{
        Figure = $_.Key; Min = $_.Value.min; Median = $_.Value.median; P95 = $_.Value.p95; Max = $_.Value.max; Runs = $_.Value.runs
        Target = $_.Value.target; Verdict = if ($_.Value.Contains('pass')) { if ($_.Value.pass) { 'PASS' } else { 'MISS' } } else { '' }
    }
} | Format-Table -AutoSize | Out-Host
Write-Host "load average (1, 5, 15 min): before $loadBefore; after $loadAfter"
Write-Host "time per part (s): $(($phases.GetEnumerator() | ForEach-Object { "$($_.Key -replace '_s$') $($_.Value)" }) -join ', ')"
Write-Host "results: $file"
