using FrostGuard.Engine.Os;

namespace FrostGuard.Engine.Runbooks.Execution;

/// <summary>A bash step whose runner died while it ran, and whose process group still lives.</summary>
public sealed record OrphanedStep(string RunId, string StepId, int ProcessGroup, long ProcessStart);

/// <summary>
/// Steps left running by a runner that died (kill -9, a dropped SSH session): a bash step runs in a
/// session of its own, so it outlives its runner. The journal names each bash attempt's process
/// group and leader start time as it starts; an attempt with no end line after it whose group
/// still lives is an orphan. Before a run of the same runbook starts, each is ended (SIGTERM to
/// the group, SIGKILL after a grace) or waited for, so a step never runs twice at the same time.
/// </summary>
public static class OrphanedSteps
{
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    /// <summary>The orphans of the unfinished runs of <paramref name="runbookPath"/> in the state folder.</summary>
    public static IReadOnlyList<OrphanedStep> Find(string stateFolder, string runbookPath)
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
            var start = entries.FirstOrDefault(e => e.Type == JournalEntry.RunStart);
            if (start?.Runbook != runbookPath || entries.Any(e => e.Type == JournalEntry.RunEnd))
            {
                continue;
            }

            orphans.AddRange(InFlight(entries).Where(o => ProcessGroups.IsAlive(o.ProcessGroup, o.ProcessStart)).Select(o => o with { RunId = start.RunId ?? "" }));
        }

        return orphans;
    }

    /// <summary>The bash attempts that started and never ended, as the journal tells.</summary>
    public static IEnumerable<OrphanedStep> InFlight(IReadOnlyList<JournalEntry> entries)
    {
        for (var i = 0; i < entries.Count; i++)
        {
            var process = entries[i];
            if (process.Type != JournalEntry.StepProcess || process.ProcessGroup is not { } group || process.ProcessStart is not { } started)
            {
                continue;
            }

            var ended = entries.Skip(i + 1).Any(e => e.StepId == process.StepId && e.Phase == process.Phase
                && (e.Type == JournalEntry.StepEnd || e.Type == "step-attempt" && e.Attempt == process.Attempt || e.Type == JournalEntry.StepStart));
            if (!ended)
            {
                yield return new OrphanedStep("", process.StepId ?? "", group, started);
            }
        }
    }

    /// <summary>Ends an orphan's whole group: SIGTERM, then SIGKILL to whatever is left after the grace. True when nothing of it lives.</summary>
    public static async Task<bool> EndAsync(OrphanedStep orphan, CancellationToken cancellationToken)
    {
        _ = ProcessGroups.Signal(orphan.ProcessGroup, ProcessGroups.SigTerm);
        if (await GoneAsync(orphan, Grace, cancellationToken).ConfigureAwait(false))
        {
            return true;
        }

        _ = ProcessGroups.Signal(orphan.ProcessGroup, ProcessGroups.SigKill);
        return await GoneAsync(orphan, Grace, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits until nothing of the orphan's group lives, up to <paramref name="limit"/> (infinite to wait as long as it takes).</summary>
    public static async Task<bool> GoneAsync(OrphanedStep orphan, TimeSpan limit, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (limit != Timeout.InfiniteTimeSpan)
        {
            deadline.CancelAfter(limit);
        }

        // /proc has no notification for another session's processes: it is read again every 100 ms.
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        while (ProcessGroups.IsAlive(orphan.ProcessGroup, orphan.ProcessStart))
        {
            try
            {
                await poll.WaitForNextTickAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return !ProcessGroups.IsAlive(orphan.ProcessGroup, orphan.ProcessStart);
            }
        }

        return true;
    }
}
