using System.Collections;
using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Runbooks.Execution;
using FrostGuard.Engine.Runbooks.Parsing;
using FrostGuard.Hosting;
using FrostGuard.Runbooks;

namespace FrostGuard;

/// <summary>
/// Undoes a run that completed: runs the rollbacks of the steps whose effect it left in place,
/// newest first, journaled as a run of its own. What a failed run does by itself, for a run that
/// succeeded and turned out wrong (a fleet run stopped in a later wave rolls its completed hosts
/// back with it).
/// </summary>
[Cmdlet(VerbsCommon.Undo, "FrostRunbookRun", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(FrostStepResult))]
public sealed class UndoFrostRunbookRunCommand : FrostCmdlet
{
    /// <summary>The run to undo (Get-FrostRunbookRun).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("RunId")]
    [ValidateNotNullOrEmpty]
    public string Id { get; set; } = "";

    /// <summary>Values for parameters the journal does not keep (secrets).</summary>
    [Parameter]
    public Hashtable? Parameter { get; set; }

    protected override void ProcessRecord()
    {
        var stateFolder = StateFolderWithoutDeployment();
        var all = JournalReader.ReadAll(stateFolder);
        var run = all.FirstOrDefault(r => r.RunId.Equals(Id, StringComparison.OrdinalIgnoreCase));
        if (run is null)
        {
            ThrowFrostError(new FrostException(ErrorIds.RunbookRunNotFound, FailureKind.NotFound, $"No run {Id} in the journal.", Id, "Get-FrostRunbookRun lists the runs."));
            return;
        }

        if (Refusal(run, all) is { } reason)
        {
            ThrowFrostError(new FrostException(ErrorIds.RunbookUndoRefused, FailureKind.OperationFailed, $"Run {run.RunId} of {run.Runbook} cannot be undone: {reason}.", run.RunId,
                "Get-FrostRunbookRun -Id " + run.RunId + " shows the run; undo by hand what its steps did."));
            return;
        }

        var runbook = RunbookParser.ParseFile(run.Runbook);
        if (runbook.ContentHash != run.ContentHash)
        {
            ThrowFrostError(new FrostException(ErrorIds.RunbookUndoRefused, FailureKind.OperationFailed,
                $"Run {run.RunId} of {run.Runbook} cannot be undone: the runbook changed since the run, so its rollback steps may not undo what ran.", run.RunId,
                "Restore the runbook as it was (git) and run the undo again."));
            return;
        }

        var inPlace = InPlace(run, all);
        var undone = inPlace.AsEnumerable().Reverse().Select(id => runbook.FindStep(id)).OfType<RunbookStep>().ToList();
        var description = undone.Count == 0 ? "nothing to roll back" : "roll back " + string.Join(", ", undone.Select(s => s.Rollback is null ? $"{s.Id} (no rollback: stays)" : s.Id));
        if (!ShouldProcess($"run {run.RunId} of {run.Runbook}", $"Undo: {description}"))
        {
            return;
        }

        var given = run.Parameters.Where(p => p.Value != SecretMasker.Mask).ToDictionary(p => (object)p.Key, p => (object?)p.Value);
        foreach (DictionaryEntry entry in Parameter ?? [])
        {
            given[entry.Key] = entry.Value is PSObject wrapped ? wrapped.BaseObject : entry.Value;
        }

        Dictionary<string, BoundParameter> parameters;
        try
        {
            parameters = RunbookParameterBinder.Bind(runbook, new Hashtable(given), _ => null);
        }
        catch (FrostException e)
        {
            ThrowFrostError(e);
            return;
        }

        var masker = RunbookParameterBinder.MaskerFor(parameters);
        var options = new RunOptions
        {
            RunId = RunJournal.NewRunId(DateTimeOffset.UtcNow),
            Parameters = parameters.ToDictionary(p => p.Key, p => new RunParameterValue(p.Value.PlainValue, p.Value.Secret)),
            Deployment = run.Deployment,
        };
        var powerShell = PowerShellStepHost.Open(RunbookLint.ModulePath(this), parameters.ToDictionary(p => p.Key, p => p.Value.PowerShellValue!), masker);
        try
        {
            using var runLock = AcquireLock(stateFolder, runbook.Path, run.Deployment, options.RunId);
            // Decided again under the lock: an undo that ran between the read above and now is not run twice.
            var allNow = JournalReader.ReadAll(stateFolder);
            if (Refusal(run, allNow) is { } lateReason)
            {
                ThrowFrostError(new FrostException(ErrorIds.RunbookUndoRefused, FailureKind.OperationFailed, $"Run {run.RunId} of {run.Runbook} cannot be undone: {lateReason}.", run.RunId,
                    "Get-FrostRunbookRun -Id " + run.RunId + " shows the run; undo by hand what its steps did."));
            }

            inPlace = InPlace(run, allNow);
            using var journal = RunJournal.Create(stateFolder, options.RunId);
            var bash = new BashStepHost(parameters.ToDictionary(p => p.Key, p => p.Value.PlainValue));
            var outcome = RunQueued((queue, ct) =>
            {
                var interaction = new CmdletRunInteraction(queue, powerShell, force: true, canAsk: false, $"Undo of run {run.RunId}");
                return new RunbookRunner(runbook, options, [powerShell, bash], interaction, journal, masker).UndoAsync(run.RunId, inPlace, ct);
            });
            if (outcome.Status != RunStatus.Succeeded)
            {
                WriteError(FrostErrors.Create(new InvalidOperationException(
                        $"The undo of run {run.RunId} did not finish: {outcome.FailedStep?.Error ?? outcome.Status.ToString()}. Undo run {outcome.RunId}, journal {outcome.JournalPath}."),
                    ErrorIds.RunbookFailed, ErrorCategory.InvalidResult, run.RunId,
                    $"Read Get-FrostRunbookRun -Id {outcome.RunId}; what was not rolled back is still in place."));
            }
        }
        finally
        {
            powerShell.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private RunLock AcquireLock(string stateFolder, string runbook, string? deployment, string runId)
    {
        try
        {
            return RunLock.Acquire(stateFolder, runbook, deployment, runId);
        }
        catch (FrostException e)
        {
            ThrowFrostError(e);
            throw; // not reached
        }
    }

    /// <summary>
    /// The run's steps whose effect is in place, in the order they took effect, less those an
    /// earlier undo of it already rolled back (one that failed or was cut off).
    /// </summary>
    private static List<string> InPlace(FrostRunbookRun run, IReadOnlyList<FrostRunbookRun> all)
    {
        var undoneBefore = all.Where(r => r.UndoOf == run.RunId)
            .SelectMany(r => r.Steps).Where(s => s.Phase == StepPhase.Rollback && s.Status == StepStatus.RolledBack)
            .Select(s => s.StepId).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return JournalReader.EffectsInPlaceInOrder(JournalReader.Entries(run.JournalPath)).Where(id => !undoneBefore.Contains(id)).ToList();
    }

    /// <summary>Why the run cannot be undone; null when it can.</summary>
    private static string? Refusal(FrostRunbookRun run, IReadOnlyList<FrostRunbookRun> all) =>
        run.UndoOf is not null ? "it is itself an undo"
        : run.WhatIf ? "it was a dry run (-WhatIf) and changed nothing"
        : run.Status != RunStatus.Succeeded ? $"it did not complete ({run.Status}); a failed run rolls back by itself, an incomplete one continues with Invoke-FrostRunbook -Resume"
        : all.FirstOrDefault(r => r.UndoOf == run.RunId && r.Status == RunStatus.Succeeded) is { } undo ? $"it was undone already by run {undo.RunId}"
        : null;
}
