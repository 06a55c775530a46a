using System.ComponentModel;
using System.Diagnostics;
using FrostGuard.Engine.Os;
using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Runbooks.Execution;

/// <summary>
/// Runs bash steps as <c>bash -euo pipefail</c> children, parameters exported as environment
/// variables, stdout and stderr streamed line by line. Each step runs in its own session and
/// process group (setsid), told to the runner as it starts, so a timeout or Ctrl+C ends the whole
/// group (a <c>sleep &amp;</c> the step started included, even after bash itself exited): SIGTERM,
/// then SIGKILL after a grace. A process that left the group (its own setsid) is out of reach:
/// once the group is gone the step stops waiting for its output, and the result says that
/// something still held it.
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
        var group = process.Id;
        var leaderStart = ProcessGroups.StartTime(group);
        if (leaderStart is { } known)
        {
            invocation.ProcessStarted?.Invoke(group, known);
        }

        process.StandardInput.Close();
        var pipes = Task.WhenAll(PumpAsync(process.StandardOutput, OutputStream.Output, output), PumpAsync(process.StandardError, OutputStream.Error, output));
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (cancellationToken.Register(() =>
        {
            KillGroup(group, leaderStart);
            stopped.TrySetResult();
        }))
        {
            // The step is over when bash has exited and its output is closed, or when it is stopped.
            await Task.WhenAny(Task.WhenAll(process.WaitForExitAsync(CancellationToken.None), pipes), stopped.Task).ConfigureAwait(false);
            if (stopped.Task.IsCompleted)
            {
                await Task.WhenAny(Task.WhenAll(process.WaitForExitAsync(CancellationToken.None), pipes), Task.Delay(KillGrace + DrainAfterKill, CancellationToken.None)).ConfigureAwait(false);
            }
        }

        if (cancellationToken.IsCancellationRequested)
        {
            var held = !pipes.IsCompleted || !process.HasExited;
            return new StepAttempt(AttemptOutcome.Stopped,
                held ? $"its process group {group} was ended, but a process outside it (one that called setsid itself) still holds its output and was left running" : null,
                process.HasExited ? process.ExitCode : null);
        }

        return process.ExitCode == 0
            ? new StepAttempt(AttemptOutcome.Succeeded, null, 0)
            : new StepAttempt(AttemptOutcome.Failed, $"bash exited with code {process.ExitCode}", process.ExitCode);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static async Task PumpAsync(StreamReader reader, OutputStream stream, IStepOutput output)
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
    /// SIGTERM to the step's process group, then SIGKILL to what is left after a grace period;
    /// bash having exited changes nothing. The SIGKILL goes only to the step's own group, known by
    /// its leader's start time: once the group is gone its number may belong to another.
    /// </summary>
    private static void KillGroup(int group, long? leaderStart)
    {
        _ = ProcessGroups.Signal(group, ProcessGroups.SigTerm);
        if (leaderStart is not { } started)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            await Task.Delay(KillGrace).ConfigureAwait(false);
            if (ProcessGroups.IsAlive(group, started))
            {
                _ = ProcessGroups.Signal(group, ProcessGroups.SigKill);
            }
        });
    }
}
