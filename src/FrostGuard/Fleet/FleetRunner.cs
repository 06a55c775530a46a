using System.Collections;
using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Fleet;
using FrostGuard.Engine.Platform.Reporting;
using FrostGuard.Engine.Runbooks.Execution;
using FrostGuard.Hosting;
using FrostGuard.Runbooks;

namespace FrostGuard.Fleet;

/// <summary>
/// Runs a runbook on fleet hosts in waves. Each host's run is started detached on the host
/// (it finishes even if this controller dies) and followed through its journal; the ledger is
/// written before each start and after each change. After a wave: the soak time, then every host
/// of the wave that succeeded must pass Test-FrostHealth (no Critical result); when the wave's
/// failures exceed -MaxFailure the waves after it do not start, and with -RollbackCompleted the
/// completed hosts are undone, newest wave first. A resume follows hosts still running and
/// starts only the hosts that failed (resuming their own runs) or were never reached.
/// </summary>
internal sealed class FleetRunner(
    FleetConnection connection,
    string identity,
    string runbookText,
    FleetLedger ledger,
    IReadOnlyDictionary<string, FleetHost> hosts,
    Hashtable parameters,
    FailureThreshold threshold,
    int throttle,
    QueuedReporter reporter,
    Action<FrostFleetHostRun> emit)
{
    /// <summary>How often a running host's journal is read.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    private const int ActivityId = 60;

    /// <summary>The hosts this controller ran or followed in this command (the rest were final before).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> ranNow = new(StringComparer.OrdinalIgnoreCase);

    public async Task<FrostFleetRun> RunAsync(CancellationToken cancellationToken)
    {
        var run = ledger.Run;
        var waves = run.Hosts.GroupBy(h => h.Wave).OrderBy(g => g.Key).Select(g => g.Select(h => h.Host).ToList()).ToList();
        try
        {
            for (var index = 0; index < waves.Count; index++)
            {
                var wave = waves[index];
                var activity = $"Wave {index + 1} of {waves.Count}: {string.Join(", ", wave)}";
                var done = 0;
                reporter.Progress(new ProgressUpdate(ActivityId, activity, $"0 of {wave.Count} hosts done", 0));
                using var gate = new SemaphoreSlim(throttle);
                await Task.WhenAll(wave.Select(async name =>
                {
                    await gate.WaitAsync(cancellationToken);
                    try
                    {
                        await HostAsync(name, cancellationToken);
                    }
                    finally
                    {
                        gate.Release();
                        var finished = Interlocked.Increment(ref done);
                        reporter.Progress(new ProgressUpdate(ActivityId, activity, $"{finished} of {wave.Count} hosts done", finished * 100 / wave.Count));
                    }
                }));

                if (!wave.Any(ranNow.ContainsKey))
                {
                    // A resume: this wave was final before (every host done); it is not soaked or gated again.
                    reporter.Progress(new ProgressUpdate(ActivityId, activity, "done before", 100, Completed: true));
                    continue;
                }

                if (run.SoakSeconds > 0)
                {
                    reporter.Progress(new ProgressUpdate(ActivityId, activity, $"soaking {run.SoakSeconds} s before the health gate", 100));
                    // The soak is the operator's chosen wait before judging the wave, not a wait for a condition.
                    await Task.Delay(TimeSpan.FromSeconds(run.SoakSeconds), cancellationToken);
                }

                reporter.Progress(new ProgressUpdate(ActivityId, activity, $"health gate: Test-FrostHealth{(run.GateChecks.Count > 0 ? " -Check " + string.Join(",", run.GateChecks) : "")} on each host", 100));
                await Task.WhenAll(wave.Select(name => HealthGateAsync(name, cancellationToken)));
                reporter.Progress(new ProgressUpdate(ActivityId, activity, "done", 100, Completed: true));

                var lines = ledger.Run.Hosts.Where(h => wave.Contains(h.Host)).ToList();
                var failed = lines.Count(h => h.Status is FleetHostStatus.Failed or FleetHostStatus.Unhealthy);
                var unreachable = lines.Count(h => h.Status == FleetHostStatus.Unreachable);
                if (threshold.IsExceeded(failed, unreachable, wave.Count))
                {
                    var message = $"Wave {index + 1} of {waves.Count} ({string.Join(", ", wave)}): {failed} failed and {unreachable} unreachable of {wave.Count}, more than -MaxFailure {threshold} allows; "
                                  + (index + 2 == waves.Count ? $"wave {waves.Count} did not start." : index + 1 < waves.Count ? $"waves {index + 2}-{waves.Count} did not start." : "it was the last wave.");
                    if (run.RollbackCompleted)
                    {
                        // Recorded before any undo: a controller that dies while rolling back leaves a run that is not resumed forward.
                        ledger.Finish(FleetRunStatus.Stopped, message + " Rolling back the completed hosts.", null);
                        var undone = await RollBackCompletedAsync(cancellationToken);
                        var failedUndo = ledger.Run.Hosts.Where(h => h.Status == FleetHostStatus.RollbackFailed).Select(h => h.Host).ToList();
                        ledger.Finish(failedUndo.Count == 0 ? FleetRunStatus.RolledBack : FleetRunStatus.Stopped,
                            message + $" Rolled back: {undone}." + (failedUndo.Count == 0 ? "" : $" The undo FAILED on {string.Join(", ", failedUndo)}: their state is not known; read their journals."),
                            DateTimeOffset.UtcNow);
                    }
                    else
                    {
                        ledger.Finish(FleetRunStatus.Stopped, message, DateTimeOffset.UtcNow);
                    }

                    return ledger.Run;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            ledger.Finish(FleetRunStatus.Incomplete, "The controller was stopped (Ctrl+C); the hosts' runs that had started go on. -Resume follows them and starts the rest.", null);
            throw;
        }

        var all = ledger.Run.Hosts;
        ledger.Finish(all.All(h => h.Status == FleetHostStatus.Succeeded) ? FleetRunStatus.Succeeded : FleetRunStatus.Failed,
            all.All(h => h.Status == FleetHostStatus.Succeeded) ? null
                : $"Every wave ran; {all.Count(h => h.Status != FleetHostStatus.Succeeded)} host(s) did not succeed, within -MaxFailure {threshold}. -Resume runs them again.",
            DateTimeOffset.UtcNow);
        return ledger.Run;
    }

    private FrostFleetHostRun Line(string host) => ledger.Run.Hosts.Single(h => h.Host == host);

    private async Task HostAsync(string name, CancellationToken cancellationToken)
    {
        var line = Line(name);
        if (line.Status is FleetHostStatus.Succeeded or FleetHostStatus.RolledBack or FleetHostStatus.RollbackFailed)
        {
            return; // a resume keeps what is done
        }

        ranNow[name] = true;
        if (line.Status == FleetHostStatus.Unhealthy)
        {
            // Its run succeeded; only the health gate failed. A resume checks its health again, it does not run it again.
            ledger.Update(name, h => FleetLedger.With(h, FleetHostStatus.Succeeded, message: "its run had succeeded; the health gate checks it again"));
            return;
        }

        var host = hosts[name];
        if (line is { Status: FleetHostStatus.Running or FleetHostStatus.Unreachable, RunId: { } started })
        {
            // A resume: the host may still be running (or have finished) what a dead controller
            // started, or what went on while the host could not be reached.
            var followed = await FollowAsync(host, started, cancellationToken);
            if (followed?.Status is FleetHostStatus.Succeeded or FleetHostStatus.Unreachable)
            {
                return;
            }

            line = Line(name);
        }

        var resumeOnHost = line.Status is FleetHostStatus.Failed or FleetHostStatus.Unhealthy && line.RunId is not null;
        var runId = RunJournal.NewRunId(DateTimeOffset.UtcNow);
        ledger.Update(name, h => FleetLedger.With(h, FleetHostStatus.Running, runId, DateTimeOffset.UtcNow, message: "", clearEnded: true));
        HostSession session;
        try
        {
            session = await connection.SessionAsync(host, cancellationToken);
        }
        catch (FrostException e)
        {
            End(name, FleetHostStatus.Unreachable, $"{e.Message} {e.RecommendedAction}");
            return;
        }

        try
        {
            PSObject? answer = null;
            var arguments = new Hashtable
            {
                ["Identity"] = identity, ["RunbookText"] = runbookText, ["ContentHash"] = ledger.Run.ContentHash, ["RunId"] = runId,
                ["Parameters"] = parameters, ["Force"] = ledger.Run.Force, ["Resume"] = resumeOnHost, ["ConfigPath"] = host.ConfigPath ?? "",
                ["LauncherText"] = RemoteScripts.Launcher,
            };
            var errors = await session.InvokeAsync(RemoteScripts.StartRun, arguments, o => answer = o, cancellationToken);
            if (answer?.Properties[RemoteScripts.ProbeMarker] is not null)
            {
                var other = RemoteCommand.OtherBuild(name, identity, answer);
                End(name, FleetHostStatus.Failed, $"{other.Message} {other.RecommendedAction}");
                return;
            }

            if (answer?.Properties["Pid"] is null)
            {
                End(name, FleetHostStatus.Failed, $"The run could not be started on {name}: {errors.FirstOrDefault()?.Exception.Message ?? "no answer"}");
                return;
            }
        }
        catch (RuntimeException e) when (e is not PipelineStoppedException)
        {
            End(name, FleetHostStatus.Failed, $"The run could not be started on {name}: {e.Message}");
            return;
        }

        if (await FollowAsync(host, runId, cancellationToken) is null)
        {
            End(name, FleetHostStatus.Failed, $"The run {runId} did not start on {name} (no request file)");
        }
    }

    /// <summary>
    /// Follows a host's run through its journal until it ends, then keeps a copy of the journal and
    /// records the outcome. Null when the run was never started there (a controller that died
    /// between writing the ledger and starting it).
    /// </summary>
    private async Task<FrostFleetHostRun?> FollowAsync(FleetHost host, string runId, CancellationToken cancellationToken)
    {
        while (true)
        {
            PSObject? state = null;
            try
            {
                var session = await connection.SessionAsync(host, cancellationToken);
                await session.InvokeAsync(RemoteScripts.RunState, new Hashtable { ["Identity"] = identity, ["RunId"] = runId, ["ConfigPath"] = host.ConfigPath ?? "" },
                    o => state = o, cancellationToken);
            }
            catch (FrostException e)
            {
                return End(host.Name, FleetHostStatus.Unreachable, $"Lost contact with {host.Name} while its run {runId} went on: {e.Message} Its run may still finish; -Resume follows it.");
            }
            catch (RuntimeException e) when (e is not PipelineStoppedException)
            {
                return End(host.Name, FleetHostStatus.Unreachable, $"Lost contact with {host.Name} while its run {runId} went on: {e.Message} Its run may still finish; -Resume follows it.");
            }

            if (state is null)
            {
                return End(host.Name, FleetHostStatus.Failed, $"{host.Name} did not say how its run {runId} stands.");
            }

            var alive = state.Properties["Alive"]?.Value is true;
            var run = state.Properties["Run"]?.Value is string packed ? FleetTransport.Unpack(packed, host.Name) as FrostRunbookRun : null;
            var journal = state.Properties["Journal"]?.Value as string;
            if (run is null && !alive)
            {
                if (state.Properties["Started"]?.Value is not true)
                {
                    return null;
                }

                return End(host.Name, FleetHostStatus.Failed, $"The run {runId} on {host.Name} ended before its journal began: {state.Properties["LogTail"]?.Value}");
            }

            if (run is not null && journal is not null)
            {
                var copy = ledger.KeepJournal(host.Name, journal);
                var succeeded = run.Status == RunStatus.Succeeded;
                var failedStep = run.Steps.FirstOrDefault(s => s.Status is StepStatus.Failed or StepStatus.TimedOut);
                var message = succeeded ? null
                    : run.Status == RunStatus.Incomplete ? $"The runner on {host.Name} ended without finishing run {runId}: {state.Properties["LogTail"]?.Value}"
                    : $"Run {runId} {run.Status.ToString().ToLowerInvariant()}{(failedStep is null ? "" : $" at step '{failedStep.StepId}': {failedStep.Error}")}";
                var line = ledger.Update(host.Name, h => FleetLedger.With(h, succeeded ? FleetHostStatus.Succeeded : FleetHostStatus.Failed,
                    ended: run.Ended ?? DateTimeOffset.UtcNow, message: message ?? "", journalCopy: copy, steps: run.Steps));
                emit(line);
                return line;
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    /// <summary>A host of the wave whose run succeeded must pass Test-FrostHealth: no Critical result.</summary>
    private async Task HealthGateAsync(string name, CancellationToken cancellationToken)
    {
        if (Line(name).Status != FleetHostStatus.Succeeded)
        {
            return;
        }

        var host = hosts[name];
        var critical = new List<string>();
        try
        {
            var session = await connection.SessionAsync(host, cancellationToken);
            var check = new Hashtable();
            if (ledger.Run.GateChecks.Count > 0)
            {
                check["Check"] = ledger.Run.GateChecks.ToArray();
            }

            await RemoteCommand.RunAsync(session, identity, "Test-FrostHealth", check, o =>
            {
                if (o is FrostHealthResult { Status: HealthStatus.Critical } result)
                {
                    lock (critical)
                    {
                        critical.Add($"{result.Check} {result.Target}: {result.Message}");
                    }
                }
            }, record =>
            {
                lock (critical)
                {
                    critical.Add(record.Exception.Message);
                }
            }, cancellationToken);
        }
        catch (FrostException e)
        {
            critical.Add(e.Message);
        }

        if (critical.Count > 0)
        {
            var line = ledger.Update(name, h => FleetLedger.With(h, FleetHostStatus.Unhealthy, message: "Failed the health gate after its wave: " + string.Join("; ", critical)));
            emit(line);
        }
    }

    /// <summary>Undoes the completed hosts' runs on the hosts, newest wave first; returns what was undone.</summary>
    private async Task<string> RollBackCompletedAsync(CancellationToken cancellationToken)
    {
        var undone = new List<string>();
        foreach (var wave in ledger.Run.Hosts.Where(h => h.Status is FleetHostStatus.Succeeded or FleetHostStatus.Unhealthy && h.RunId is not null)
                     .GroupBy(h => h.Wave).OrderByDescending(g => g.Key))
        {
            reporter.Progress(new ProgressUpdate(ActivityId + 1, "Rolling back the completed hosts", $"wave {wave.Key}: {string.Join(", ", wave.Select(h => h.Host))}"));
            await Task.WhenAll(wave.Select(async line =>
            {
                var host = hosts[line.Host];
                var results = new List<FrostStepResult>();
                var problems = new List<string>();
                try
                {
                    var session = await connection.SessionAsync(host, cancellationToken);
                    var undo = new Hashtable { ["Id"] = line.RunId, ["Confirm"] = false };
                    await RemoteCommand.RunAsync(session, identity, "Undo-FrostRunbookRun", undo, o =>
                    {
                        if (o is FrostStepResult step)
                        {
                            lock (results)
                            {
                                results.Add(step);
                            }
                        }
                    }, record =>
                    {
                        lock (problems)
                        {
                            problems.Add(record.Exception.Message);
                        }
                    }, cancellationToken);
                }
                catch (FrostException e)
                {
                    problems.Add(e.Message);
                }

                var ok = problems.Count == 0 && results.All(r => r.Status is StepStatus.RolledBack or StepStatus.Skipped);
                if (results.FirstOrDefault()?.RunId is { } undoRunId)
                {
                    await KeepUndoJournalAsync(host, undoRunId, cancellationToken);
                }

                var updated = ledger.Update(line.Host, h => FleetLedger.With(h, ok ? FleetHostStatus.RolledBack : FleetHostStatus.RollbackFailed,
                    undoRunId: results.FirstOrDefault()?.RunId,
                    message: ok ? $"Undone by run {results.FirstOrDefault()?.RunId ?? "(nothing to undo)"}" : "The undo failed: " + string.Join("; ", problems.Concat(results.Where(r => r.Status == StepStatus.Failed).Select(r => r.Error)))));
                emit(updated);
                lock (undone)
                {
                    undone.Add(line.Host + (ok ? "" : " (failed)"));
                }
            }));
        }

        reporter.Progress(new ProgressUpdate(ActivityId + 1, "Rolling back the completed hosts", "done", 100, Completed: true));
        return undone.Count == 0 ? "nothing had completed" : string.Join(", ", undone);
    }

    /// <summary>Keeps the undo run's journal beside the host's own, so the report shows what was rolled back.</summary>
    private async Task KeepUndoJournalAsync(FleetHost host, string undoRunId, CancellationToken cancellationToken)
    {
        try
        {
            PSObject? state = null;
            var session = await connection.SessionAsync(host, cancellationToken);
            await session.InvokeAsync(RemoteScripts.RunState, new Hashtable { ["Identity"] = identity, ["RunId"] = undoRunId, ["ConfigPath"] = host.ConfigPath ?? "" },
                o => state = o, cancellationToken);
            if (state?.Properties["Journal"]?.Value is string journal)
            {
                ledger.KeepJournal(host.Name + FleetLedger.UndoSuffix, journal);
            }
        }
        catch (Exception e) when (e is FrostException or RuntimeException && e is not PipelineStoppedException)
        {
            reporter.Warning($"The journal of undo run {undoRunId} on {host.Name} could not be copied: {e.Message}; it is on the host.");
        }
    }

    private FrostFleetHostRun End(string host, FleetHostStatus status, string message)
    {
        var line = ledger.Update(host, h => FleetLedger.With(h, status, ended: DateTimeOffset.UtcNow, message: message));
        emit(line);
        return line;
    }
}
