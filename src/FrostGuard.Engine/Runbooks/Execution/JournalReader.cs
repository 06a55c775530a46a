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

    public static FrostRunbookRun? Read(string journalPath)
    {
        var entries = new List<JournalEntry>();
        using (var reader = new StreamReader(new FileStream(journalPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)))
        {
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
        }

        var start = entries.FirstOrDefault(e => e.Type == JournalEntry.RunStart);
        if (start?.RunId is null)
        {
            return null;
        }

        var end = entries.LastOrDefault(e => e.Type == JournalEntry.RunEnd);
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
            Parameters = start.Parameters ?? [],
            JournalPath = journalPath,
            Steps = entries.Where(e => e.Type == JournalEntry.StepEnd).Select(e => ToResult(start, e)).ToList(),
        };
    }

    /// <summary>Steps whose main phase succeeded, for a resumed run to skip.</summary>
    public static IReadOnlySet<string> Succeeded(FrostRunbookRun run) =>
        run.Steps.Where(s => s.Phase == StepPhase.Main && s.Status == StepStatus.Succeeded)
            .Select(s => s.StepId)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);

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
