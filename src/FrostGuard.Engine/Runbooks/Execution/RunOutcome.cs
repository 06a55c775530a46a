using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Runbooks.Execution;

/// <summary>What a run came to, as the runner saw it: no caller has to read it back from the results.</summary>
public sealed record RunOutcome
{
    public required string RunId { get; init; }
    public required RunStatus Status { get; init; }
    /// <summary>
    /// The result that failed the run: the main step that stopped it (not one allowed to fail
    /// with continue-on-error), or else the first finally step that failed. Null unless the run failed.
    /// </summary>
    public FrostStepResult? FailedStep { get; init; }
    /// <summary>The rollbacks that ran after the failure, in the order they ran, each under the step it undid (RolledBack, or Failed).</summary>
    public IReadOnlyList<FrostStepResult> Rollbacks { get; init; } = [];
    /// <summary>Every result of the run, in the order the steps ended.</summary>
    public IReadOnlyList<FrostStepResult> Results { get; init; } = [];
    public required string JournalPath { get; init; }

    /// <summary>The steps a rollback undid, in the order they were undone.</summary>
    public IReadOnlyList<string> RolledBack => Rollbacks.Where(r => r.Status == StepStatus.RolledBack).Select(r => r.StepId).ToList();
}
