using System.Collections;
using System.Management.Automation;
using System.Security;
using FrostGuard.Completion;
using FrostGuard.Engine;
using FrostGuard.Engine.Fleet;
using FrostGuard.Engine.Runbooks.Execution;
using FrostGuard.Engine.Runbooks.Parsing;
using FrostGuard.Hosting;
using FrostGuard.Runbooks;

namespace FrostGuard;

/// <summary>
/// Runs a Markdown runbook: PowerShell steps in one runspace, bash steps as bash -euo pipefail
/// children, with timeouts, retries, rollback, finally steps, a journal and -Resume. -WhatIf is
/// a real dry run: read-only steps run, provably safe PowerShell steps run under -WhatIf, the
/// rest are described. One result per step, written as each step ends.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "FrostRunbook", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(FrostStepResult), typeof(FrostFleetHostRun))]
public sealed class InvokeFrostRunbookCommand : Fleet.FleetTargetCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ArgumentCompleter(typeof(RunbookPathCompleter))]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Run only these sections (ids), subsections included.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(RunbookPartCompleter))]
    public string[] Section { get; set; } = [];

    /// <summary>Run only these steps (ids).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(RunbookPartCompleter))]
    public string[] Step { get; set; } = [];

    /// <summary>Values for the runbook's parameters; secret ones as SecureString.</summary>
    [Parameter]
    public Hashtable? Parameter { get; set; }

    /// <summary>Continue the latest unfinished run of this runbook: every step whose effect is not in place runs, with that run's parameters.</summary>
    [Parameter]
    public SwitchParameter Resume { get; set; }

    /// <summary>Run confirm/destructive steps without asking; resume a runbook that changed, or with other parameters.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Wait for a step that an earlier, dead runner left running, instead of ending it.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>With -Target: the wave sizes, as numbers of hosts and percentages of the targeted hosts (1, 25%, 100%).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Wave { get; set; }

    /// <summary>With -Target: the share of a wave's hosts that may fail before the run stops after it (exceeded, not equalled). Default 0%.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? MaxFailure { get; set; }

    /// <summary>With -Target: how long to wait after each wave before its health gate.</summary>
    [Parameter]
    [ValidateRange(0, 86400)]
    public int SoakSeconds { get; set; }

    /// <summary>With -Target: the health checks the hosts of a wave must pass (no Critical result) before the next wave; default all.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(HealthCheckCompleter))]
    [ValidateHealthCheck]
    public string[]? GateCheck { get; set; }

    /// <summary>With -Target: when the run stops, undo the hosts that completed, newest wave first.</summary>
    [Parameter]
    public SwitchParameter RollbackCompleted { get; set; }

    /// <summary>The id of this run's journal; default a new one from the time. A fleet controller names its hosts' runs so.</summary>
    [Parameter]
    [ValidatePattern(@"^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$")]
    public string? RunId { get; set; }

    protected override void ProcessRecord()
    {
        if (OnFleet)
        {
            if (Section.Length > 0 || Step.Length > 0 || Wait || RunId is not null)
            {
                ThrowFrostError(new FrostException(ErrorIds.FleetParameterUnsupported, FailureKind.InvalidData,
                    "-Section, -Step, -Wait and -RunId do not go to fleet hosts: a fleet run runs the whole runbook on each host; nothing ran.", "-Target",
                    "Run the whole runbook with -Target, or run a part of it on one host there."));
            }

            RunOnFleet();
            return;
        }

        if (Wave is not null || MaxFailure is not null || SoakSeconds > 0 || RollbackCompleted || GateCheck is not null)
        {
            ThrowFrostError(new FrostException(ErrorIds.FleetParameterUnsupported, FailureKind.InvalidData,
                "-Wave, -MaxFailure, -SoakSeconds, -GateCheck and -RollbackCompleted shape a fleet run and need -Target; nothing ran.", "-Target",
                "Add -Target <hosts or roles>, or leave them out to run on this machine."));
        }

        var path = ExistingRunbookPath();

        var whatIf = MyInvocation.BoundParameters.TryGetValue("WhatIf", out var w) ? ((SwitchParameter)w).IsPresent
            : GetVariableValue("WhatIfPreference") is true or SwitchParameter { IsPresent: true };
        if (!whatIf && !ShouldProcess(path, "Run runbook"))
        {
            return;
        }

        var runbook = RunbookParser.ParseFile(path);
        var stateFolder = StateFolderWithoutDeployment();
        var resume = new ResumePolicy(stateFolder, DeploymentConfigPath, Force);
        var previous = Resume ? Terminating(() => resume.RunToResume(runbook)) : null;
        var parameters = Terminating(() => RunbookParameterBinder.Bind(runbook,
            previous is null ? Parameter : resume.Parameters(runbook, previous, GivenParameters(), Prompt), Prompt));
        var masker = RunbookParameterBinder.MaskerFor(parameters);
        var powerShell = PowerShellStepHost.Open(RunbookLint.ModulePath(this),
            parameters.ToDictionary(p => p.Key, p => p.Value.PowerShellValue!), masker);
        try
        {
            Terminating(() => PreRunLint.EnsureRunnableAsync(runbook, RunbookLint.For(powerShell), Cancellation).GetAwaiter().GetResult());
            var options = new RunOptions
            {
                RunId = RunId ?? RunJournal.NewRunId(DateTimeOffset.UtcNow),
                WhatIf = whatIf,
                Sections = Section,
                Steps = Step,
                Parameters = parameters.ToDictionary(p => p.Key, p => new RunParameterValue(p.Value.PlainValue, p.Value.Secret)),
                Deployment = DeploymentConfigPath,
            };
            if (whatIf)
            {
                Run(runbook, ResumePolicy.Continuing(options, previous), stateFolder, powerShell, parameters, masker);
                return;
            }

            // One run of a runbook against a deployment at a time, and no step of a dead run still running under it.
            using var runLock = Terminating(() => RunLock.Acquire(stateFolder, runbook.Path, DeploymentConfigPath, options.RunId));
            EndOrphans(runbook, stateFolder);
            var continued = previous is null ? null : Terminating(() => resume.StillTheRunToResume(runbook, previous));
            Run(runbook, ResumePolicy.Continuing(options, continued), stateFolder, powerShell, parameters, masker);
        }
        finally
        {
            powerShell.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private void Run(FrostRunbook runbook, RunOptions options, string stateFolder, PowerShellStepHost powerShell,
        Dictionary<string, BoundParameter> parameters, SecretMasker masker)
    {
        using var journal = RunJournal.Create(stateFolder, options.RunId);
        WriteVerbose($"Run {options.RunId} of {runbook.Path}; journal {journal.Path}");
        var bash = new BashStepHost(parameters.ToDictionary(p => p.Key, p => p.Value.PlainValue));
        // Ctrl+C stops the run, but a rollback that began runs to its end; a second Ctrl+C stops that too.
        using var abortRollback = new CancellationTokenSource();
        var presses = 0;
        ConsoleCancelEventHandler? secondPress = CanAsk() ? (_, _) =>
        {
            if (Interlocked.Increment(ref presses) >= 2)
            {
                abortRollback.Cancel();
                return;
            }

            // The pipeline is stopping and takes no more output: the console is told directly.
            Console.Error.WriteLine($"Stopping run {options.RunId}: a rollback or finally step that has begun runs to its end. Press Ctrl+C again to stop rollbacks too.");
        } : null;
        if (secondPress is not null)
        {
            Console.CancelKeyPress += secondPress;
        }

        RunOutcome outcome;
        try
        {
            outcome = RunQueued((queue, ct) =>
            {
                var interaction = new CmdletRunInteraction(queue, powerShell, Force, CanAsk(), $"Runbook {runbook.Title}");
                return new RunbookRunner(runbook, options, [powerShell, bash], interaction, journal, masker).RunAsync(ct, abortRollback.Token);
            });
        }
        finally
        {
            if (secondPress is not null)
            {
                Console.CancelKeyPress -= secondPress;
            }
        }

        switch (outcome.Status)
        {
            case RunStatus.Failed:
                var failed = outcome.FailedStep;
                var message = $"Runbook {runbook.Path} failed at step '{failed?.StepId}' (line {runbook.FindStep(failed?.StepId ?? "")?.Line}): {failed?.Error}."
                    + (outcome.RolledBack.Count > 0 ? $" Rolled back: {string.Join(", ", outcome.RolledBack)}." : " Nothing was rolled back.")
                    + $" Run {outcome.RunId}, journal {outcome.JournalPath}.";
                WriteError(FrostErrors.Create(new InvalidOperationException(message), ErrorIds.RunbookFailed, ErrorCategory.InvalidResult, runbook.Path,
                    $"Read the step's output with Get-FrostRunbookRun -Id {outcome.RunId}; fix the cause, then Invoke-FrostRunbook '{runbook.Path}' -Resume."));
                break;
            case RunStatus.Cancelled:
                WriteWarning($"Run {outcome.RunId} of {runbook.Path} was stopped before it finished. Continue it with: Invoke-FrostRunbook '{runbook.Path}' -Resume");
                break;
        }
    }

    /// <summary>The runbook's full path; a terminating RunbookNotFound when there is no file.</summary>
    private string ExistingRunbookPath()
    {
        var path = GetUnresolvedProviderPathFromPSPath(Path);
        if (!File.Exists(path))
        {
            ThrowFrostError(new FrostException(ErrorIds.RunbookNotFound, FailureKind.NotFound, $"No runbook file at {path}.", path,
                "Check the path; Get-FrostRunbook <folder> lists runbooks."));
        }

        return path;
    }

    /// <summary>
    /// The runbook on fleet hosts in waves (docs/fleet.md): checked here first (parameters bound,
    /// nothing that would ask a person without -Force, no secrets), then each host's run started
    /// detached on the host and followed; one result per host as each finishes.
    /// </summary>
    private void RunOnFleet()
    {
        var path = ExistingRunbookPath();

        // One read: the text the hosts get is the text whose hash names the run.
        var (runbook, runbookText) = RunbookParser.ParseFileWithText(path);
        var inventory = LoadInventory();
        var targeted = Terminating(() => inventory.Select(Target));
        var stateFolder = StateFolderWithoutDeployment();
        if (runbook.Findings.Any(f => f.Severity == FindingSeverity.Error))
        {
            ThrowFrostError(new FrostException(ErrorIds.RunbookInvalid, FailureKind.InvalidData, $"Runbook {path} has errors; it runs on no host.", path, $"Test-FrostRunbook '{path}' lists them."));
        }

        if (!Force && runbook.Steps.FirstOrDefault(s => s.NeedsConfirmation) is { } asks)
        {
            ThrowFrostError(new FrostException(ErrorIds.FleetRunRefused, FailureKind.InvalidData,
                $"Step '{asks.Id}' (line {asks.Line}) of {path} asks a person to confirm, and a fleet run has no one to ask on its hosts; nothing ran.", asks.Id,
                "Pass -Force to run such steps unasked on every host, or run the runbook host by host."));
        }

        FrostFleetRun? previous = null;
        if (Resume)
        {
            previous = FleetLedger.ReadAll(stateFolder).FirstOrDefault(r => r.ContentHash == runbook.ContentHash && r.Runbook == path && r.Inventory == inventory.Path
                && r.Status is FleetRunStatus.Incomplete or FleetRunStatus.Stopped or FleetRunStatus.Failed or FleetRunStatus.Cancelled
                && !(r.RollbackCompleted && r.Hosts.Any(h => h.Status is FleetHostStatus.RolledBack or FleetHostStatus.RollbackFailed)));
            if (previous is null)
            {
                ThrowFrostError(new FrostException(ErrorIds.FleetRunNotFound, FailureKind.NotFound,
                    $"There is no unfinished fleet run of {path} (as it is now) on the fleet of {inventory.Path} to resume.", path,
                    $"Get-FrostRunbookRun -Fleet lists the fleet runs; run it afresh without -Resume."));
            }
        }

        var given = previous is null ? Parameter : new Hashtable(previous.Parameters.ToDictionary(p => (object)p.Key, p => (object?)p.Value));
        var bound = Terminating(() => RunbookParameterBinder.Bind(runbook, given, _ => null));
        if (bound.FirstOrDefault(p => p.Value.Secret && p.Value.PlainValue.Length > 0) is { Key: { } secret })
        {
            ThrowFrostError(new FrostException(ErrorIds.FleetParameterUnsupported, FailureKind.InvalidData,
                $"Parameter '{secret}' of {path} is secret, and a fleet run does not send secrets to hosts; nothing ran.", secret,
                "Keep the secret on the hosts (their .env or secret store) and let the runbook read it there."));
        }

        var plain = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in bound)
        {
            plain[name] = value.PlainValue;
        }

        var threshold = Terminating(() => FailureThreshold.Parse(previous?.MaxFailure ?? MaxFailure));
        var waves = Terminating(() => WavePlan.Split(targeted, previous?.WaveSizes ?? Wave));
        var hostsByName = inventory.Hosts.ToDictionary(h => h.Name, StringComparer.OrdinalIgnoreCase);
        if (previous is not null && previous.Hosts.FirstOrDefault(h => !hostsByName.ContainsKey(h.Host)) is { } gone)
        {
            ThrowFrostError(new FrostException(ErrorIds.FleetRunRefused, FailureKind.InvalidData,
                $"Fleet run {previous.FleetRunId} ran on host '{gone.Host}', which the inventory {inventory.Path} no longer has.", gone.Host,
                "Put the host back in the inventory to resume, or run the runbook afresh."));
        }

        var plan = previous is null
            ? string.Join("; ", waves.Select((w, i) => $"wave {i + 1}: {string.Join(", ", w.Select(h => h.Name))}"))
            : $"resume fleet run {previous.FleetRunId}: " + string.Join(", ", previous.Hosts.Where(h => h.Status != FleetHostStatus.Succeeded).Select(h => $"{h.Host} ({h.Status})"));
        if (!ShouldProcess($"{path} on {targeted.Count} host(s)", $"Run the runbook ({plan}; stop after a wave whose failures exceed {threshold})"))
        {
            return;
        }

        var newId = FleetLedger.NewFleetRunId(DateTimeOffset.UtcNow);
        // One controller drives a fleet run at a time: a second (a -Resume while the first lives) is refused before it touches the ledger.
        var lockPath = System.IO.Path.Combine(Engine.Platform.Os.PrivateFiles.CreateFolder(FleetLedger.FolderOf(stateFolder)), (previous?.FleetRunId ?? newId) + ".lock");
        using var runLock = Engine.Platform.Os.LockFile.TryAcquire(lockPath, $"pid {Environment.ProcessId}");
        if (runLock is null)
        {
            ThrowFrostError(new FrostException(ErrorIds.FleetRunRefused, FailureKind.OperationFailed,
                $"Fleet run {previous?.FleetRunId} is driven by another controller right now ({Engine.Platform.Os.LockFile.ReadHolder(lockPath)}); two controllers would start the same hosts twice.",
                previous?.FleetRunId, $"Wait for it (Get-FrostRunbookRun -Id {previous?.FleetRunId}), or stop that controller, then -Resume."));
        }

        var ledger = previous is null
            ? FleetLedger.Create(stateFolder, new FrostFleetRun
            {
                FleetRunId = newId,
                Runbook = path,
                ContentHash = runbook.ContentHash,
                Targets = Target!,
                WaveSizes = Wave ?? ["100%"],
                MaxFailure = threshold.ToString(),
                SoakSeconds = SoakSeconds,
                GateChecks = GateCheck ?? [],
                RollbackCompleted = RollbackCompleted,
                Force = Force,
                Parameters = bound.ToDictionary(p => p.Key, p => p.Value.PlainValue),
                Status = FleetRunStatus.Incomplete,
                Started = DateTimeOffset.UtcNow,
                ControllerPid = Environment.ProcessId,
                Inventory = inventory.Path,
                Hosts = waves.SelectMany((w, i) => w.Select(h => new FrostFleetHostRun { Host = h.Name, Wave = i + 1, Status = FleetHostStatus.Pending, FleetRunId = newId })).ToList(),
            })
            : FleetLedger.Continue(stateFolder, previous);
        if (previous is not null)
        {
            ledger.Reopen(Environment.ProcessId);
        }

        WriteVerbose($"Fleet run {ledger.Run.FleetRunId}; ledger {ledger.Run.LedgerPath}");
        var fleetRunId = ledger.Run.FleetRunId;
        using var connection = Connect(inventory);
        var identity = Controller.Identity;
        var outcome = RunQueued((reporter, ct) => new Fleet.FleetRunner(connection, identity, runbookText, ledger, hostsByName, plain, threshold, TargetThrottleLimit, reporter,
            line => reporter.Post(_ => WriteObject(FleetLedger.With(line)))).RunAsync(ct));
        if (outcome.Status != FleetRunStatus.Succeeded)
        {
            WriteError(FrostErrors.Create(new InvalidOperationException($"Fleet run {fleetRunId} of {path}: {outcome.Status}. {outcome.Message}"),
                ErrorIds.FleetRunStopped, ErrorCategory.InvalidResult, fleetRunId,
                outcome.Status == FleetRunStatus.RolledBack
                    ? $"Get-FrostRunbookRun -Id {fleetRunId} shows every host; the completed hosts were undone, so fix the cause and run it afresh (without -Resume)."
                    : $"Get-FrostRunbookRun -Id {fleetRunId} shows every host; fix the cause, then Invoke-FrostRunbook '{path}' -Target {string.Join(",", Target!)} -Resume."));
        }
    }

    /// <summary>Engine work whose failure ends the command: a FrostException becomes a terminating error record.</summary>
    private T Terminating<T>(Func<T> work)
    {
        try
        {
            return work();
        }
        catch (FrostException e)
        {
            ThrowFrostError(e);
            throw; // not reached: ThrowFrostError always throws
        }
    }

    private void Terminating(Action work) => Terminating(() =>
    {
        work();
        return true;
    });

    /// <summary>The -Parameter values as given, unwrapped from PowerShell's objects.</summary>
    private Dictionary<string, object?> GivenParameters() =>
        (Parameter ?? []).Cast<DictionaryEntry>().ToDictionary(e => e.Key.ToString()!, e => e.Value is PSObject wrapped ? wrapped.BaseObject : e.Value, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Steps an earlier runner left running when it died: ended before this run starts, or waited
    /// for with -Wait; a rollback or finally step is always waited for, as it would have run to its
    /// end under its runner.
    /// </summary>
    private void EndOrphans(FrostRunbook runbook, string stateFolder)
    {
        foreach (var orphan in OrphanedSteps.Find(stateFolder, RunLock.KeyFor(runbook.Path, DeploymentConfigPath)))
        {
            var what = $"{(orphan.Phase == StepPhase.Main ? "Step" : $"The {orphan.Phase.ToString().ToLowerInvariant()} step")} '{orphan.StepId}' of run {orphan.RunId} (session {orphan.Session.Session}) was still running after its runner ended";
            if (Wait || orphan.Phase != StepPhase.Main)
            {
                WriteWarning($"{what}; waiting for it to end before this run starts (Ctrl+C stops waiting, and this run).");
                Await((_, ct) => orphan.Session.EndedAsync(Timeout.InfiniteTimeSpan, ct));
                WriteWarning($"Step '{orphan.StepId}' of run {orphan.RunId} ended.");
                continue;
            }

            if (Await((_, ct) => OrphanedSteps.EndAsync(orphan, ct)))
            {
                WriteWarning($"{what}; it was ended (SIGTERM to its session) before this run starts, so it never runs twice at once.");
                continue;
            }

            ThrowFrostError(new FrostException(ErrorIds.RunbookRunInProgress, FailureKind.OperationFailed,
                $"{what}, and did not end on SIGTERM or SIGKILL; this run did not start.", orphan.StepId,
                $"Look at it (ps -s {orphan.Session.Session}), end it, then run the runbook again."));
        }
    }

    /// <summary>Asks for a required parameter when someone is there to answer.</summary>
    private object? Prompt(RunbookParameter parameter)
    {
        if (!CanAsk())
        {
            return null;
        }

        try
        {
            Host.UI.Write($"{parameter.Name}{(parameter.Description is { } d ? $" ({d})" : "")}: ");
            if (parameter.Secret)
            {
                var secret = Host.UI.ReadLineAsSecureString();
                return secret is { Length: > 0 } ? secret : (SecureString?)null;
            }

            var value = Host.UI.ReadLine();
            return string.IsNullOrEmpty(value) ? null : value;
        }
        catch (Exception e) when (e is PSInvalidOperationException or System.Management.Automation.Host.HostException or NotImplementedException)
        {
            return null;
        }
    }

    /// <summary>Someone can answer a prompt: an interactive console host with a real keyboard.</summary>
    private bool CanAsk() =>
        Host.UI is not null
        && Host.Name == "ConsoleHost"
        && !Console.IsInputRedirected
        && !Environment.GetCommandLineArgs().Any(a => a.StartsWith("-noni", StringComparison.OrdinalIgnoreCase));
}
