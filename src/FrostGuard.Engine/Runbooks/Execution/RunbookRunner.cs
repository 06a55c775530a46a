using System.Diagnostics;
using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Runbooks.Execution;

/// <summary>
/// Runs a runbook's steps in order through step hosts: conditions, confirmation, timeouts,
/// retries, a real dry run, rollback in reverse order after a failure, finally steps on every
/// path, and a journal line for everything. Knows nothing of PowerShell.
/// </summary>
public sealed class RunbookRunner
{
    private readonly FrostRunbook _runbook;
    private readonly RunOptions _options;
    private readonly IReadOnlyDictionary<StepLanguage, IStepHost> _hosts;
    private readonly IRunInteraction _interaction;
    private readonly RunJournal _journal;
    private readonly SecretMasker _masker;
    private readonly TimeProvider _clock;
    private readonly List<FrostStepResult> _results = [];

    public RunbookRunner(FrostRunbook runbook, RunOptions options, IEnumerable<IStepHost> hosts, IRunInteraction interaction,
        RunJournal journal, SecretMasker masker, TimeProvider? clock = null)
    {
        _runbook = runbook;
        _options = options;
        _hosts = hosts.ToDictionary(h => h.Language);
        _interaction = interaction;
        _journal = journal;
        _masker = masker;
        _clock = clock ?? TimeProvider.System;
    }

    /// <param name="cancellationToken">Ctrl+C: stops the current step and the run.</param>
    /// <param name="abortRollback">
    /// A second Ctrl+C: stops rollbacks too. A rollback that has begun runs to its end on the first
    /// (a half-undone change is worse than a finished undo); only its own timeout or this stops it.
    /// </param>
    public async Task<RunOutcome> RunAsync(CancellationToken cancellationToken, CancellationToken abortRollback = default)
    {
        WriteRunStart(undoOf: null);

        var plan = RunPlan.For(_runbook, _options);
        CarryEffectsOutsideThePlan(plan);
        var status = _options.WhatIf ? RunStatus.WhatIf : RunStatus.Succeeded;
        FrostStepResult? failedStep = null;
        IReadOnlyList<FrostStepResult> rollbacks = [];
        var succeeded = new List<RunbookStep>();
        var done = 0;
        foreach (var step in plan.Main)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                status = RunStatus.Cancelled;
                break;
            }

            _interaction.Progress(done++, plan.Count, step);
            var (result, stopRun) = await RunMainStepAsync(step, cancellationToken).ConfigureAwait(false);
            if (result.Status == StepStatus.Succeeded)
            {
                succeeded.Add(step);
            }

            if (result.Status is StepStatus.Failed or StepStatus.TimedOut && !step.ContinueOnError)
            {
                status = RunStatus.Failed;
                failedStep = result;
                rollbacks = await RollBackAsync(step, succeeded, abortRollback).ConfigureAwait(false);
                break;
            }

