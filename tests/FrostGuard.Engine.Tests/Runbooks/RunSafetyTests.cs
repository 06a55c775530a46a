using System.Diagnostics;
using FrostGuard.Engine.Platform.Os;
using FrostGuard.Engine.Runbooks.Execution;
using FrostGuard.Engine.Runbooks.Parsing;
using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Tests.Runbooks;

/// <summary>
/// "Safety III" with real bash processes: a timeout holds whatever a step's children do, a
/// rollback that began runs to its end on Ctrl+C, the journal names each bash step's session so
/// a dead runner's step is found, only a dead runner's, and never a stranger's processes, and one
/// run of a runbook at a time.
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
        var outcome = await runner.RunAsync(cancellationToken, abortRollback);
        return (outcome.Status, interaction.Results.ToList(), journal.Path);
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
            Assert.Contains("a process that left it (one that called setsid itself) still holds its output", step.Error);
        }
        finally
        {
            foreach (var pid in Sleepers(marker))
            {
                _ = Posix.Kill(pid, StepSession.SigKill);
            }
        }
    }

    [Theory]
    [InlineData("timeout 100 sleep {0}")]                     // timeout puts itself in a process group of its own
    [InlineData("set -m; sleep {0} & wait")]                  // job control: each job in a group of its own
    public async Task A_timeout_ends_children_in_process_groups_of_their_own(string code)
    {
        // The reported fault: only the step's process group was signalled, so `timeout 100 sleep` ran on.
        var marker = $"{Random.Shared.Next(100, 999)}.{Random.Shared.Next(100, 999)}";
        try
        {
            var (_, results, _) = await RunAsync($"# T\n```bash {{#grouped timeout=1s}}\n{string.Format(System.Globalization.CultureInfo.InvariantCulture, code, marker)}\n```\n");

            Assert.Equal(StepStatus.TimedOut, Assert.Single(results).Status);
            Assert.True(await NoneLeftAsync(marker), "a child in a group of its own outlived the step");
        }
        finally
        {
            foreach (var pid in Sleepers(marker))
            {
                _ = Posix.Kill(pid, StepSession.SigKill);
            }
        }
    }

    [Fact]
    public async Task The_journal_names_each_bash_attempts_session_boot_and_marker()
    {
        // The step lives a second, so its start time is read while it runs (a step gone before that is journaled without one).
        var (_, _, journal) = await RunAsync("# G\n```bash {#one}\necho $$ > \"$WORK/pid\"; echo \"$FROSTGUARD_STEP_MARKER\" > \"$WORK/marker\"; sleep 1\n```\n");

        var process = Assert.Single(JournalReader.Entries(journal), e => e.Type == JournalEntryType.StepProcess);
        Assert.Equal("one", process.StepId);
        Assert.Equal(int.Parse(File.ReadAllText(Path.Combine(_folder.Path, "pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture), process.ProcessGroup);
        Assert.True(process.ProcessStart > 0);
        Assert.Equal(StepSession.ThisBoot, process.BootId);
        Assert.Equal(File.ReadAllText(Path.Combine(_folder.Path, "marker")).Trim(), process.Marker);
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
    public async Task A_sessions_processes_are_the_steps_only_when_proven_so_and_end_together()
    {
        // A session whose leader is gone and whose member lives on: the shape a double-forking daemon leaves.
        var marker = StepSession.NewMarker();
        var sleeper = $"{Random.Shared.Next(100, 999)}.{Random.Shared.Next(100, 999)}";
        var start = new ProcessStartInfo("setsid", ["bash", "-c", $"sleep {sleeper} & exit 0"]) { UseShellExecute = false };
        start.Environment[StepSession.MarkerVariable] = marker;
        using (var leader = Process.Start(start)!)
        {
            await leader.WaitForExitAsync();
        }

        var member = await TheOneSleeperAsync(sleeper); // the forked child may not have exec'd sleep yet
        var session = int.Parse(File.ReadAllText($"/proc/{member}/stat").Split(") ")[1].Split(' ')[3], System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            var stranger = new StepSession(session, LeaderStart: 1, StepSession.ThisBoot, StepSession.NewMarker());
            Assert.False(stranger.IsAlive());                     // another step's marker: not ours
            Assert.Equal(0, stranger.Signal(StepSession.SigKill)); // and never signalled
            Assert.False((stranger with { Marker = marker, BootId = "another-boot" }).IsAlive()); // numbers from another boot mean nothing
            Assert.False(new StepSession(0, null, StepSession.ThisBoot, marker).IsAlive());
            Assert.False(new StepSession(1, null, StepSession.ThisBoot, marker).IsAlive());
            Assert.Single(Sleepers(sleeper));

            var ours = stranger with { Marker = marker, LeaderStart = null };
            Assert.True(ours.IsAlive());
            Assert.True(await OrphanedSteps.EndAsync(new OrphanedStep("r", "s", StepPhase.Main, ours), CancellationToken.None));
            Assert.Empty(Sleepers(sleeper));
        }
        finally
        {
            foreach (var pid in Sleepers(sleeper))
            {
                _ = Posix.Kill(pid, StepSession.SigKill);
            }
        }
    }

    [Fact]
    public async Task A_live_runners_step_is_never_an_orphan_and_one_of_another_deployment_is_not_this_runs()
    {
        // The reported fault: a run against prod ended the running step of a live run of the same runbook against staging.
        var marker = StepSession.NewMarker();
        var start = new ProcessStartInfo("setsid", ["sleep", "30"]) { UseShellExecute = false };
        start.Environment[StepSession.MarkerVariable] = marker;
        using var step = Process.Start(start)!;
        var state = Path.Combine(_folder.Path, "state");
        var staging = RunLock.KeyFor("/opt/runbooks/update.md", "/etc/frostguard/staging.json");
        var prod = RunLock.KeyFor("/opt/runbooks/update.md", "/etc/frostguard/frostguard.json");
        try
        {
            using (var journal = RunJournal.Create(state, "live"))
            {
                journal.Write(new JournalEntry { Type = JournalEntryType.RunStart, RunId = "live", Runbook = "/opt/runbooks/update.md", LockKey = staging });
                journal.Write(new JournalEntry
                {
                    Type = JournalEntryType.StepProcess, StepId = "long", Phase = StepPhase.Main, Attempt = 1,
                    ProcessGroup = step.Id, ProcessStart = StepSession.StartTime(step.Id), BootId = StepSession.ThisBoot, Marker = marker,
                });

                Assert.Empty(OrphanedSteps.Find(state, staging)); // its runner lives
            }

            Assert.Empty(OrphanedSteps.Find(state, prod));        // another deployment's run
            var orphan = Assert.Single(OrphanedSteps.Find(state, staging)); // its runner is gone
            Assert.Equal(("live", "long", step.Id), (orphan.RunId, orphan.StepId, orphan.Session.Session));
            Assert.True(await OrphanedSteps.EndAsync(orphan, CancellationToken.None));
            await step.WaitForExitAsync();
        }
        finally
        {
            if (!step.HasExited)
            {
                step.Kill();
            }
        }
    }

    [Fact]
    public void An_attempt_that_started_and_never_ended_is_in_flight_and_a_rollbacks_end_closes_it()
    {
        JournalEntry Process(string step, int attempt, StepPhase phase = StepPhase.Main) =>
            new() { Type = JournalEntryType.StepProcess, StepId = step, Phase = phase, Attempt = attempt, ProcessGroup = 100 + attempt, ProcessStart = 5 };
        JournalEntry Start(string step, int attempt, StepPhase phase = StepPhase.Main) => new() { Type = JournalEntryType.StepStart, StepId = step, Phase = phase, Attempt = attempt };
        JournalEntry End(string step) => new() { Type = JournalEntryType.StepEnd, StepId = step, Phase = StepPhase.Main, Status = StepStatus.Succeeded };
        // A rollback's end names the step it undoes, and the rollback step.
        var undone = new JournalEntry { Type = JournalEntryType.StepEnd, StepId = "b", RollbackStepId = "undo-b", Phase = StepPhase.Rollback, Status = StepStatus.RolledBack };

        var inFlight = OrphanedSteps.InFlight([Start("a", 1), Process("a", 1), End("a"), Start("b", 1), Process("b", 1), Start("b", 2), Process("b", 2)]).ToList();
        var afterRollback = OrphanedSteps.InFlight([Start("undo-b", 1, StepPhase.Rollback), Process("undo-b", 1, StepPhase.Rollback), undone]).ToList();

        Assert.Equal([("b", 102)], inFlight.Select(o => (o.StepId, o.Session.Session)));
        Assert.Empty(afterRollback);
    }

    [Fact]
    public async Task After_a_second_Ctrl_C_no_further_rollback_starts()
    {
        var (_, results, _) = await RunAsync("""
            # Rollbacks
            ```bash {#first rollback=undo-first}
            true
            ```
            ```bash {#second}
            exit 1
            ```
            ```bash {#undo-first .rollback}
            touch "$WORK/undo-ran"
            ```
            """, abortRollback: new CancellationToken(canceled: true));

        var rollback = Assert.Single(results, r => r.Phase == StepPhase.Rollback);
        Assert.Equal(StepStatus.Failed, rollback.Status);
        Assert.Contains("was not run: a second Ctrl+C", rollback.Error);
        Assert.False(File.Exists(Path.Combine(_folder.Path, "undo-ran")));
    }

    [Fact]
    public void The_run_lock_of_a_runbook_is_one_through_any_link_to_it()
    {
        var runbook = _folder.Write("update.md", "# U\n");
        var link = Path.Combine(_folder.Path, "link.md");
        File.CreateSymbolicLink(link, runbook);

        Assert.Equal(RunLock.KeyFor(runbook, "/etc/frostguard/frostguard.json"), RunLock.KeyFor(link, "/etc/frostguard/frostguard.json"));
        Assert.NotEqual(RunLock.KeyFor(runbook, "/etc/frostguard/frostguard.json"), RunLock.KeyFor(runbook, null));
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

    private static async Task<int> TheOneSleeperAsync(string marker)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var found = Sleepers(marker).ToList();
            if (found.Count > 0 || deadline.IsCancellationRequested)
            {
                return Assert.Single(found);
            }

            await Task.Delay(10, CancellationToken.None);
        }
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
