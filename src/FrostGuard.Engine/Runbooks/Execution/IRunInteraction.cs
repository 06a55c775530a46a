using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Runbooks.Execution;

public enum ConfirmDecision
{
    Yes,
    No,
    /// <summary>Nobody can be asked (non-interactive) and -Force was not given.</summary>
    NoOneToAsk,
}

/// <summary>What the runner needs from whoever started the run.</summary>
public interface IRunInteraction
{
    /// <summary>Asks before a .destructive or confirm=true step.</summary>
    Task<ConfirmDecision> ConfirmAsync(RunbookStep step, CancellationToken cancellationToken);

    /// <summary>Evaluates a step's when= expression (PowerShell) with the run's variables.</summary>
    Task<bool> EvaluateConditionAsync(RunbookStep step, CancellationToken cancellationToken);

    /// <summary>Progress over the run; may be called from any thread.</summary>
    void Progress(int done, int total, RunbookStep step);

    /// <summary>Each result as soon as its step ends; may be called from any thread.</summary>
    void Result(FrostStepResult result);

    /// <summary>A line of a step's output as it is produced (already masked).</summary>
    void Output(RunbookStep step, OutputStream stream, string line);
}
