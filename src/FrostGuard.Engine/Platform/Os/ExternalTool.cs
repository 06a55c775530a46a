using System.Diagnostics;
using System.Text;

namespace FrostGuard.Engine.Platform.Os;

/// <summary>The exit code and the combined output of an external tool.</summary>
public sealed record ToolResult(int ExitCode, string Output)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>What the tool wrote to its standard output alone (a document it prints, without its warnings).</summary>
    public string StandardOutput { get; init; } = "";

    /// <summary>The last lines of the output, for a message.</summary>
    public string Tail(int lines = 6)
    {
        var all = Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(" | ", all.TakeLast(lines));
    }
}

/// <summary>
/// Runs an external tool (Compose, git, chown) with an argument list, never a command string,
/// each output line reported as verbose as it comes; a run past its timeout is ended by its
/// own process id (the process tree FrostGuard started, nothing else).
/// </summary>
public static class ExternalTool
{
    public static async Task<ToolResult> RunAsync(string fileName, IEnumerable<string> arguments, string workingDirectory,
        TimeSpan timeout, Action<string>? line, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Compose v1 draws progress with escape codes unless it is told there is no terminal.
        start.Environment["COMPOSE_INTERACTIVE_NO_CLI"] = "1";
        start.Environment["GIT_TERMINAL_PROMPT"] = "0";
        var output = new StringBuilder();
        var standardOutput = new StringBuilder();
        using var process = new Process { StartInfo = start };
        void CollectStandardOutput(object? sender, DataReceivedEventArgs e)
        {
            if (e.Data is not null)
            {
                lock (output)
                {
                    standardOutput.AppendLine(e.Data);
                }
            }

            Collect(sender, e);
        }

        void Collect(object? sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(e.Data);
            }

            line?.Invoke(e.Data);
        }

        process.OutputDataReceived += CollectStandardOutput;
        process.ErrorDataReceived += Collect;
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new FrostException(ErrorIds.ToolNotFound, FailureKind.NotFound,
                $"Cannot run {fileName}: {e.Message}.", fileName,
                $"Install {fileName} (Debian: apt-get install {(fileName.Contains("compose", StringComparison.Ordinal) ? "docker-compose" : fileName)}) or put it on PATH.", e);
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            throw new FrostException(ErrorIds.ComposeFailed, FailureKind.OperationFailed,
                $"{fileName} {string.Join(' ', start.ArgumentList)} did not finish within {timeout.TotalSeconds:0} s and was stopped. Its output: {new ToolResult(-1, output.ToString()).Tail()}",
                fileName, $"Run it by hand in {workingDirectory} to see where it hangs.");
        }

        // The exit event can come before the last lines of output.
        process.WaitForExit();
        lock (output)
        {
            return new ToolResult(process.ExitCode, output.ToString()) { StandardOutput = standardOutput.ToString() };
        }
    }
}
