using FrostGuard.Engine.Runbooks.Execution;
using FrostGuard.Engine.Runbooks.Parsing;
using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Tests.Runbooks;

/// <summary>The resume policy, out of the cmdlet: which run a resume continues, what it skips, and with which parameters.</summary>
public sealed class ResumePolicyTests : IDisposable
{
    private static readonly DateTimeOffset Monday = new(2025, 3, 3, 8, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();
    private readonly FrostRunbook _runbook;

    public ResumePolicyTests() => _runbook = RunbookParser.Parse("""
        ---
        parameters:
          - name: Env
          - name: Count
            type: int
          - name: Token
            secret: true
        ---
        # R
        ```pwsh {#one}
        one
        ```
        ```pwsh {#two}
        two
        ```
        """, Path.Combine(_folder.Path, "r.md"));

    public void Dispose() => _folder.Dispose();

    private string State => Path.Combine(_folder.Path, "state");

    private ResumePolicy Policy(string? deployment = null, bool force = false) => new(State, deployment, force);

    /// <summary>A run's journal as a runner writes it: its start, the steps that succeeded, and its end unless it was killed.</summary>
    private FrostRunbookRun Journal(string runId, int minutesAfterMonday, RunStatus? ended, bool whatIf = false, string? deployment = null,
        bool limited = false, string? contentHash = null, Dictionary<string, string>? parameters = null, params string[] succeeded)
    {
        var time = Monday.AddMinutes(minutesAfterMonday);
        using (var journal = RunJournal.Create(State, runId))
        {
            journal.Write(new JournalEntry
            {
                Type = JournalEntryType.RunStart, Time = time, RunId = runId, Runbook = _runbook.Path, ContentHash = contentHash ?? _runbook.ContentHash,
                WhatIf = whatIf, Deployment = deployment, Limited = limited ? true : null,
                Parameters = parameters ?? new() { ["Env"] = "staging", ["Count"] = "5", ["Token"] = SecretMasker.Mask },
            });
            foreach (var step in succeeded)
            {
                journal.Write(new JournalEntry { Type = JournalEntryType.StepEnd, Time = time, StepId = step, Phase = StepPhase.Main, Status = StepStatus.Succeeded });
            }

            if (ended is { } status)
            {
                journal.Write(new JournalEntry { Type = JournalEntryType.RunEnd, Time = time.AddSeconds(1), RunId = runId, RunStatus = status });
            }
        }

        return JournalReader.Read(Path.Combine(RunJournal.RunsFolder(State), runId + ".jsonl"))!;
    }

    private static FrostException Refused(Action resume)
    {
        var refused = Assert.Throws<FrostException>(resume);
        Assert.Equal(ErrorIds.RunbookResumeRefused, refused.ErrorId);
        return refused;
    }

    [Fact]
    public void WithNoEarlierRunThereIsNothingToResume()
    {
        var refused = Refused(() => Policy().RunToResume(_runbook));

        Assert.Contains("no earlier run", refused.Message);
        Assert.Contains("without a deployment", refused.Message);
        Assert.Equal(_runbook.Path, refused.Target);
    }

    [Fact]
    public void ASucceededRunIsNotResumedUnlessItRanOnlySomeSteps()
    {
        Journal("whole", 1, RunStatus.Succeeded);
        Assert.Contains("succeeded; there is nothing to resume", Refused(() => Policy().RunToResume(_runbook)).Message);

        Journal("limited", 2, RunStatus.Succeeded, limited: true);
        Assert.Equal("limited", Policy().RunToResume(_runbook).RunId);
    }

    [Fact]
    public void TheLatestRealRunAgainstTheSameDeploymentIsTheOneResumed()
    {
        Journal("failed", 1, RunStatus.Failed);
        Journal("dry-run", 2, RunStatus.WhatIf, whatIf: true);
        Journal("elsewhere", 3, RunStatus.Failed, deployment: "/etc/frostguard/other.json");
        Journal("killed", 4, ended: null, deployment: "/etc/frostguard/staging.json");

        Assert.Equal("failed", Policy().RunToResume(_runbook).RunId);
        var killed = Policy("/etc/frostguard/staging.json").RunToResume(_runbook);
        Assert.Equal("killed", killed.RunId);
        Assert.Equal(RunStatus.Incomplete, killed.Status);
    }

    [Fact]
    public void ARunbookThatChangedSinceIsResumedOnlyWhenForced()
    {
        Journal("before-edit", 1, RunStatus.Failed, contentHash: "0123abcd");

        Assert.Contains("changed since run before-edit", Refused(() => Policy().RunToResume(_runbook)).Message);
        Assert.Equal("before-edit", Policy(force: true).RunToResume(_runbook).RunId);
    }

    [Fact]
    public void ARunThatRanWhileTheResumeWasPreparedRefusesIt()
    {
        var chosen = Journal("chosen", 1, RunStatus.Failed);
        Assert.Equal("chosen", Policy().StillTheRunToResume(_runbook, chosen).RunId);

        Journal("meanwhile", 2, RunStatus.Failed);

        Assert.Contains("Run meanwhile of", Refused(() => Policy().StillTheRunToResume(_runbook, chosen)).Message);
    }

    [Fact]
    public void AResumeSkipsWhatTheRunItContinuesLeftInPlace()
    {
        var previous = Journal("earlier", 1, RunStatus.Failed, succeeded: "one");
        var fresh = new RunOptions { RunId = "now" };

        var resumed = ResumePolicy.Continuing(fresh, previous);

        Assert.Equal(["one"], resumed.EffectsInPlace);
        Assert.Equal("earlier", resumed.ResumedFrom);
        Assert.Same(fresh, ResumePolicy.Continuing(fresh, null));
    }

    [Fact]
    public void AResumeKeepsTheParametersOfTheRunItContinuesAndAsksForSecretsAgain()
    {
        var previous = Journal("earlier", 1, RunStatus.Failed);
        var asked = new List<string>();

        var merged = Policy().Parameters(_runbook, previous, new Dictionary<string, object?> { ["count"] = 5 }, p =>
        {
            asked.Add(p.Name);
            return "secret again";
        });

        Assert.Equal("staging", merged["Env"]);
        Assert.Equal(5, merged["Count"]);
        Assert.Equal("secret again", merged["Token"]);
        Assert.Equal(["Token"], asked);
    }

    [Fact]
    public void AResumeWithAnotherValueIsRefusedUnlessForced()
    {
        var previous = Journal("earlier", 1, RunStatus.Failed, parameters: new() { ["Env"] = "staging" });
        var given = new Dictionary<string, object?> { ["Env"] = "prod" };

        var refused = Refused(() => Policy().Parameters(_runbook, previous, given, _ => null));

        Assert.Contains("was 'staging' in run earlier and is 'prod' now", refused.Message);
        Assert.Equal("Env", refused.Target);
        Assert.Equal("prod", Policy(force: true).Parameters(_runbook, previous, given, _ => null)["Env"]);
    }

    [Fact]
    public void ASecretGivenBeforeWithNoOneToAskForItAgainIsMissing()
    {
        var previous = Journal("earlier", 1, RunStatus.Failed);

        var missing = Assert.Throws<FrostException>(() => Policy().Parameters(_runbook, previous, new Dictionary<string, object?>(), _ => null));

        Assert.Equal(ErrorIds.RunbookParameterMissing, missing.ErrorId);
        Assert.Contains("needs the secret 'Token' again", missing.Message);
    }

    [Fact]
    public void ASecretNotGivenBeforeIsNotAskedForAndAnUndeclaredNameIsPassedOnForBindingToRefuse()
    {
        var previous = Journal("earlier", 1, RunStatus.Failed, parameters: new() { ["Env"] = "staging", ["Token"] = "" });

        var merged = Policy().Parameters(_runbook, previous, new Dictionary<string, object?> { ["Typo"] = "x" }, _ => throw new InvalidOperationException("asked"));

        Assert.Equal(["Env", "Typo"], merged.Keys.Order());
    }
}
