using System.Diagnostics;
using FrostGuard.Engine.Os;
using FrostGuard.Engine.Runbooks.Execution;
using FrostGuard.Engine.Runbooks.Parsing;
using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Tests.Runbooks;

/// <summary>
/// "Safety III" with real bash processes: a timeout holds whatever a step's children do, a
/// rollback that began runs to its end on Ctrl+C, the journal names each bash step's process
/// group so a dead runner's step is found, and one run of a runbook at a time.
/// </summary>
public sealed class RunSafetyTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private async Task<(RunStatus Status, List<FrostStepResult> Results, string Journal)> RunAsync(string markdown,
        CancellationToken cancellationToken = default, CancellationToken abortRollback = default)
    {
        var path = _folder.Write("runbook.md", markdown);
        var runbook = RunbookParser.ParseFile(path);
        Assert.False(runbook.HasErrors, string.Join("\n", runbook.Findings));
        var interaction = new RecordingInteraction();
        var options = new RunOptions { RunId = RunJournal.NewRunId(DateTimeOffset.UtcNow) };
        using var journal = RunJournal.Create(Path.Combine(_folder.Path, "state"), options.RunId);
        var runner = new RunbookRunner(runbook, options, [new BashStepHost(new Dictionary<string, string> { ["WORK"] = _folder.Path })], interaction, journal, SecretMasker.None);
        var status = await runner.RunAsync(cancellationToken, abortRollback);
        return (status, interaction.Results.ToList(), journal.Path);
    }

    [Fact]
    public async Task A_timeout_holds_after_bash_exits_while_a_child_keeps_its_output_open()
    {
        // The reported fault: `sleep 24 &` kept the step alive for 24 s past bash's exit and its 2 s timeout.
        var marker = $"{Random.Shared.Next(100, 999)}.{Random.Shared.Next(100, 999)}";
        var clock = Stopwatch.StartNew();

        var (status, results, _) = await RunAsync($$"""
            # Background
            ```bash {#leaves-a-child timeout=2s}
            sleep {{marker}} &
            echo started
            ```
            """);

        Assert.Equal(RunStatus.Failed, status);
        var step = Assert.Single(results);
        Assert.Equal(StepStatus.TimedOut, step.Status);
        Assert.Contains("started", step.Output);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2) + BashStepHost.KillGrace + BashStepHost.DrainAfterKill + TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        Assert.True(await NoneLeftAsync(marker), "the child outlived the step");
    }

    [Fact]
    public async Task Ctrl_C_ends_the_whole_group_after_bash_exits_too()
    {
        var marker = $"{Random.Shared.Next(100, 999)}.{Random.Shared.Next(100, 999)}";
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var clock = Stopwatch.StartNew();

        var (status, results, _) = await RunAsync($$"""
            # Background
            ```bash {#leaves-a-child}
            sleep {{marker}} &
            ```
            """, cancel.Token);

        Assert.Equal(RunStatus.Cancelled, status);
        Assert.Equal(StepStatus.Cancelled, Assert.Single(results).Status);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"took {clock.Elapsed}");
        Assert.True(await NoneLeftAsync(marker));
    }

    [Fact]
    public async Task A_child_that_leaves_the_group_is_left_running_and_the_result_says_so()
    {
        var marker = $"{Random.Shared.Next(100, 999)}.{Random.Shared.Next(100, 999)}";
        try
        {
            var (_, results, _) = await RunAsync($$"""
                # Escapes
                ```bash {#escapes timeout=1s}
                setsid sleep {{marker}} &
                sleep 30
                ```
                """);

            var step = Assert.Single(results);
            Assert.Equal(StepStatus.TimedOut, step.Status);
            Assert.Contains("a process outside it (one that called setsid itself) still holds its output", step.Error);
        }
        finally
        {
            foreach (var pid in Sleepers(marker))
            {
                _ = Posix.Kill(pid, ProcessGroups.SigKill);
            }
        }
    }

    [Fact]
    public async Task The_journal_names_each_bash_attempts_process_group_and_leader_start_time()
    {
        var (_, _, journal) = await RunAsync("# G\n```bash {#one}\necho $$ > \"$WORK/pid\"\n```\n");

        var process = Assert.Single(JournalReader.Entries(journal), e => e.Type == JournalEntry.StepProcess);
        Assert.Equal("one", process.StepId);
        Assert.Equal(int.Parse(File.ReadAllText(Path.Combine(_folder.Path, "pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture), process.ProcessGroup);
        Assert.True(process.ProcessStart > 0);
        Assert.Empty(OrphanedSteps.InFlight(JournalReader.Entries(journal)));
    }

    [Fact]
    public async Task A_rollback_that_began_runs_to_its_end_on_Ctrl_C_and_a_second_Ctrl_C_stops_it()
    {
        const string Markdown = """
            # Rollback
            ```bash {#apply rollback=undo}
            exit 1
            ```
            ```bash {#undo .rollback}
            touch "$WORK/undo-started"; sleep 2; echo undone
            ```
            """;
        using var first = new CancellationTokenSource();
        var started = Path.Combine(_folder.Path, "undo-started");
        var run = RunAsync(Markdown, first.Token);
        await WaitForFileAsync(started);
        first.Cancel();
        var (_, results, _) = await run;

        var undo = Assert.Single(results, r => r.Phase == StepPhase.Rollback);
        Assert.Equal(StepStatus.RolledBack, undo.Status);
        Assert.Contains("undone", undo.Output);

        File.Delete(started);
        using var again = new CancellationTokenSource();
        using var second = new CancellationTokenSource();
        var aborted = RunAsync(Markdown, again.Token, second.Token);
        await WaitForFileAsync(started);
        again.Cancel();
        second.Cancel();
        var (_, abortedResults, _) = await aborted;
        Assert.Equal(StepStatus.Failed, Assert.Single(abortedResults, r => r.Phase == StepPhase.Rollback).Status);
        Assert.Contains("cancelled", Assert.Single(abortedResults, r => r.Phase == StepPhase.Rollback).Error);
    }

    [Fact]
    public void A_second_run_of_one_runbook_is_refused_naming_the_holder()
    {
        var state = Path.Combine(_folder.Path, "state");
        using (RunLock.Acquire(state, "/opt/runbooks/update.md", "/etc/frostguard/frostguard.json", "run-1"))
        {
            var e = Assert.Throws<FrostException>(() => RunLock.Acquire(state, "/opt/runbooks/update.md", "/etc/frostguard/frostguard.json", "run-2"));
            Assert.Equal(ErrorIds.RunbookRunInProgress, e.ErrorId);
            Assert.Contains($"Run run-1 (PID {Environment.ProcessId})", e.Message);

            // Another deployment, or another runbook, is another run.
            using var other = RunLock.Acquire(state, "/opt/runbooks/update.md", "/etc/frostguard/staging.json", "run-3");
        }

        using var afterwards = RunLock.Acquire(state, "/opt/runbooks/update.md", "/etc/frostguard/frostguard.json", "run-4");
    }

    [Fact]
    public async Task An_orphaned_group_is_alive_until_it_ends_and_a_reused_number_is_not_taken_for_it()
    {
        using var process = Process.Start(new ProcessStartInfo("setsid", ["sleep", "30"]) { UseShellExecute = false })!;
        var started = ProcessGroups.StartTime(process.Id)!.Value;
        var orphan = new OrphanedStep("r", "s", process.Id, started);

        Assert.True(ProcessGroups.IsAlive(process.Id, started));
        Assert.False(ProcessGroups.IsAlive(process.Id, started + 1));
        Assert.True(await OrphanedSteps.EndAsync(orphan, CancellationToken.None));
        await process.WaitForExitAsync();
        Assert.False(ProcessGroups.IsAlive(process.Id, started));
    }

    [Fact]
    public void An_attempt_that_started_and_never_ended_is_in_flight()
    {
        JournalEntry Process(string step, int attempt) => new() { Type = JournalEntry.StepProcess, StepId = step, Phase = StepPhase.Main, Attempt = attempt, ProcessGroup = 100 + attempt, ProcessStart = 5 };
        JournalEntry Start(string step, int attempt) => new() { Type = JournalEntry.StepStart, StepId = step, Phase = StepPhase.Main, Attempt = attempt };
        JournalEntry End(string step) => new() { Type = JournalEntry.StepEnd, StepId = step, Phase = StepPhase.Main, Status = StepStatus.Succeeded };

        var inFlight = OrphanedSteps.InFlight([Start("a", 1), Process("a", 1), End("a"), Start("b", 1), Process("b", 1), Start("b", 2), Process("b", 2)]).ToList();

        Assert.Equal([("b", 102)], inFlight.Select(o => (o.StepId, o.ProcessGroup)));
    }

    private static async Task WaitForFileAsync(string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!File.Exists(path))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{path} never appeared");
            await Task.Delay(20);
        }
    }

    private static async Task<bool> NoneLeftAsync(string marker)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (Sleepers(marker).Any())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(100);
        }

        return true;
    }

    private static IEnumerable<int> Sleepers(string marker) =>
        Directory.EnumerateDirectories("/proc")
            .Where(d => int.TryParse(Path.GetFileName(d), out _))
            .Where(d =>
            {
                try
                {
                    return File.ReadAllText(Path.Combine(d, "cmdline")).Replace('\0', ' ').Trim() == $"sleep {marker}";
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return false;
                }
            })
            .Select(d => int.Parse(Path.GetFileName(d), System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
}