            if (result.Status == StepStatus.Cancelled || stopRun)
            {
                status = RunStatus.Cancelled;
                break;
            }
        }

        // Finally steps run whatever happened, Ctrl+C included; only their own timeouts bound them.
        foreach (var step in plan.Finally)
        {
            _interaction.Progress(done++, plan.Count, step);
            var result = _options.WhatIf && !step.IsReadOnly
                ? await SimulateAsync(step, StepPhase.Finally, CancellationToken.None).ConfigureAwait(false)
                : await ExecuteAsync(step, StepPhase.Finally, simulate: false, CancellationToken.None).ConfigureAwait(false);
            if (result.Status is StepStatus.Failed or StepStatus.TimedOut && status == RunStatus.Succeeded)
            {
                status = RunStatus.Failed;
                failedStep = result;
            }
        }

        _journal.Write(new JournalEntry { Type = JournalEntryType.RunEnd, Time = _clock.GetUtcNow(), RunId = _options.RunId, RunStatus = status });
        return new RunOutcome
        {
            RunId = _options.RunId, Status = status, FailedStep = failedStep, Rollbacks = rollbacks, Results = _results.ToList(), JournalPath = _journal.Path,
        };
    }

    /// <summary>
    /// Undoes a run that completed: the rollbacks of the steps whose effect it left in place,
    /// newest first, each journaled under the step it undoes, as a run of its own (its journal's
    /// run-start names the run it undoes). A step without a rollback is reported skipped: its
    /// effect stays. Every rollback runs even after one fails (as after a failed run); the undo
    /// run then fails.
    /// </summary>
    /// <param name="inPlace">The undone run's steps whose effect is in place, in the order they took effect.</param>
    public async Task<RunOutcome> UndoAsync(string undoOf, IReadOnlyList<string> inPlace, CancellationToken cancellationToken)
    {
        WriteRunStart(undoOf);
        var status = RunStatus.Succeeded;
        var rollbacks = new List<FrostStepResult>();
        var done = 0;
        foreach (var id in inPlace.Reverse())
        {
            if (_runbook.FindStep(id) is not { } step)
            {
                continue;
            }

            _interaction.Progress(done++, inPlace.Count, step);
            if (step.Rollback is null || _runbook.FindStep(step.Rollback) is not { } rollback)
            {
                rollbacks.Add(Emit(ResultOf(step, StepPhase.Rollback, StepStatus.Skipped) with { Message = "has no rollback step; its effect stays" }));
                continue;
            }

            if (cancellationToken.IsCancellationRequested)
            {
                status = RunStatus.Cancelled;
                break;
            }

            var undo = await ExecuteAsync(rollback, StepPhase.Rollback, simulate: false, cancellationToken, emit: false).ConfigureAwait(false);
            var result = Emit(UndoneBy(step, rollback, undo));
            rollbacks.Add(result);
            if (result.Status != StepStatus.RolledBack)
            {
                status = RunStatus.Failed;
            }
        }

        _journal.Write(new JournalEntry { Type = JournalEntryType.RunEnd, Time = _clock.GetUtcNow(), RunId = _options.RunId, RunStatus = status });
        return new RunOutcome
        {
            RunId = _options.RunId, Status = status, Rollbacks = rollbacks, Results = _results.ToList(), JournalPath = _journal.Path,
            FailedStep = rollbacks.FirstOrDefault(r => r.Status == StepStatus.Failed),
        };
    }

    private void WriteRunStart(string? undoOf) =>
        _journal.Write(new JournalEntry
        {
            Type = JournalEntryType.RunStart, Time = _clock.GetUtcNow(), RunId = _options.RunId, Runbook = _runbook.Path,
            ContentHash = _runbook.ContentHash, WhatIf = _options.WhatIf, ResumedFrom = _options.ResumedFrom, RunnerPid = Environment.ProcessId,
            Deployment = _options.Deployment, LockKey = RunLock.KeyFor(_runbook.Path, _options.Deployment),
            Limited = _options.Sections.Count > 0 || _options.Steps.Count > 0 ? true : null,
            // A secret is recorded as given or not, never its value: a resume asks again only for one that was given.
            Parameters = _options.Parameters.ToDictionary(p => p.Key, p => p.Value.Secret && p.Value.Value.Length > 0 ? SecretMasker.Mask : p.Value.Value),
            UndoOf = undoOf,
        });

    /// <summary>
    /// A resume limited to some steps or sections keeps the rest of what it continues: the steps
    /// in place from before that it does not run are carried in its journal, so the next resume
    /// still knows them.
    /// </summary>
    private void CarryEffectsOutsideThePlan(RunPlan plan)
    {
        var planned = plan.Main.Select(s => s.Id).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var id in _options.EffectsInPlace.Where(id => !planned.Contains(id)))
        {
            _journal.Write(new JournalEntry
            {
                Type = JournalEntryType.StepCarried, Time = _clock.GetUtcNow(), RunId = _options.RunId, StepId = id, Phase = StepPhase.Main,
                Message = $"outside this run's steps; its effect is in place from run {_options.ResumedFrom}",
            });
        }
    }

    private async Task<(FrostStepResult Result, bool StopRun)> RunMainStepAsync(RunbookStep step, CancellationToken cancellationToken)
    {
        if (_options.EffectsInPlace.Contains(step.Id, StringComparer.OrdinalIgnoreCase))
        {
            return (Emit(ResultOf(step, StepPhase.Main, StepStatus.Skipped) with { Message = $"its effect is in place from run {_options.ResumedFrom}; not run again" },
                carried: true), false);
        }

        if (step.When is { } condition)
        {
            bool holds;
            try
            {
                holds = await _interaction.EvaluateConditionAsync(step, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                var reason = $"when=\"{condition}\" could not be evaluated: {e.Message}";
                return (_options.WhatIf ? Simulated(step, StepPhase.Main, reason) : Emit(ResultOf(step, StepPhase.Main, StepStatus.Failed) with { Error = reason }), false);
            }

            if (!holds)
            {
                return (Skip(step, $"when=\"{condition}\" is false"), false);
            }
        }

        if (_options.WhatIf)
        {
            return (step.IsReadOnly
                ? await ExecuteAsync(step, StepPhase.Main, simulate: false, cancellationToken).ConfigureAwait(false)
                : await SimulateAsync(step, StepPhase.Main, cancellationToken).ConfigureAwait(false), false);
        }

        if (step.NeedsConfirmation)
        {
            switch (await _interaction.ConfirmAsync(step, cancellationToken).ConfigureAwait(false))
            {
                case ConfirmDecision.No:
                    return (Skip(step, "declined when asked to confirm; the run stops here"), true);
                case ConfirmDecision.NoOneToAsk:
                    return (Emit(ResultOf(step, StepPhase.Main, StepStatus.Failed) with
                    {
                        Error = $"Step '{step.Id}' is {(step.IsDestructive ? ".destructive" : "confirm=true")} and there is no one to ask: run interactively, or pass -Force to run it unasked.",
                    }), false);
            }
        }

        return (await ExecuteAsync(step, StepPhase.Main, simulate: false, cancellationToken).ConfigureAwait(false), false);
    }

    /// <summary>A dry run of a step that is not read-only: simulated when its host can prove it safe, else described.</summary>
    private async Task<FrostStepResult> SimulateAsync(RunbookStep step, StepPhase phase, CancellationToken cancellationToken)
    {
        if (!Host(step).CanSimulate(step, out var reason))
        {
            return Simulated(step, phase, $"would run: {CodeText.FirstLine(step.Code, 80, skipComments: true)} ({reason})");
        }

        var result = await ExecuteAsync(step, phase, simulate: true, cancellationToken, emit: false).ConfigureAwait(false);
        var message = result.Status == StepStatus.Succeeded
            ? "ran with -WhatIf in effect"
            : $"failed in the dry run, probably because an earlier step was only simulated: {result.Error}";
        return Emit(result with { Status = StepStatus.WhatIf, Error = null, Message = message });
    }

    private FrostStepResult Simulated(RunbookStep step, StepPhase phase, string message) =>
        Emit(ResultOf(step, phase, StepStatus.WhatIf) with { Message = message });

    private FrostStepResult Skip(RunbookStep step, string message) =>
        Emit(ResultOf(step, StepPhase.Main, StepStatus.Skipped) with { Message = message });

    private async Task<FrostStepResult> ExecuteAsync(RunbookStep step, StepPhase phase, bool simulate, CancellationToken cancellationToken, bool emit = true)
    {
        var start = _clock.GetUtcNow();
        var clock = Stopwatch.StartNew();
        var output = new CappedOutput(_options.OutputCap, _masker, step, _interaction);
        var attempts = 1 + step.Retries;
        StepStatus status = StepStatus.Failed;
        string? error = null;
        int? exitCode = null;
        var attempt = 0;
        // The journal names a bash attempt's process group as it starts: if this runner dies, the next run finds the orphan.
        var invocation = new StepInvocation(step, simulate, WorkingDirectory(step))
        {
            ProcessStarted = session => _journal.Write(new JournalEntry
            {
                Type = JournalEntryType.StepProcess, Time = _clock.GetUtcNow(), StepId = step.Id, Phase = phase, Attempt = attempt,
                ProcessGroup = session.Session, ProcessStart = session.LeaderStart, BootId = session.BootId, Marker = session.Marker,
            }),
        };
        while (attempt < attempts)
        {
            attempt++;
            _journal.Write(new JournalEntry { Type = JournalEntryType.StepStart, Time = _clock.GetUtcNow(), StepId = step.Id, Phase = phase, Attempt = attempt });
            var attemptClock = Stopwatch.StartNew();
            (status, error, exitCode) = await AttemptAsync(step, invocation, output, cancellationToken).ConfigureAwait(false);
            if (attempts > 1)
            {
                // Each try of a retried step is recorded; a step with one try has only its step-end line.
                _journal.Write(new JournalEntry
                {
                    Type = JournalEntryType.StepAttempt, Time = _clock.GetUtcNow(), StepId = step.Id, Phase = phase, Attempt = attempt,
                    Status = status, Error = _masker.Apply(error), ExitCode = exitCode, DurationMs = attemptClock.Elapsed.TotalMilliseconds,
                });
            }
            if (status is StepStatus.Succeeded or StepStatus.Cancelled || attempt == attempts)
            {
                break;
            }

            output.Note($"attempt {attempt} of {attempts} {status.ToString().ToLowerInvariant()}: {_masker.Apply(error)}; retrying in {step.RetryDelay.TotalSeconds:0.#} s");
            try
            {
                // A pause between tries is the retry policy itself, not a wait for a condition.
                await Task.Delay(step.RetryDelay, _clock, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                status = StepStatus.Cancelled;
                error = "cancelled while waiting to retry";
                break;
            }
        }

        var result = ResultOf(step, phase, status) with
        {
            Start = start, Duration = clock.Elapsed, Attempts = attempt, ExitCode = exitCode, Output = output.ToString(), Error = error,
        };
        return emit ? Emit(result) : result;
    }

    private async Task<(StepStatus, string?, int?)> AttemptAsync(RunbookStep step, StepInvocation invocation, CappedOutput output, CancellationToken cancellationToken)
    {
        using var timeout = step.Timeout is { } limit ? new CancellationTokenSource(limit, _clock) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        StepAttempt attempt;
        try
        {
            attempt = await Host(step).RunAsync(invocation, output, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            attempt = new StepAttempt(AttemptOutcome.Stopped);
        }

        return attempt.Outcome switch
        {
            AttemptOutcome.Succeeded => (StepStatus.Succeeded, null, attempt.ExitCode),
            AttemptOutcome.Stopped when cancellationToken.IsCancellationRequested => (StepStatus.Cancelled, "cancelled (Ctrl+C)" + Also(attempt.Error), attempt.ExitCode),
            AttemptOutcome.Stopped => (StepStatus.TimedOut, $"timed out after {step.Timeout?.TotalSeconds:0.#} s; the step was stopped" + Also(attempt.Error), attempt.ExitCode),
            _ => (StepStatus.Failed, attempt.Error ?? "failed", attempt.ExitCode),
        };
    }

    private static string Also(string? detail) => detail is null ? "" : "; " + detail;

    /// <summary>
    /// Undoes a failed run: the failed step's own rollback first (it may have half-applied), then
    /// the rollbacks of the steps that succeeded before it, newest first. Returns their results,
    /// each under the step it undoes, in the order they ran.
    /// </summary>
    private async Task<IReadOnlyList<FrostStepResult>> RollBackAsync(RunbookStep failed, IReadOnlyList<RunbookStep> succeeded, CancellationToken cancellationToken)
    {
        var rollbacks = new List<FrostStepResult>();
        foreach (var step in succeeded.Reverse().Prepend(failed).Where(s => s.Rollback is not null))
        {
            if (_runbook.FindStep(step.Rollback!) is not { } rollback)
            {
                continue; // validation reports a missing rollback step before any run starts
            }

            if (cancellationToken.IsCancellationRequested)
            {
                rollbacks.Add(Emit(ResultOf(step, StepPhase.Rollback, StepStatus.Failed) with
                {
                    Error = $"rollback step '{rollback.Id}' was not run: a second Ctrl+C stopped the rollbacks", RollbackStepId = rollback.Id,
                }));
                continue;
            }

            var undo = await ExecuteAsync(rollback, StepPhase.Rollback, simulate: false, cancellationToken, emit: false).ConfigureAwait(false);
            rollbacks.Add(Emit(UndoneBy(step, rollback, undo)));
        }

        return rollbacks;
    }

    /// <summary>A rollback's run, told under the step it undoes (whose result it is), naming the rollback step.</summary>
    private FrostStepResult UndoneBy(RunbookStep step, RunbookStep rollback, FrostStepResult undo)
    {
        var ok = undo.Status == StepStatus.Succeeded;
        return ResultOf(step, StepPhase.Rollback, ok ? StepStatus.RolledBack : StepStatus.Failed) with
        {
            Start = undo.Start, Duration = undo.Duration, Attempts = undo.Attempts, ExitCode = undo.ExitCode, Output = undo.Output,
            Error = ok ? null : $"rollback step '{rollback.Id}' {undo.Status.ToString().ToLowerInvariant()}: {undo.Error}",
            Message = ok ? $"undone by rollback step '{rollback.Id}'" : null,
            RollbackStepId = rollback.Id,
        };
    }

    /// <summary>The result of <paramref name="step"/> in <paramref name="phase"/> as of now, before anything ran; the rest is said with <c>with</c>.</summary>
    private FrostStepResult ResultOf(RunbookStep step, StepPhase phase, StepStatus status) => new()
    {
        RunId = _options.RunId,
        Runbook = _runbook.Path,
        Section = step.SectionId,
        StepId = step.Id,
        StepName = step.Name,
        Language = step.Language,
        Phase = phase,
        Status = status,
        Start = _clock.GetUtcNow(),
    };

    /// <summary>
    /// Records a result and hands it to the caller: the one place a result leaves the runner, so
    /// its error and message are masked here, once (its output was masked as it was read).
    /// </summary>
    private FrostStepResult Emit(FrostStepResult result, bool carried = false)
    {
        var file = result.Output.Length > 0 ? _journal.WriteOutput(result.StepId, result.Phase, result.Output) : null;
        var recorded = result with { Error = Masked(result.Error), Message = Masked(result.Message), OutputFile = file };
        _journal.Write(new JournalEntry
        {
            Type = JournalEntryType.StepEnd, Time = _clock.GetUtcNow(), RunId = _options.RunId, StepId = recorded.StepId, StepName = recorded.StepName,
            Section = recorded.Section, Language = recorded.Language, Phase = recorded.Phase, Status = recorded.Status, Attempt = recorded.Attempts,
            DurationMs = recorded.Duration.TotalMilliseconds, ExitCode = recorded.ExitCode, Error = recorded.Error, Message = recorded.Message,
            RollbackStepId = recorded.RollbackStepId, OutputFile = file, Carried = carried ? true : null,
        });
        _results.Add(recorded);
        _interaction.Result(recorded);
        return recorded;
    }

    private string? Masked(string? text) => _masker.Apply(text) is { Length: > 0 } masked ? masked : null;

    private IStepHost Host(RunbookStep step) =>
        _hosts.TryGetValue(step.Language, out var host) ? host : throw new InvalidOperationException($"no host runs {step.Language} steps");

    private string WorkingDirectory(RunbookStep step)
    {
        var folder = Path.GetDirectoryName(_runbook.Path) ?? Environment.CurrentDirectory;
        return step.WorkingDirectory is { } cwd ? Path.GetFullPath(cwd, folder) : folder;
    }
}
