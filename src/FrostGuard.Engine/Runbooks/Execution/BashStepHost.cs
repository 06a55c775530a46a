using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Runbooks.Execution;

/// <summary>
/// Runs bash steps as <c>bash -euo pipefail</c> children, parameters exported as environment
/// variables, stdout and stderr streamed line by line. Each step runs in its own session and
/// process group, so a timeout or Ctrl+C kills the whole tree (a <c>sleep</c> started by the
/// step included), not just bash.
/// </summary>
public sealed partial class BashStepHost : IStepHost
{
    private const int SigTerm = 15;
    private const int SigKill = 9;
    private static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(2);

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

        process.StandardInput.Close();
        var stdout = PumpAsync(process.StandardOutput, OutputStream.Output, output);
        var stderr = PumpAsync(process.StandardError, OutputStream.Error, output);
        await using (cancellationToken.Register(() => KillTree(process)))
        {
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            await Task.WhenAll(stdout, stderr).ConfigureAwait(false);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return new StepAttempt(AttemptOutcome.Stopped, null, process.ExitCode);
        }

        return process.ExitCode == 0
            ? new StepAttempt(AttemptOutcome.Succeeded, null, 0)
            : new StepAttempt(AttemptOutcome.Failed, $"bash exited with code {process.ExitCode}", process.ExitCode);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static async Task PumpAsync(StreamReader reader, OutputStream stream, IStepOutput output)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            output.Line(stream, line);
        }
    }

    /// <summary>SIGTERM to the step's process group, then SIGKILL if anything is left after a grace period.</summary>
    private static void KillTree(Process process)
    {
        int group;
        try
        {
            if (process.HasExited)
            {
                return;
            }

            group = process.Id;
        }
        catch (InvalidOperationException)
        {
            return;
        }

        _ = Kill(-group, SigTerm);
        _ = Task.Run(async () =>
        {
            await Task.Delay(KillGrace).ConfigureAwait(false);
            _ = Kill(-group, SigKill);
        });
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
