using System.Management.Automation;
using FrostGuard.Engine.Platform.Reporting;
using FrostGuard.Engine.Runbooks.Execution;
using FrostGuard.Hosting;

namespace FrostGuard.Runbooks;

/// <summary>
/// The runner's caller, for Invoke-FrostRunbook: everything that must happen on the pipeline
/// thread (results, progress, live output, ShouldContinue) is posted to the cmdlet's queue.
/// </summary>
internal sealed class CmdletRunInteraction : IRunInteraction
{
    private readonly QueuedReporter _queue;
    private readonly PowerShellStepHost _powerShell;
    private readonly bool _force;
    private readonly bool _canAsk;
    private readonly string _activity;
    private long _lastProgress;

    public CmdletRunInteraction(QueuedReporter queue, PowerShellStepHost powerShell, bool force, bool canAsk, string activity)
    {
        _queue = queue;
        _powerShell = powerShell;
        _force = force;
        _canAsk = canAsk;
        _activity = activity;
    }

    public Task<ConfirmDecision> ConfirmAsync(RunbookStep step, CancellationToken cancellationToken)
    {
        if (_force)
        {
            return Task.FromResult(ConfirmDecision.Yes);
        }

        if (!_canAsk)
        {
            return Task.FromResult(ConfirmDecision.NoOneToAsk);
        }

        var answer = new TaskCompletionSource<ConfirmDecision>(TaskCreationOptions.RunContinuationsAsynchronously);
        var registration = cancellationToken.Register(() => answer.TrySetCanceled(cancellationToken));
        _queue.Post(cmdlet =>
        {
            try
            {
                var kind = step.IsDestructive ? "destructive step" : "step";
                var yes = cmdlet.ShouldContinue($"Run {kind} '{step.Id}' ({step.Name}), line {step.Line}?", "Confirm runbook step");
                answer.TrySetResult(yes ? ConfirmDecision.Yes : ConfirmDecision.No);
            }
            catch (Exception e) when (e is PSInvalidOperationException or System.Management.Automation.Host.HostException)
            {
                answer.TrySetResult(ConfirmDecision.NoOneToAsk);
            }
        });
        return answer.Task.ContinueWith(t => { registration.Dispose(); return t; }, TaskScheduler.Default).Unwrap();
    }

    public Task<bool> EvaluateConditionAsync(RunbookStep step, CancellationToken cancellationToken) =>
        Task.FromResult(_powerShell.Evaluate(step.When!));

    /// <summary>Progress at most ten times a second: a runbook of quick steps would spend its time drawing the bar.</summary>
    public void Progress(int done, int total, RunbookStep step)
    {
        var now = Environment.TickCount64;
        if (done > 0 && now - Interlocked.Read(ref _lastProgress) < 100)
        {
            return;
        }

        Interlocked.Exchange(ref _lastProgress, now);
        _queue.Progress(new ProgressUpdate(1, _activity, $"Step {done + 1} of {total}: {step.Id} ({step.Name})",
            total == 0 ? -1 : 100 * done / total));
    }

    public void Result(FrostStepResult result) => _queue.Post(cmdlet => cmdlet.WriteObject(result));

    public void Output(RunbookStep step, OutputStream stream, string line) =>
        _queue.Post(cmdlet => cmdlet.WriteInformation(
            new HostInformationMessage { Message = $"[{step.Id}] {line}", NoNewLine = false },
            ["PSHOST", "FrostGuard.StepOutput", stream == OutputStream.Error ? "stderr" : "stdout"]));
}
