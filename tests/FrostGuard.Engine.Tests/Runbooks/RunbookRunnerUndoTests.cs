using FrostGuard.Engine.Runbooks.Execution;
using FrostGuard.Engine.Runbooks.Parsing;
using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Tests.Runbooks;

/// <summary>The runner undoing a completed run (Undo-FrostRunbookRun), against a fake PowerShell host and a real journal.</summary>
public sealed class RunbookRunnerUndoTests : IDisposable
{
    private const string Patch = """
        # Patch
        ```pwsh {#stop rollback=start}
        Stop-App
        ```
        ```pwsh {#backup}
        Backup-Db
        ```
        ```pwsh {#patch rollback=unpatch}
        Install-Patch
        ```
        ```pwsh {#start .rollback}
        Start-App
        ```
        ```pwsh {#unpatch .rollback}
        Remove-Patch
        ```
        """;

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static FakeStepHost Failing(params string[] stepIds) =>
        new() { Outcome = i => new StepAttempt(stepIds.Contains(i.Step.Id) ? AttemptOutcome.Failed : AttemptOutcome.Succeeded) };

    private RunbookRunner Runner(FakeStepHost host, string runId, out RunJournal journal, RecordingInteraction? interaction = null)
    {
        var runbook = RunbookParser.Parse(Patch, Path.Combine(_folder.Path, "patch.md"));
        Assert.False(runbook.HasErrors, string.Join("\n", runbook.Findings));
        journal = RunJournal.Create(_folder.Path, runId);
        return new RunbookRunner(runbook, new RunOptions { RunId = runId }, [host], interaction ?? new RecordingInteraction(), journal, SecretMasker.None);
    }

    private async Task<RunOutcome> UndoAsync(FakeStepHost host, IReadOnlyList<string> inPlace, CancellationToken cancellationToken = default)
    {
        var runner = Runner(host, "undo-1", out var journal);
        using (journal)
        {
            return await runner.UndoAsync("run-1", inPlace, cancellationToken);
        }
    }

    private static IEnumerable<string> Said(IEnumerable<FrostStepResult> results) => results.Select(r => $"{r.StepId}:{r.Phase}:{r.Status}");

    [Fact]
    public async Task Undo_runs_the_rollbacks_of_the_steps_in_place_newest_first()
    {
        var host = new FakeStepHost();

        var outcome = await UndoAsync(host, ["stop", "patch"]);

        Assert.Equal(RunStatus.Succeeded, outcome.Status);
        Assert.Equal(["unpatch", "start"], host.Invocations.Select(i => i.Step.Id));
        Assert.Equal(["patch:Rollback:RolledBack", "stop:Rollback:RolledBack"], Said(outcome.Rollbacks));
        Assert.Equal(["patch", "stop"], outcome.RolledBack);
        Assert.Equal(["unpatch", "start"], outcome.Rollbacks.Select(r => r.RollbackStepId));
        Assert.Null(outcome.FailedStep);
    }

    [Fact]
    public async Task Undo_tells_each_rollback_under_the_step_it_undoes_with_the_rollbacks_output()
    {
        var outcome = await UndoAsync(new FakeStepHost(), ["patch"]);

        var undone = Assert.Single(outcome.Rollbacks);
        Assert.Equal(("patch", "undo-1"), (undone.StepId, undone.RunId));
        Assert.Equal("undone by rollback step 'unpatch'", undone.Message);
        Assert.Contains("ran unpatch", undone.Output);
    }

    [Fact]
    public async Task Undo_reports_a_step_without_a_rollback_as_skipped_and_leaves_its_effect()
    {
        var host = new FakeStepHost();

        var outcome = await UndoAsync(host, ["backup"]);

        Assert.Equal(RunStatus.Succeeded, outcome.Status);
        Assert.Empty(host.Invocations);
        var skipped = Assert.Single(outcome.Rollbacks);
        Assert.Equal("backup:Rollback:Skipped", $"{skipped.StepId}:{skipped.Phase}:{skipped.Status}");
        Assert.Equal("has no rollback step; its effect stays", skipped.Message);
        Assert.Empty(outcome.RolledBack);
    }

    [Fact]
    public async Task Undo_keeps_going_past_a_step_without_a_rollback()
    {
        var host = new FakeStepHost();

        var outcome = await UndoAsync(host, ["stop", "backup", "patch"]);

        Assert.Equal(["patch:Rollback:RolledBack", "backup:Rollback:Skipped", "stop:Rollback:RolledBack"], Said(outcome.Rollbacks));
        Assert.Equal(["unpatch", "start"], host.Invocations.Select(i => i.Step.Id));
    }

