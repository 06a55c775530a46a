using System.Collections.Concurrent;
using FrostGuard.Engine.Runbooks.Execution;
using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Tests.Runbooks;

/// <summary>A PowerShell-language host that records what the runner asks of it.</summary>
internal sealed class FakeStepHost : IStepHost
{
    public ConcurrentQueue<StepInvocation> Invocations { get; } = new();
    public Func<RunbookStep, bool> Simulatable { get; init; } = _ => true;
    public Func<StepInvocation, StepAttempt> Outcome { get; init; } = _ => new StepAttempt(AttemptOutcome.Succeeded);

    public StepLanguage Language => StepLanguage.PowerShell;

    public bool CanSimulate(RunbookStep step, out string reason)
    {
        reason = "the fake says no";
        return Simulatable(step);
    }

    public Task<StepAttempt> RunAsync(StepInvocation invocation, IStepOutput output, CancellationToken cancellationToken)
    {
        Invocations.Enqueue(invocation);
        output.Line(OutputStream.Output, $"ran {invocation.Step.Id} simulate={invocation.Simulate}");
        return Task.FromResult(Outcome(invocation));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
