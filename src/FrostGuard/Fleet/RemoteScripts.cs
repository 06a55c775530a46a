namespace FrostGuard.Fleet;

/// <summary>
/// The scripts the controller runs in a host's session. Each first finds the FrostGuard build
/// active on the host (the <c>current</c> file under the host's module root) and, unless it is
/// the controller's, runs nothing and says so: a host never runs other code than the controller.
/// </summary>
internal static class RemoteScripts
{
    /// <summary>Where a host keeps its FrostGuard builds: one folder per build and a <c>current</c> file naming the active one.</summary>
    private const string ModuleRoot = """
        $dataHome = if ($env:XDG_DATA_HOME) { $env:XDG_DATA_HOME } else { Join-Path $HOME '.local/share' }
        $root = Join-Path $dataHome 'frostguard/modules'
        $currentFile = Join-Path $root 'current'
        $active = if (Test-Path -LiteralPath $currentFile -PathType Leaf) { [IO.File]::ReadAllText($currentFile).Trim() } else { '' }
        $probe = [pscustomobject]@{ FrostGuardFleetProbe = $true; Active = $active; Root = $root; Computer = [Environment]::MachineName }
        """;

    /// <summary>What a host says when it runs nothing: the build it has and where.</summary>
    public const string ProbeMarker = "FrostGuardFleetProbe";

    /// <summary>Runs one FrostGuard command with the given parameters; each object it writes comes back packed (FleetTransport).</summary>
    public static string Run => """
        param([string] $Identity, [string] $Command, [hashtable] $Parameters)
        $ErrorActionPreference = 'Stop'
        """ + "\n" + ModuleRoot + "\n" + """
        if ($active -ne $Identity) {
            $probe
            return
        }
        Import-Module -Name (Join-Path $root "$active/FrostGuard.psd1")
        $ErrorActionPreference = 'Continue'
        & $Command @Parameters | ForEach-Object { [FrostGuard.FleetTransport]::Pack($_) }
        """;

    /// <summary>The build a host has, and its module root (Install-FrostModule).</summary>
    public static string Probe => """
        $ErrorActionPreference = 'Stop'
        """ + "\n" + ModuleRoot + "\n" + """
        $probe
        """;

    /// <summary>
    /// Receives a build as a zip, checks its SHA-256, unpacks it beside the others and makes it
    /// current by renaming a file over <c>current</c>: a crash leaves the previous build active
    /// (and at most an .incoming folder, removed by the next install after an hour). A build
    /// folder that exists already is the same build (its name is its content hash) and is reused,
    /// never overwritten: a running pwsh may have its DLLs loaded.
    /// </summary>
    public static string Install => """
        param([string] $Identity, [byte[]] $Package, [string] $Sha256)
        $ErrorActionPreference = 'Stop'
        """ + "\n" + ModuleRoot + "\n" + """
        $previous = $active
        $null = New-Item -ItemType Directory -Force -Path $root
        Get-ChildItem -LiteralPath $root -Force -Filter '.incoming-*' | Where-Object LastWriteTimeUtc -lt ([DateTime]::UtcNow.AddHours(-1)) | Remove-Item -Recurse -Force
        $target = Join-Path $root $Identity
        $copied = $false
        if (-not (Test-Path -LiteralPath (Join-Path $target 'FrostGuard.psd1') -PathType Leaf)) {
            $received = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($Package)).ToLowerInvariant()
            if ($received -ne $Sha256) { throw "the package arrived damaged: SHA-256 $received, sent $Sha256" }
            $incoming = Join-Path $root ('.incoming-' + [guid]::NewGuid().ToString('n'))
            $zip = "$incoming.zip"
            [IO.File]::WriteAllBytes($zip, $Package)
            try { [IO.Compression.ZipFile]::ExtractToDirectory($zip, $incoming) } finally { Remove-Item -LiteralPath $zip -Force }
            if (Test-Path -LiteralPath $target) { Remove-Item -LiteralPath $incoming -Recurse -Force; throw "$target exists but holds no FrostGuard.psd1; move it away" }
            [IO.Directory]::Move($incoming, $target)
            $copied = $true
        }
        if ($previous -ne $Identity) {
            $temporary = "$currentFile.$PID.tmp"
            [IO.File]::WriteAllText($temporary, $Identity)
            [IO.File]::Move($temporary, $currentFile, $true)
        }
        [pscustomobject]@{ Previous = $previous; Path = $target; Copied = $copied; Computer = [Environment]::MachineName }
        """;

    /// <summary>Where a host keeps what fleet runs leave with it: runbook copies, requests, launcher logs.</summary>
    private const string FleetFolder = """
        $fleet = Join-Path $dataHome 'frostguard/fleet'
        if (-not (Test-Path -LiteralPath $fleet)) {
            $null = New-Item -ItemType Directory -Force -Path $fleet
            [IO.File]::SetUnixFileMode($fleet, [IO.UnixFileMode]'UserRead, UserWrite, UserExecute')
        }
        $null = New-Item -ItemType Directory -Force -Path (Join-Path $fleet 'runbooks')
        """;

