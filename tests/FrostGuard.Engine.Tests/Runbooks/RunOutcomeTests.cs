using FrostGuard.Engine.Runbooks.Execution;
using FrostGuard.Engine.Runbooks.Parsing;
using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Tests.Runbooks;

/// <summary>What RunAsync returns: the caller learns which step failed and what was undone without reading the results back.</summary>
public sealed class RunOutcomeTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Steps named in <paramref name="failing"/> fail with "broke &lt;id&gt;"; the rest succeed.</summary>
    private async Task<(RunOutcome Outcome, RecordingInteraction Interaction)> RunAsync(string markdown, params string[] failing)
    {
        var runbook = RunbookParser.Parse(markdown, Path.Combine(_folder.Path, "r.md"));
        Assert.False(runbook.HasErrors, string.Join("\n", runbook.Findings));
        var host = new FakeStepHost
        {
            Outcome = i => failing.Contains(i.Step.Id) ? new StepAttempt(AttemptOutcome.Failed, $"broke {i.Step.Id}", 2) : new StepAttempt(AttemptOutcome.Succeeded, null, 0),
        };
        var interaction = new RecordingInteraction();
        var options = new RunOptions { RunId = "run-7" };
        using var journal = RunJournal.Create(_folder.Path, options.RunId);
        var outcome = await new RunbookRunner(runbook, options, [host], interaction, journal, SecretMasker.None).RunAsync(CancellationToken.None);
        return (outcome, interaction);
    }

    private const string Deploy = """
        # Deploy
        ```pwsh {#prepare rollback=undo-prepare}
        prepare
        ```
        ```pwsh {#may-fail continue-on-error=true}
        optional
        ```
        ```pwsh {#apply rollback=undo-apply}
        apply
        ```
        ```pwsh {#never}
        never
        ```
        ```pwsh {#undo-prepare .rollback}
        undo prepare
        ```
        ```pwsh {#undo-apply .rollback}
        undo apply
        ```
        ```pwsh {#cleanup .finally}
        cleanup
        ```
        """;

    [Fact]
    public async Task TheFailedStepIsTheOneThatStoppedTheRunNotAnEarlierOneAllowedToFail()
    {
        var (outcome, _) = await RunAsync(Deploy, "may-fail", "apply");

        Assert.Equal(RunStatus.Failed, outcome.Status);
        Assert.Equal("apply", outcome.FailedStep?.StepId);
        Assert.Equal(StepPhase.Main, outcome.FailedStep?.Phase);
        Assert.Equal("broke apply", outcome.FailedStep?.Error);
    }

    [Fact]
    public async Task TheRollbacksThatRanAreListedInTheOrderTheyRanWithTheirResults()
    {
        var (outcome, interaction) = await RunAsync(Deploy, "apply", "undo-prepare");

        Assert.Equal(["apply:RolledBack:undo-apply", "prepare:Failed:undo-prepare"],
            outcome.Rollbacks.Select(r => $"{r.StepId}:{r.Status}:{r.RollbackStepId}"));
        Assert.All(outcome.Rollbacks, r => Assert.Equal(StepPhase.Rollback, r.Phase));
        Assert.Equal(["apply"], outcome.RolledBack);
        Assert.Contains("broke undo-prepare", outcome.Rollbacks[1].Error);
        // The outcome's results are the ones the caller was handed, in order, finally step included.
        Assert.Equal(interaction.Results, outcome.Results);
        Assert.Equal(["prepare", "may-fail", "apply", "apply", "prepare", "cleanup"], outcome.Results.Select(r => r.StepId));
    }

    [Fact]
    public async Task AFailedFinallyStepFailsTheRunAndIsTheFailedStep()
    {
        var (outcome, _) = await RunAsync(Deploy, "may-fail", "cleanup");

        Assert.Equal(RunStatus.Failed, outcome.Status);
        Assert.Equal("cleanup", outcome.FailedStep?.StepId);
        Assert.Equal(StepPhase.Finally, outcome.FailedStep?.Phase);
        Assert.Empty(outcome.Rollbacks);
    }

    [Fact]
    public async Task ASucceededRunHasNoFailedStepNoRollbacksAndNamesItsRunAndJournal()
    {
        var (outcome, _) = await RunAsync(Deploy);

        Assert.Equal(RunStatus.Succeeded, outcome.Status);
        Assert.Null(outcome.FailedStep);
        Assert.Empty(outcome.Rollbacks);
        Assert.Equal("run-7", outcome.RunId);
        Assert.Equal(Path.Combine(_folder.Path, "runs", "run-7.jsonl"), outcome.JournalPath);
        Assert.Equal("run-7", JournalReader.Read(outcome.JournalPath)?.RunId);
    }

    [Fact]
    public async Task ACancelledRunHasNoFailedStep()
    {
        var runbook = RunbookParser.Parse("# C\n```pwsh {#one}\nx\n```\n", Path.Combine(_folder.Path, "c.md"));
        using var journal = RunJournal.Create(_folder.Path, "cancelled");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var outcome = await new RunbookRunner(runbook, new RunOptions { RunId = "cancelled" }, [new FakeStepHost()], new RecordingInteraction(), journal, SecretMasker.None)
            .RunAsync(cancelled.Token);

        Assert.Equal(RunStatus.Cancelled, outcome.Status);
        Assert.Null(outcome.FailedStep);
        Assert.Empty(outcome.Results);
    }
}
