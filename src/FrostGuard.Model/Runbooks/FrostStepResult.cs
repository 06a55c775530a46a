namespace FrostGuard.Runbooks;

/// <summary>
/// What happened to one step of a run, written as the step ends. A record: the runner derives
/// one result from another with <c>with</c> (the output file once written, a rollback's run
/// under the step it undoes), so no field is ever forgotten in a copy.
/// </summary>
public sealed record FrostStepResult
{
    public required string RunId { get; init; }
    public required string Runbook { get; init; }
    public string? Section { get; init; }
    public required string StepId { get; init; }
    public required string StepName { get; init; }
    public StepLanguage Language { get; init; }
    public StepStatus Status { get; init; }
    public StepPhase Phase { get; init; }
    public DateTimeOffset Start { get; init; }
    public TimeSpan Duration { get; init; }
    public int Attempts { get; init; }
    public int? ExitCode { get; init; }
    /// <summary>The step's output (stdout and stderr interleaved), secrets masked, capped.</summary>
    public string Output { get; init; } = "";
    public string? Error { get; init; }
    /// <summary>Why a step was skipped or only simulated, or what a rollback did.</summary>
    public string? Message { get; init; }
    /// <summary>For a rolled-back step: the step that undid it.</summary>
    public string? RollbackStepId { get; init; }
    /// <summary>The file holding the step's full output (capped, masked).</summary>
    public string? OutputFile { get; init; }

    public override string ToString() => $"{StepId}: {Status}";
}