    /// <summary>
    /// The detached runner on a host: started with setsid, stdin from /dev/null and output to a
    /// log, so it is nobody's child once the session that started it ends (the controller may die;
    /// the run goes on). It reads its request file and runs Invoke-FrostRunbook with the run id the
    /// controller chose; what happened is in that run's journal.
    /// </summary>
    public const string Launcher = """
        param([string] $Request)
        $ErrorActionPreference = 'Stop'
        $r = Get-Content -Raw -LiteralPath $Request | ConvertFrom-Json -AsHashtable
        Set-Content -LiteralPath $r.PidFile -Value $PID -NoNewline
        Import-Module -Name $r.Module
        $arguments = @{ Path = $r.Runbook; RunId = $r.RunId; Confirm = $false; ErrorAction = 'Continue' }
        if ($r.Parameters -and $r.Parameters.Count) { $arguments.Parameter = $r.Parameters }
        if ($r.Force) { $arguments.Force = $true }
        if ($r.Resume) { $arguments.Resume = $true }
        if ($r.ConfigPath) { $arguments.ConfigPath = $r.ConfigPath }
        Invoke-FrostRunbook @arguments | Out-Null
        """;

    /// <summary>
    /// Starts a fleet run's part on a host, detached: the controller's runbook (sent as text, kept
    /// under its content hash) run by the host's FrostGuard with the run id the controller chose.
    /// Returns the launcher's PID.
    /// </summary>
    public static string StartRun => """
        param([string] $Identity, [string] $RunbookText, [string] $ContentHash, [string] $RunId, [hashtable] $Parameters, [bool] $Force, [bool] $Resume, [string] $ConfigPath, [string] $LauncherText)
        $ErrorActionPreference = 'Stop'
        """ + "\n" + ModuleRoot + "\n" + """
        if ($active -ne $Identity) {
            $probe
            return
        }
        """ + "\n" + FleetFolder + "\n" + """
        $runbook = Join-Path $fleet "runbooks/$ContentHash.md"
        if (-not (Test-Path -LiteralPath $runbook)) {
            $temporary = "$runbook.$PID.tmp"
            [IO.File]::WriteAllText($temporary, $RunbookText)
            [IO.File]::Move($temporary, $runbook, $true)
        }
        $launcher = Join-Path $fleet 'launcher.ps1'
        [IO.File]::WriteAllText("$launcher.$PID.tmp", $LauncherText)
        [IO.File]::Move("$launcher.$PID.tmp", $launcher, $true)
        $request = Join-Path $fleet "$RunId.json"
        $log = Join-Path $fleet "$RunId.log"
        $pidFile = Join-Path $fleet "$RunId.pid"
        @{ Module = (Join-Path $root "$active/FrostGuard.psd1"); Runbook = $runbook; RunId = $RunId; Parameters = $Parameters; Force = $Force; Resume = $Resume; ConfigPath = $ConfigPath; PidFile = $pidFile } |
            ConvertTo-Json -Depth 4 | Set-Content -LiteralPath $request
        $exe = [Environment]::ProcessPath
        $command = if ((Split-Path -Leaf $exe) -eq 'dotnet') { @($exe, (Join-Path $PSHOME 'pwsh.dll')) } else { @($exe) }
        $command += @('-NoProfile', '-NonInteractive', '-File', $launcher, '-Request', $request)
        $started = & /usr/bin/bash -c 'log=$1; shift; setsid "$@" </dev/null >>"$log" 2>&1 & echo $!' frostguard-fleet $log @command
        # setsid execs in place (bash's background child leads no group), so this is the runner's own PID;
        # written now, before the runner starts, so the first look finds it alive.
        Set-Content -LiteralPath $pidFile -Value ([int]$started) -NoNewline
        [pscustomobject]@{ Pid = [int]$started; Log = $log; Runbook = $runbook }
        """;

    /// <summary>
    /// Where a host's part of a fleet run stands: its run as FrostGuard reads it from the journal
    /// (packed), whether the launcher still lives, and, once it ended, the journal's text and the
    /// launcher log's tail.
    /// </summary>
    public static string RunState => """
        param([string] $Identity, [string] $RunId, [string] $ConfigPath)
        $ErrorActionPreference = 'Stop'
        """ + "\n" + ModuleRoot + "\n" + FleetFolder + "\n" + """
        Import-Module -Name (Join-Path $root "$Identity/FrostGuard.psd1")
        $pidFile = Join-Path $fleet "$RunId.pid"
        $alive = $false
        if (Test-Path -LiteralPath $pidFile) {
            $launcherPid = [int](Get-Content -Raw -LiteralPath $pidFile)
            $process = Get-Process -Id $launcherPid -ErrorAction SilentlyContinue
            $alive = $null -ne $process -and -not $process.HasExited
        }
        $arguments = @{ Id = $RunId; ErrorAction = 'SilentlyContinue' }
        if ($ConfigPath) { $arguments.ConfigPath = $ConfigPath }
        $run = Get-FrostRunbookRun @arguments
        $log = Join-Path $fleet "$RunId.log"
        [pscustomobject]@{
            FrostGuardRunState = $true
            Alive = $alive
            Started = Test-Path -LiteralPath (Join-Path $fleet "$RunId.json")
            Run = if ($run) { [FrostGuard.FleetTransport]::Pack($run) } else { $null }
            Journal = if ($run -and ($run.Status -ne 'Incomplete' -or -not $alive)) { [IO.File]::ReadAllText($run.JournalPath) } else { $null }
            LogTail = if (-not $alive -and (Test-Path -LiteralPath $log)) { (Get-Content -LiteralPath $log -Tail 5) -join "`n" } else { $null }
        }
        """;
}
