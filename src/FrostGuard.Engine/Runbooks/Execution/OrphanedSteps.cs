using FrostGuard.Engine.Platform.Os;
using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Runbooks.Execution;

/// <summary>A bash step whose runner died while it ran, and whose processes still live.</summary>
public sealed record OrphanedStep(string RunId, string StepId, StepPhase Phase, StepSession Session);

/// <summary>
/// Steps left running by a runner that died (kill -9, a dropped SSH session, a crash): a bash
/// step runs in a session of its own, so it outlives its runner. The journal names each bash
/// attempt's session, leader start time, boot and environment marker as it starts; an attempt
/// with no end line after it, in a run whose runner is gone, whose processes still live, is an
/// orphan. Before a run of the same runbook against the same deployment starts, each is ended
/// (SIGTERM to its session, SIGKILL after a grace) or waited for, so a step never runs twice at
/// the same time.
/// </summary>
public static class OrphanedSteps
{
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    private const int WouldBlock = 11;

    /// <summary>The orphans of the dead, unfinished runs that held the run lock <paramref name="lockKey"/> (<see cref="RunLock.KeyFor"/>).</summary>
    public static IReadOnlyList<OrphanedStep> Find(string stateFolder, string lockKey)
    {
        var runs = RunJournal.RunsFolder(stateFolder);
        if (!Directory.Exists(runs))
        {
            return [];
        }

        var orphans = new List<OrphanedStep>();
        foreach (var journal in Directory.EnumerateFiles(runs, "*.jsonl"))
        {
            var entries = JournalReader.Entries(journal);
            var start = entries.FirstOrDefault(e => e.Type == JournalEntryType.RunStart);
            if (start?.LockKey != lockKey || entries.Any(e => e.Type == JournalEntryType.RunEnd) || RunnerIsAlive(journal))
            {
                continue;
            }

            orphans.AddRange(InFlight(entries).Where(o => o.Session.IsAlive()).Select(o => o with { RunId = start.RunId ?? "" }));
        }

        return orphans;
    }

    /// <summary>
    /// A runner holds a shared flock on its journal for as long as it lives (and a dry run, which
    /// takes no run lock, too): while it does, its steps are its own, running or not.
    /// </summary>
    public static bool RunnerIsAlive(string journalPath)
    {
        try
        {
            using var handle = Posix.OpenNoFollow(journalPath, FileMode.Open, FileAccess.Read, 0);
            Posix.LockWithoutWaiting(handle, exclusive: true, journalPath);
            return false;
        }
        catch (IOException e) when (e.HResult == WouldBlock)
        {
            return true;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
    }

    /// <summary>The bash attempts that started and never ended, as the journal tells.</summary>
    public static IEnumerable<OrphanedStep> InFlight(IReadOnlyList<JournalEntry> entries)
    {
        for (var i = 0; i < entries.Count; i++)
        {
            var process = entries[i];
            if (process.Type != JournalEntryType.StepProcess || process.ProcessGroup is not { } session || process.StepId is not { } stepId)
            {
                continue;
            }

            var phase = process.Phase ?? StepPhase.Main;
            // A rollback's end line is written under the step it undoes, naming the rollback step.
            var ended = entries.Skip(i + 1).Any(e => (e.Phase ?? StepPhase.Main) == phase
                && (e.Type == JournalEntryType.StepEnd && (e.StepId == stepId || phase == StepPhase.Rollback && e.RollbackStepId == stepId)
                    || e.StepId == stepId && (e.Type == JournalEntryType.StepAttempt && e.Attempt == process.Attempt || e.Type == JournalEntryType.StepStart)));
            if (!ended)
            {
                yield return new OrphanedStep("", stepId, phase, new StepSession(session, process.ProcessStart, process.BootId ?? "", process.Marker ?? ""));
            }
        }
    }

    /// <summary>Ends an orphan: SIGTERM to its session, then SIGKILL to whatever is left after the grace. True when nothing of it lives.</summary>
    public static async Task<bool> EndAsync(OrphanedStep orphan, CancellationToken cancellationToken)
    {
        _ = orphan.Session.Signal(StepSession.SigTerm);
        if (await orphan.Session.EndedAsync(Grace, cancellationToken).ConfigureAwait(false))
        {
            return true;
        }

        _ = orphan.Session.Signal(StepSession.SigKill);
        return await orphan.Session.EndedAsync(Grace, cancellationToken).ConfigureAwait(false);
    }
}
