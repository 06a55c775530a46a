using System.ComponentModel;
using System.Diagnostics;
using FrostGuard.Engine.Platform.Os;
using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Runbooks.Execution;

/// <summary>
/// Runs bash steps as <c>bash -euo pipefail</c> children, parameters exported as environment
/// variables, stdout and stderr streamed line by line. Each step runs in its own session and
/// process group (setsid), told to the runner as it starts, so a timeout or Ctrl+C ends the whole
/// session (a <c>sleep &amp;</c> the step started included, even after bash itself exited, and a
/// <c>timeout</c> or <c>set -m</c> child in a group of its own): SIGTERM, then SIGKILL after a
/// grace. A process that left the session (its own setsid) is out of reach: once the session is
/// gone the step stops waiting for its output, and the result says that something still held it.
/// </summary>
public sealed class BashStepHost : IStepHost
{
    public static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(2);

    /// <summary>How long output may still arrive once the group was killed: what is left after it is not the step's to wait for.</summary>
    public static readonly TimeSpan DrainAfterKill = TimeSpan.FromSeconds(1);

    private readonly IReadOnlyDictionary<string, string> _environment;

    /// <param name="environment">Variables to export to every step (the run's parameters).</param>
    public BashStepHost(IReadOnlyDictionary<string, string> environment) => _environment = environment;

    public StepLanguage Language => StepLanguage.Bash;

    public bool CanSimulate(RunbookStep step, out string reason)
    {
        reason = "bash steps cannot honour -WhatIf; mark read-only steps .readonly to run them in a dry run";
        return false;
    }

    public async Task<StepAttempt> RunAsync(StepInvocation invocation, IStepOutput output, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("setsid")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = invocation.WorkingDirectory,
        };
        foreach (var argument in new[] { "bash", "--noprofile", "--norc", "-euo", "pipefail", "-c", invocation.Step.Code })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in _environment)
        {
            start.Environment[name] = value;
        }

        // Every process the step starts inherits it: after a dead runner, it tells the step's processes from strangers.
        var marker = StepSession.NewMarker();
        start.Environment[StepSession.MarkerVariable] = marker;

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            return new StepAttempt(AttemptOutcome.Failed, $"cannot start bash: {e.Message}");
        }

        // setsid runs in the child .NET forked (never a group leader), so it does not fork again:
        // bash keeps the pid, and it leads a new session and group of that number.
        var session = new StepSession(process.Id, StepSession.StartTime(process.Id), StepSession.ThisBoot, marker);
        invocation.ProcessStarted?.Invoke(session);

        process.StandardInput.Close();
        var reading = new OutputGate(output);
        var pipes = Task.WhenAll(PumpAsync(process.StandardOutput, OutputStream.Output, reading), PumpAsync(process.StandardError, OutputStream.Error, reading));
        // The step is over when bash has exited and its output is closed, or when it is stopped.
        var finished = Task.WhenAll(process.WaitForExitAsync(CancellationToken.None), pipes);
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (cancellationToken.Register(() => stopped.TrySetResult()))
        {
            await Task.WhenAny(finished, stopped.Task).ConfigureAwait(false);
        }

        if (finished.IsCompleted)
        {
            // It ended on its own (a timeout that fired just after changes nothing).
            return process.ExitCode == 0
                ? new StepAttempt(AttemptOutcome.Succeeded, null, 0)
                : new StepAttempt(AttemptOutcome.Failed, $"bash exited with code {process.ExitCode}", process.ExitCode);
        }

        await EndAsync(session).ConfigureAwait(false);
        await Task.WhenAny(finished, Task.Delay(DrainAfterKill, CancellationToken.None)).ConfigureAwait(false);
        var held = !finished.IsCompleted;
        reading.Close(); // what arrives after the result is built is not the step's
        return new StepAttempt(AttemptOutcome.Stopped,
            held ? $"its session {session.Session} was ended, but a process that left it (one that called setsid itself) still holds its output and was left running" : null,
            process.HasExited ? process.ExitCode : null);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static async Task PumpAsync(StreamReader reader, OutputStream stream, OutputGate output)
    {
        try
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                output.Line(stream, line);
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or IOException)
        {
            // The step was stopped and its pipes closed under the reader: what was read is kept.
        }
    }

    /// <summary>
    /// SIGTERM to every process of the step's session (children in process groups of their own,
    /// like <c>timeout</c>'s, included), then SIGKILL to what is left after a grace period; bash
    /// having exited changes nothing.
    /// </summary>
    private static async Task EndAsync(StepSession session)
    {
        _ = session.Signal(StepSession.SigTerm);
        if (!await session.EndedAsync(KillGrace, CancellationToken.None).ConfigureAwait(false))
        {
            _ = session.Signal(StepSession.SigKill);
        }
    }

    /// <summary>Passes lines on until closed: a process that escaped the step can write on after its result, and is not heard.</summary>
    private sealed class OutputGate(IStepOutput output)
    {
        private readonly object _gate = new();
        private bool _closed;

        public void Line(OutputStream stream, string line)
        {
            lock (_gate)
            {
                if (!_closed)
                {
                    output.Line(stream, line);
                }
            }
        }

        public void Close()
        {
            lock (_gate)
            {
                _closed = true;
            }
        }
    }
}