    [Fact]
    public async Task A_failing_rollback_fails_the_undo_and_the_other_rollbacks_still_run()
    {
        var host = Failing("unpatch");

        var outcome = await UndoAsync(host, ["stop", "patch"]);

        Assert.Equal(RunStatus.Failed, outcome.Status);
        Assert.Equal(["unpatch", "start"], host.Invocations.Select(i => i.Step.Id));
        Assert.Equal(["patch:Rollback:Failed", "stop:Rollback:RolledBack"], Said(outcome.Rollbacks));
        Assert.Equal("patch", outcome.FailedStep!.StepId);
        Assert.StartsWith("rollback step 'unpatch' failed", outcome.FailedStep.Error);
    }

    [Fact]
    public async Task A_step_the_runbook_no_longer_has_is_passed_over()
    {
        var host = new FakeStepHost();

        var outcome = await UndoAsync(host, ["stop", "removed-since"]);

        Assert.Equal(RunStatus.Succeeded, outcome.Status);
        Assert.Equal(["stop:Rollback:RolledBack"], Said(outcome.Rollbacks));
    }

    [Fact]
    public async Task An_undo_with_nothing_in_place_succeeds_and_runs_nothing()
    {
        var host = new FakeStepHost();

        var outcome = await UndoAsync(host, []);

        Assert.Equal(RunStatus.Succeeded, outcome.Status);
        Assert.Empty(host.Invocations);
        Assert.Empty(outcome.Rollbacks);
    }

    [Fact]
    public async Task A_cancelled_undo_runs_no_more_rollbacks()
    {
        var host = new FakeStepHost();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        var outcome = await UndoAsync(host, ["stop", "patch"], cancelled.Token);

        Assert.Equal(RunStatus.Cancelled, outcome.Status);
        Assert.Empty(host.Invocations);
    }

    [Fact]
    public async Task The_undo_journal_names_the_run_it_undoes()
    {
        var outcome = await UndoAsync(new FakeStepHost(), ["stop", "backup", "patch"]);

        var start = JournalReader.Entries(outcome.JournalPath)[0];
        Assert.Equal(JournalEntryType.RunStart, start.Type);
        Assert.Equal(("undo-1", "run-1"), (start.RunId, start.UndoOf));
        var run = JournalReader.Read(outcome.JournalPath)!;
        Assert.Equal(("undo-1", "run-1", RunStatus.Succeeded), (run.RunId, run.UndoOf, run.Status));
        Assert.Equal(["patch:Rollback:RolledBack", "backup:Rollback:Skipped", "stop:Rollback:RolledBack"], Said(run.Steps));
    }

    [Fact]
    public async Task An_ordinary_run_names_no_run_it_undoes()
    {
        var runner = Runner(new FakeStepHost(), "run-1", out var journal);
        using (journal)
        {
            await runner.RunAsync(CancellationToken.None);
        }

        Assert.Null(JournalReader.Read(journal.Path)!.UndoOf);
    }

    [Fact]
    public async Task A_completed_run_is_undone_from_what_its_journal_says_is_in_place()
    {
        // The whole path of Undo-FrostRunbookRun: run, read the effects from its journal, undo them.
        var runner = Runner(new FakeStepHost(), "run-1", out var runJournal);
        using (runJournal)
        {
            Assert.Equal(RunStatus.Succeeded, (await runner.RunAsync(CancellationToken.None)).Status);
        }

        var inPlace = JournalReader.EffectsInPlaceInOrder(JournalReader.Entries(runJournal.Path));
        var host = new FakeStepHost();
        var outcome = await UndoAsync(host, inPlace);

        Assert.Equal(["stop", "backup", "patch"], inPlace);
        Assert.Equal(["unpatch", "start"], host.Invocations.Select(i => i.Step.Id));
        Assert.Equal(["patch:Rollback:RolledBack", "backup:Rollback:Skipped", "stop:Rollback:RolledBack"], Said(outcome.Rollbacks));
    }

    [Fact]
    public async Task A_run_that_failed_and_rolled_back_leaves_nothing_to_undo()
    {
        var runner = Runner(Failing("patch"), "run-1", out var runJournal);
        using (runJournal)
        {
            Assert.Equal(RunStatus.Failed, (await runner.RunAsync(CancellationToken.None)).Status);
        }

        // stop rolled back, patch failed (and its rollback ran), backup has no rollback and stays.
        Assert.Equal(["backup"], JournalReader.EffectsInPlaceInOrder(JournalReader.Entries(runJournal.Path)));
    }

    [Fact]
    public async Task The_undo_reports_each_rollback_to_the_caller_as_it_ends()
    {
        var interaction = new RecordingInteraction();
        var runner = Runner(new FakeStepHost(), "undo-1", out var journal, interaction);
        using (journal)
        {
            await runner.UndoAsync("run-1", ["stop", "backup"], CancellationToken.None);
        }

        Assert.Equal(["backup:Rollback:Skipped", "stop:Rollback:RolledBack"], Said(interaction.Results));
    }
}
