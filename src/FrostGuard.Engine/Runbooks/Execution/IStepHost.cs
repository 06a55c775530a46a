using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Runbooks.Execution;

/// <summary>
/// Runs the steps of one language for one run. The runner drives hosts through this interface
/// and knows nothing of PowerShell: the PowerShell host lives in the cmdlet assembly, the bash
/// host here. A host stops the step's work when the token is cancelled (timeout or Ctrl+C).
/// </summary>
public interface IStepHost : IAsyncDisposable
{
    StepLanguage Language { get; }

    /// <summary>Whether the step can run safely with -WhatIf in effect; if not, why.</summary>
    bool CanSimulate(RunbookStep step, out string reason);

    Task<StepAttempt> RunAsync(StepInvocation invocation, IStepOutput output, CancellationToken cancellationToken);
}

/// <param name="Simulate">Run with $WhatIfPreference on (PowerShell only).</param>
public sealed record StepInvocation(RunbookStep Step, bool Simulate, string WorkingDirectory)
{
    /// <summary>Told the session of a step that runs as processes of its own (bash), as soon as it starts.</summary>
    public Action<FrostGuard.Engine.Platform.Os.StepSession>? ProcessStarted { get; init; }
}

public enum AttemptOutcome
{
    Succeeded,
    Failed,
    /// <summary>The token was cancelled: the runner tells a timeout from Ctrl+C.</summary>
    Stopped,
}

public sealed record StepAttempt(AttemptOutcome Outcome, string? Error = null, int? ExitCode = null);

public enum OutputStream
{
    Output,
    Error,
}

/// <summary>Receives a step's output line by line, as it is produced.</summary>
public interface IStepOutput
{
    void Line(OutputStream stream, string text);
}
