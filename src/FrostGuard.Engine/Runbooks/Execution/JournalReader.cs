using System.Text.Json;
using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Runbooks.Execution;

/// <summary>Reads runs back from their journals; a torn last line (kill -9) is ignored.</summary>
public static class JournalReader
{
    public static IReadOnlyList<FrostRunbookRun> ReadAll(string stateFolder)
    {
        var runs = RunJournal.RunsFolder(stateFolder);
        if (!Directory.Exists(runs))
        {
            return [];
        }

        return Directory.EnumerateFiles(runs, "*.jsonl")
            .Select(Read)
            .OfType<FrostRunbookRun>()
            .OrderByDescending(r => r.Started)
            .ThenByDescending(r => r.RunId, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// The run with this id (any letter case), or null: its own journal (runs/&lt;id&gt;.jsonl) is read
    /// when it is there under that name, every journal only when it is not. A fleet controller asks
    /// this of each running host twice a second.
    /// </summary>
    public static FrostRunbookRun? Find(string stateFolder, string runId)
    {
        var own = Path.Combine(RunJournal.RunsFolder(stateFolder), runId + ".jsonl");
        if (runId.Length > 0 && Path.GetFileName(runId) == runId && File.Exists(own) && Read(own) is { } run && run.RunId.Equals(runId, StringComparison.OrdinalIgnoreCase))
        {
            return run;
        }

        return ReadAll(stateFolder).FirstOrDefault(r => r.RunId.Equals(runId, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Every whole line of a journal; a torn last line (kill -9) is left out.</summary>
    public static IReadOnlyList<JournalEntry> Entries(string journalPath)
    {
        var entries = new List<JournalEntry>();
        using var reader = new StreamReader(new FileStream(journalPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            try
            {
                entries.Add(JsonSerializer.Deserialize<JournalEntry>(line, JournalEntry.Json)!);
            }
            catch (JsonException)
            {
                // Only the last line can be torn by a killed process; stop there.
                break;
            }
        }

        return entries;
    }

    public static FrostRunbookRun? Read(string journalPath)
    {
        var entries = Entries(journalPath);
        var start = entries.FirstOrDefault(e => e.Type == JournalEntryType.RunStart);
        if (start?.RunId is null)
        {
            return null;
        }

        var end = entries.LastOrDefault(e => e.Type == JournalEntryType.RunEnd);
        return new FrostRunbookRun
        {
            RunId = start.RunId,
            Runbook = start.Runbook ?? "",
            ContentHash = start.ContentHash ?? "",
            Started = start.Time,
            Ended = end?.Time,
            Status = end?.RunStatus ?? RunStatus.Incomplete,
            WhatIf = start.WhatIf == true,
            ResumedFrom = start.ResumedFrom,
            UndoOf = start.UndoOf,
            Deployment = start.Deployment,
            Limited = start.Limited == true,
            Parameters = start.Parameters ?? [],
            JournalPath = journalPath,
            Steps = entries.Where(e => e.Type == JournalEntryType.StepEnd).Select(e => ToResult(start, e)).ToList(),
        };
    }

    /// <summary>The steps whose effect is in place when a run ended, in the order they took effect (for an undo, newest first from the end).</summary>
    public static IReadOnlyList<string> EffectsInPlaceInOrder(IEnumerable<JournalEntry> entries)
    {
        var list = entries.ToList();
        var inPlace = EffectsInPlace(list);
        var order = new List<string>();
        foreach (var entry in list.Where(e => e.Type is JournalEntryType.StepEnd or JournalEntryType.StepCarried && e.StepId is not null))
        {
            if (inPlace.Contains(entry.StepId!) && !order.Contains(entry.StepId!, StringComparer.OrdinalIgnoreCase))
            {
                order.Add(entry.StepId!);
            }
        }

        return order;
    }

    /// <summary>
    /// The steps whose effect is in place when a run ended, for a resume to skip: the journal read
    /// in order, a step is in place once it succeeded, or once a resume skipped or carried it
    /// because it was in place before; it is not once it failed, timed out or was cancelled, nor once its
    /// rollback ran (an undone step runs again; one whose rollback failed is not known to be in
    /// place either, so it runs again too).
    /// </summary>
    public static IReadOnlySet<string> EffectsInPlace(IEnumerable<JournalEntry> entries)
    {
        var inPlace = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in entries.Where(e => e.Type is JournalEntryType.StepEnd or JournalEntryType.StepCarried && e.StepId is not null))
        {
            if (entry.Type == JournalEntryType.StepCarried)
            {
                inPlace.Add(entry.StepId!);
                continue;
            }

            switch (entry.Phase ?? StepPhase.Main, entry.Status)
            {
                case (StepPhase.Main, StepStatus.Succeeded):
                case (StepPhase.Main, StepStatus.Skipped) when entry.Carried == true:
                    inPlace.Add(entry.StepId!);
                    break;
                case (StepPhase.Main, StepStatus.Failed or StepStatus.TimedOut or StepStatus.Cancelled):
                case (StepPhase.Rollback, _):
                    inPlace.Remove(entry.StepId!);
                    break;
            }
        }

        return inPlace;
    }

    private static FrostStepResult ToResult(JournalEntry start, JournalEntry end)
    {
        var duration = TimeSpan.FromMilliseconds(end.DurationMs ?? 0);
        return new FrostStepResult
        {
            RunId = start.RunId!,
            Runbook = start.Runbook ?? "",
            Section = end.Section,
            StepId = end.StepId ?? "",
            StepName = end.StepName ?? end.StepId ?? "",
            Language = end.Language ?? StepLanguage.Bash,
            Status = end.Status ?? StepStatus.Failed,
            Phase = end.Phase ?? StepPhase.Main,
            Start = end.Time - duration,
            Duration = duration,
            Attempts = end.Attempt ?? 1,
            ExitCode = end.ExitCode,
            Error = end.Error,
            Message = end.Message,
            RollbackStepId = end.RollbackStepId,
            OutputFile = end.OutputFile,
            Output = end.OutputFile is { } file && File.Exists(file) ? File.ReadAllText(file) : "",
        };
    }
}
