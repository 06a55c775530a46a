using System.Diagnostics;
using FrostGuard.Engine.Runbooks.Execution;
using FrostGuard.Engine.Runbooks.Parsing;
using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Tests.Runbooks;

/// <summary>The runner with the real bash host: real processes, real timeouts, a real journal.</summary>
public sealed class RunbookRunnerTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private async Task<(RunStatus Status, List<FrostStepResult> Results, RecordingInteraction Interaction, string Journal)> RunAsync(
        string markdown, RecordingInteraction? interaction = null, RunOptions? options = null,
        Dictionary<string, string>? environment = null, SecretMasker? masker = null, CancellationToken cancellationToken = default)
    {
        var path = _folder.Write("runbook.md", markdown);
        var runbook = RunbookParser.ParseFile(path);
        Assert.False(runbook.HasErrors, string.Join("\n", runbook.Findings));
        interaction ??= new RecordingInteraction();
        options ??= new RunOptions { RunId = RunJournal.NewRunId(DateTimeOffset.UtcNow) };
        using var journal = RunJournal.Create(Path.Combine(_folder.Path, "state"), options.RunId);
        var runner = new RunbookRunner(runbook, options, [new BashStepHost(environment ?? [])], interaction, journal, masker ?? SecretMasker.None);
        var outcome = await runner.RunAsync(cancellationToken);
        return (outcome.Status, interaction.Results.ToList(), interaction, journal.Path);
    }

    [Fact]
    public async Task FailureRollsBackTheFailedStepThenEarlierStepsNewestFirstThenRunsFinally()
    {
        var (status, results, _, _) = await RunAsync("""
            # Deploy
            ```bash {#first rollback=undo-first}
            echo first
            ```
            ```bash {#second rollback=undo-second}
            echo second
            ```
            ```bash {#third rollback=undo-third}
            echo half-applied; exit 3
            ```
            ```bash {#never}
            echo never
            ```
            ```bash {#undo-first .rollback}
            echo undo first
            ```
            ```bash {#undo-second .rollback}
            echo undo second
            ```
            ```bash {#undo-third .rollback}
            echo undo third
            ```
            ```bash {#cleanup .finally}
            echo cleanup
            ```
            """);

        Assert.Equal(RunStatus.Failed, status);
        Assert.Equal(
            ["first:Succeeded", "second:Succeeded", "third:Failed", "third:RolledBack", "second:RolledBack", "first:RolledBack", "cleanup:Succeeded"],
            results.Select(r => $"{r.StepId}:{r.Status}"));
        var third = results[2];
        Assert.Equal(3, third.ExitCode);
        Assert.Contains("half-applied", third.Output);
        Assert.Equal("undo-third", results[3].RollbackStepId);
        Assert.Equal(StepPhase.Rollback, results[3].Phase);
        Assert.Contains("undo third", results[3].Output);
        Assert.Equal(StepPhase.Finally, results[^1].Phase);
    }

    [Fact]
    public async Task TimeoutKillsTheWholeProcessTree()
    {
        var marker = $"{Random.Shared.Next(100, 999)}.{Random.Shared.Next(100, 999)}";
        var clock = Stopwatch.StartNew();

        var (status, results, _, _) = await RunAsync($$"""
            # Slow
            ```bash {#slow timeout=1s}
            sleep {{marker}} &
            sleep {{marker}}
            ```
            """);

        Assert.Equal(RunStatus.Failed, status);
        Assert.Equal(StepStatus.TimedOut, Assert.Single(results).Status);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Contains("timed out", results[0].Error);
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (SleepersAlive(marker) > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.Equal(0, SleepersAlive(marker));
    }

    private static int SleepersAlive(string marker) =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => Path.Combine(d, "cmdline"))
            .Count(f =>
            {
                try
                {
                    return File.Exists(f) && File.ReadAllText(f).Replace('\0', ' ').Trim() == $"sleep {marker}";
                }
                catch (IOException)
                {
                    return false;
                }
            });

    [Fact]
    public async Task RetriesUntilTheStepSucceedsAndRecordsEachTry()
    {
        var counter = Path.Combine(_folder.Path, "tries");

        var (status, results, interaction, journal) = await RunAsync($$"""
            # Flaky
            ```bash {#flaky retries=3 retry-delay=100ms}
            n=$(( $(cat {{counter}} 2>/dev/null || echo 0) + 1 )); echo $n > {{counter}}
            echo "try $n"
            [ "$n" -ge 3 ]
            ```
            """);

        Assert.Equal(RunStatus.Succeeded, status);
        var flaky = Assert.Single(results);
        Assert.Equal(StepStatus.Succeeded, flaky.Status);
        Assert.Equal(3, flaky.Attempts);
        Assert.Contains("try 3", flaky.Output);
        Assert.Equal(3, File.ReadAllLines(journal).Count(l => l.Contains("\"step-attempt\"")));
        Assert.Contains(interaction.Lines, l => l.Contains("retrying"));
    }

    [Fact]
    public async Task ContinueOnErrorKeepsGoing()
    {
        var (status, results, _, _) = await RunAsync("""
            # Go on
            ```bash {#may-fail continue-on-error=true}
            exit 1
            ```
            ```bash {#next}
            echo next
            ```
            """);

        Assert.Equal(RunStatus.Succeeded, status);
        Assert.Equal(["may-fail:Failed", "next:Succeeded"], results.Select(r => $"{r.StepId}:{r.Status}"));
    }

    [Fact]
    public async Task FalseConditionSkipsTheStep()
    {
        var interaction = new RecordingInteraction { Condition = when => when == "$Env -eq 'prod'" && false };

        var (_, results, _, _) = await RunAsync("# W\n```bash {#only-prod when=\"$Env -eq 'prod'\"}\necho prod\n```\n", interaction);

        var skipped = Assert.Single(results);
        Assert.Equal(StepStatus.Skipped, skipped.Status);
        Assert.Contains("is false", skipped.Message);
    }

    [Fact]
    public async Task DryRunRunsReadOnlyStepsAndOnlyDescribesTheOthers()
    {
        var sentinel = Path.Combine(_folder.Path, "sentinel");
        var seen = Path.Combine(_folder.Path, "readonly-ran");

        var (status, results, _, _) = await RunAsync($$"""
            # Dry
            ```bash {#look .readonly}
            touch {{seen}}
            ```
            ```bash {#change}
            touch {{sentinel}}
            ```
            ```bash {#after}
            test -f {{sentinel}}
            ```
            """, options: new RunOptions { RunId = "dry", WhatIf = true });

        Assert.Equal(RunStatus.WhatIf, status);
        Assert.False(File.Exists(sentinel));
        Assert.True(File.Exists(seen));
        Assert.Equal(["look:Succeeded", "change:WhatIf", "after:WhatIf"], results.Select(r => $"{r.StepId}:{r.Status}"));
        Assert.StartsWith("would run: touch", results[1].Message);
    }

    [Fact]
    public async Task DestructiveStepWithNoOneToAskFailsAndSaysHowToProceed()
    {
        var interaction = new RecordingInteraction { Decision = ConfirmDecision.NoOneToAsk };

        var (status, results, _, _) = await RunAsync("# D\n```bash {#drop .destructive}\necho dropped\n```\n", interaction);

        Assert.Equal(RunStatus.Failed, status);
        var drop = Assert.Single(results);
        Assert.Equal(StepStatus.Failed, drop.Status);
        Assert.Contains("-Force", drop.Error);
        Assert.Equal("", drop.Output);
    }

    [Fact]
    public async Task DeclinedConfirmationStopsTheRun()
    {
        var interaction = new RecordingInteraction { Decision = ConfirmDecision.No };

        var (status, results, _, _) = await RunAsync("# D\n```bash {#ask confirm=true}\necho yes\n```\n```bash {#then}\necho then\n```\n", interaction);

        Assert.Equal(RunStatus.Cancelled, status);
        Assert.Equal(["ask:Skipped"], results.Select(r => $"{r.StepId}:{r.Status}"));
    }

    [Fact]
    public async Task SecretsAreMaskedInOutputErrorsAndJournal()
    {
        const string secret = "hunter2-s3cr3t";

        var (_, results, interaction, journal) = await RunAsync(
            "# S\n```bash {#leak}\necho \"token=$Token\"; echo \"$Token\" >&2; exit 4\n```\n",
            environment: new() { ["Token"] = secret },
            options: new RunOptions { RunId = "secret", Parameters = new Dictionary<string, RunParameterValue> { ["Token"] = new(secret, true) } },
            masker: new SecretMasker([secret]));

        Assert.Contains("token=****", results[0].Output);
        Assert.DoesNotContain(secret, string.Join("\n", interaction.Lines));
        var everything = string.Join("\n", Directory.EnumerateFiles(Path.GetDirectoryName(journal)!, "*", SearchOption.AllDirectories).Select(File.ReadAllText));
        Assert.DoesNotContain(secret, everything);
        Assert.Contains("\"Token\":\"****\"", everything);
    }

    [Fact]
    public async Task CancellationMarksTheStepCancelledAndStillRunsFinally()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

        var (status, results, _, _) = await RunAsync("""
            # C
            ```bash {#long}
            sleep 20
            ```
            ```bash {#after}
            echo after
            ```
            ```bash {#always .finally}
            echo always
            ```
            """, cancellationToken: cancel.Token);

        Assert.Equal(RunStatus.Cancelled, status);
        Assert.Equal(["long:Cancelled", "always:Succeeded"], results.Select(r => $"{r.StepId}:{r.Status}"));
    }

    [Fact]
    public async Task JournalReadsBackAndATornLastLineIsIgnored()
    {
        var (_, _, _, journal) = await RunAsync("# J\n```bash {#one}\necho one\n```\n```bash {#two}\nexit 1\n```\n");
        var lines = File.ReadAllLines(journal);
        // What a kill -9 mid-run leaves: no run-end, and half a line.
        File.WriteAllLines(journal, lines.Where(l => !l.Contains("\"run-end\"")).Append("{\"type\":\"step-st"));

        var run = JournalReader.Read(journal)!;

        Assert.Equal(RunStatus.Incomplete, run.Status);
        Assert.Equal(["one"], JournalReader.EffectsInPlace(JournalReader.Entries(journal)));
        Assert.Equal("one\n", run.Steps[0].Output);
    }

    [Fact]
    public async Task ResumedRunSkipsWhatIsInPlace()
    {
        var (_, results, _, journal) = await RunAsync(
            "# R\n```bash {#one}\necho one\n```\n```bash {#two}\necho two\n```\n",
            options: new RunOptions { RunId = "resume", EffectsInPlace = ["one"], ResumedFrom = "earlier" });

        Assert.Equal(["one:Skipped", "two:Succeeded"], results.Select(r => $"{r.StepId}:{r.Status}"));
        Assert.Contains("earlier", results[0].Message);
        // Resumed in turn, the skipped step still counts as done.
        Assert.Equal(["one", "two"], JournalReader.EffectsInPlace(JournalReader.Entries(journal)).Order());
    }

    [Fact]
    public async Task AStepARollbackUndidIsNotInPlaceAndRunsAgainOnResume()
    {
        // The reported fault: -Resume skipped 'prepare' because its Main/Succeeded line counted, though its rollback undid it.
        const string Markdown = """
            # Resume
            ```bash {#prepare rollback=undo-prepare}
            echo prepared > "$MARK"
            ```
            ```bash {#apply}
            test -f "$MARK" && test -f "$MARK.ready"
            ```
            ```bash {#undo-prepare .rollback}
            rm -f "$MARK"
            ```
            """;
        var mark = Path.Combine(_folder.Path, "mark");
        var environment = new Dictionary<string, string> { ["MARK"] = mark };
        var (first, _, _, journal) = await RunAsync(Markdown, environment: environment);
        Assert.Equal(RunStatus.Failed, first);
        Assert.False(File.Exists(mark));

        var inPlace = JournalReader.EffectsInPlace(JournalReader.Entries(journal));
        File.WriteAllText(mark + ".ready", "fixed");
        var (second, results, _, _) = await RunAsync(Markdown, environment: environment,
            options: new RunOptions { RunId = "resume", EffectsInPlace = inPlace.ToList(), ResumedFrom = "first" });

        Assert.Empty(inPlace);
        Assert.Equal(RunStatus.Succeeded, second);
        Assert.Equal(["prepare:Succeeded", "apply:Succeeded"], results.Select(r => $"{r.StepId}:{r.Status}"));
    }

    [Fact]
    public async Task AResumeLimitedToSomeStepsCarriesTheRestOfWhatIsInPlace()
    {
        // The reported fault: a resume with -Step cc forgot that aa and bb were in place, so the next resume ran them again.
        var (_, results, _, journal) = await RunAsync(
            "# R\n```bash {#aa}\necho a\n```\n```bash {#bb}\necho b\n```\n```bash {#cc}\necho c\n```\n```bash {#dd}\necho d\n```\n",
            options: new RunOptions { RunId = "limited", EffectsInPlace = ["aa", "bb"], ResumedFrom = "earlier", Steps = ["cc"] });

        Assert.Equal(["cc:Succeeded"], results.Select(r => $"{r.StepId}:{r.Status}"));
        Assert.Equal(["aa", "bb", "cc"], JournalReader.EffectsInPlace(JournalReader.Entries(journal)).Order());
        var run = JournalReader.Read(journal)!;
        Assert.True(run.Limited);
        Assert.Equal(["cc"], run.Steps.Select(s => s.StepId)); // carried steps are not results of this run
    }

    [Fact]
    public void EffectStateFoldsTheJournalInOrder()
    {
        static JournalEntry End(string id, StepPhase phase, StepStatus status, bool carried = false) =>
            new() { Type = JournalEntryType.StepEnd, StepId = id, Phase = phase, Status = status, Carried = carried ? true : null };

        var inPlace = JournalReader.EffectsInPlace([
            End("a", StepPhase.Main, StepStatus.Skipped, carried: true),
            End("b", StepPhase.Main, StepStatus.Succeeded),
            End("c", StepPhase.Main, StepStatus.Skipped),          // when= was false: nothing in place
            End("d", StepPhase.Main, StepStatus.Succeeded),
            End("d", StepPhase.Rollback, StepStatus.Failed),       // its undo failed: not known to be in place
            End("e", StepPhase.Main, StepStatus.TimedOut),
            End("f", StepPhase.Finally, StepStatus.Succeeded),
        ]);

        Assert.Equal(["a", "b"], inPlace.Order());
    }

    [Fact]
    public void PlanSelectsSectionsWithTheirSubsectionsAndKeepsRollbackStepsOut()
    {
        var runbook = RunbookParser.Parse("""
            # Top
            ## A {#part-a}
            ```bash {#a1 rollback=undo}
            true
            ```
            ### A child
            ```bash {#a2}
            true
            ```
            ## B
            ```bash {#b1}
            true
            ```
            ```bash {#undo .rollback}
            true
            ```
            """, "/x.md");

        Assert.Equal(["a1", "a2", "b1"], RunPlan.For(runbook, new RunOptions { RunId = "x" }).Main.Select(s => s.Id));
        Assert.Equal(["a1", "a2"], RunPlan.For(runbook, new RunOptions { RunId = "x", Sections = ["part-a"] }).Main.Select(s => s.Id));
        Assert.Equal(["b1"], RunPlan.For(runbook, new RunOptions { RunId = "x", Steps = ["b1"] }).Main.Select(s => s.Id));
    }
}
