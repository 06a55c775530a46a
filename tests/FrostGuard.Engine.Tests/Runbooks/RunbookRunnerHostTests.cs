using FrostGuard.Engine.Runbooks.Execution;
using FrostGuard.Engine.Runbooks.Parsing;
using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Tests.Runbooks;

/// <summary>The runner against a fake PowerShell host: what it asks the host to do, and when.</summary>
public sealed class RunbookRunnerHostTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private async Task<(RunStatus, List<FrostStepResult>)> RunAsync(string markdown, FakeStepHost host, RunOptions options)
    {
        var runbook = RunbookParser.Parse(markdown, Path.Combine(_folder.Path, "r.md"));
        var interaction = new RecordingInteraction();
        using var journal = RunJournal.Create(_folder.Path, options.RunId);
        var outcome = await new RunbookRunner(runbook, options, [host, new BashStepHost(new Dictionary<string, string>())], interaction, journal, SecretMasker.None)
            .RunAsync(CancellationToken.None);
        return (outcome.Status, interaction.Results.ToList());
    }

    [Fact]
    public async Task DryRunSimulatesOnlyWhatTheHostProvesSafeAndRunsReadOnlyStepsForReal()
    {
        var host = new FakeStepHost { Simulatable = s => s.Id == "safe" };

        var (status, results) = await RunAsync("""
            # D
            ```pwsh {#look .readonly}
            Get-Thing
            ```
            ```pwsh {#safe}
            Set-Thing
            ```
            ```pwsh {#unsafe}
            [IO.File]::Delete('x')
            ```
            """, host, new RunOptions { RunId = "dry", WhatIf = true });

        Assert.Equal(RunStatus.WhatIf, status);
        Assert.Equal(["look:False", "safe:True"], host.Invocations.Select(i => $"{i.Step.Id}:{i.Simulate}"));
        Assert.Equal(["look:Succeeded", "safe:WhatIf", "unsafe:WhatIf"], results.Select(r => $"{r.StepId}:{r.Status}"));
        Assert.Contains("the fake says no", results[2].Message);
    }

    [Fact]
    public async Task AHostThatReportsStoppedWithoutCtrlCIsATimeout()
    {
        var host = new FakeStepHost { Outcome = _ => new StepAttempt(AttemptOutcome.Stopped) };

        var (status, results) = await RunAsync("# T\n```pwsh {#stuck timeout=1s}\nStart-Sleep 60\n```\n", host, new RunOptions { RunId = "t" });

        Assert.Equal(RunStatus.Failed, status);
        Assert.Equal(StepStatus.TimedOut, Assert.Single(results).Status);
    }

    [Fact]
    public async Task StepsOfBothLanguagesGoToTheirOwnHostsInDocumentOrder()
    {
        var host = new FakeStepHost();

        var (_, results) = await RunAsync("# M\n```pwsh {#p1}\nx\n```\n```bash {#b1}\necho b\n```\n```powershell {#p2}\ny\n```\n", host, new RunOptions { RunId = "m" });

        Assert.Equal(["p1", "b1", "p2"], results.Select(r => r.StepId));
        Assert.Equal(["p1", "p2"], host.Invocations.Select(i => i.Step.Id));
        Assert.Equal("b\n", results[1].Output);
    }
}
