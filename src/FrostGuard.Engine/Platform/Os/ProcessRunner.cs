using System.Diagnostics;
using System.Text;

namespace FrostGuard.Engine.Platform.Os;

/// <summary>One external program to run: its path or name and its argument list, never a command string.</summary>
public sealed record ProcessRequest(string FileName, IReadOnlyList<string> Arguments)
{
    /// <summary>The folder it runs in; this process's when null.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Variables set (or replaced) in its environment.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>After this, the process and every process it started are killed.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Each line of its standard output and error, as it comes.</summary>
    public Action<string>? Line { get; init; }

    public override string ToString() => string.Join(' ', [FileName, .. Arguments]);
}

/// <summary>The exit code and the output of an external program.</summary>
public sealed record ToolResult(int ExitCode, string Output)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut;

    /// <summary>What it wrote to its standard output alone (a document it prints, without its warnings).</summary>
    public string StandardOutput { get; init; } = "";

    /// <summary>What it wrote to its standard error alone.</summary>
    public string StandardError { get; init; } = "";

    /// <summary>It did not finish within its timeout and was killed (the exit code is then the kill's).</summary>
    public bool TimedOut { get; init; }

    /// <summary>The last lines of the output, for a message.</summary>
    public string Tail(int lines = 6)
    {
        var all = Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(" | ", all.TakeLast(lines));
    }
}

/// <summary>
/// The one way FrostGuard runs an external program (Compose, git, chown, systemctl, the security
/// audit's tools, bash -n): an argument list, stdin closed, stdout and stderr collected (and each
/// line passed on as it comes); past its timeout the process tree it started is killed, nothing
/// else. A program that cannot start is a <see cref="ErrorIds.ToolNotFound"/>.
/// </summary>
public static class ProcessRunner
{
    public static async Task<ToolResult> RunAsync(ProcessRequest request, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(request.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (request.WorkingDirectory is { } folder)
        {
            start.WorkingDirectory = folder;
        }

        foreach (var argument in request.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in request.Environment)
        {
            start.Environment[name] = value;
        }

        var output = new StringBuilder();
        var standardOutput = new StringBuilder();
        var standardError = new StringBuilder();
        using var process = new Process { StartInfo = start };
        DataReceivedEventHandler Collect(StringBuilder stream) => (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(e.Data);
                stream.AppendLine(e.Data);
            }

            request.Line?.Invoke(e.Data);
        };

        process.OutputDataReceived += Collect(standardOutput);
        process.ErrorDataReceived += Collect(standardError);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            var tool = Path.GetFileName(request.FileName);
            throw new FrostException(ErrorIds.ToolNotFound, FailureKind.NotFound,
                $"Cannot run {request.FileName}: {e.Message}.", request.FileName,
                $"Install {tool} (Debian: apt-get install {(tool.Contains("compose", StringComparison.Ordinal) ? "docker-compose" : tool)}) or put it on PATH.", e);
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(request.Timeout);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            timedOut = true;
        }

        // The exit event can come before the last lines of output.
        process.WaitForExit();
        lock (output)
        {
            return new ToolResult(process.ExitCode, output.ToString())
            {
                StandardOutput = standardOutput.ToString(), StandardError = standardError.ToString(), TimedOut = timedOut,
            };
        }
    }

    /// <summary>Runs a tool of the deployment (Compose, git, chown) in a folder; one that hangs past its timeout is an error naming it.</summary>
    public static async Task<ToolResult> RunToolAsync(string fileName, IEnumerable<string> arguments, string workingDirectory,
        TimeSpan timeout, Action<string>? line, CancellationToken cancellationToken)
    {
        var request = new ProcessRequest(fileName, arguments.ToList())
        {
            WorkingDirectory = workingDirectory,
            Timeout = timeout,
            Line = line,
            // Compose v1 draws progress with escape codes unless told there is no terminal; git must never prompt.
            Environment = new Dictionary<string, string> { ["COMPOSE_INTERACTIVE_NO_CLI"] = "1", ["GIT_TERMINAL_PROMPT"] = "0" },
        };
        var result = await RunAsync(request, cancellationToken).ConfigureAwait(false);
        if (result.TimedOut)
        {
            throw new FrostException(ErrorIds.ComposeFailed, FailureKind.OperationFailed,
                $"{request} did not finish within {timeout.TotalSeconds:0} s and was stopped. Its output: {result.Tail()}",
                fileName, $"Run it by hand in {workingDirectory} to see where it hangs.");
        }

        return result;
    }
}
