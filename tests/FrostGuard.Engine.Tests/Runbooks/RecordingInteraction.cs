using System.Collections.Concurrent;
using FrostGuard.Engine.Runbooks.Execution;
using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Tests.Runbooks;

/// <summary>The run's caller, as a test sees it: records results and output, answers questions as told.</summary>
internal sealed class RecordingInteraction : IRunInteraction
{
    public ConcurrentQueue<FrostStepResult> Results { get; } = new();
    public ConcurrentQueue<string> Lines { get; } = new();
    public ConfirmDecision Decision { get; init; } = ConfirmDecision.Yes;
    public Func<string, bool> Condition { get; init; } = _ => true;

    public Task<ConfirmDecision> ConfirmAsync(RunbookStep step, CancellationToken cancellationToken) => Task.FromResult(Decision);

    public Task<bool> EvaluateConditionAsync(RunbookStep step, CancellationToken cancellationToken) => Task.FromResult(Condition(step.When!));

    public void Progress(int done, int total, RunbookStep step) { }

    public void Result(FrostStepResult result) => Results.Enqueue(result);

    public void Output(RunbookStep step, OutputStream stream, string line) => Lines.Enqueue(line);
}
