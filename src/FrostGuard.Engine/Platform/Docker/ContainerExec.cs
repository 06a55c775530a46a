using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;
using FrostGuard.Engine.Platform.Os;

namespace FrostGuard.Engine.Platform.Docker;

/// <summary>What a finished exec reported: its exit code (null when Docker lost it, e.g. the container stopped) and the end of its stderr.</summary>
public sealed record ExecResult(long? ExitCode, string StandardError, Exception? InputFailure)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>
/// Runs one command in a container through the Engine API (TTY off), feeding its stdin and
/// handing its demultiplexed stdout to a sink chunk by chunk, never buffering it. The exec's
/// own exit code is the result. Cancellation, or a sink that fails, ends the process: the Engine
/// API cannot kill an exec, so the host PID from exec inspect is signalled.
/// </summary>
public sealed class ContainerExec
{
    private const int StderrLimit = 16 * 1024;

    private readonly DockerGateway _docker;
    private readonly string _containerId;
    private readonly string _containerName;

    public ContainerExec(DockerGateway docker, string containerId, string containerName)
    {
        _docker = docker;
        _containerId = containerId;
        _containerName = containerName;
    }

    /// <param name="output">
    /// Where the command writes its data instead of stdout (<see cref="ContainerFifo"/>); what it
    /// writes there goes to <paramref name="onStdout"/>, and anything on stdout is kept with stderr.
    /// </param>
    public async Task<ExecResult> RunAsync(
        IReadOnlyList<string> command,
        Func<IAttachedStream, CancellationToken, Task>? feedStdin,
        Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> onStdout,
        CancellationToken cancellationToken,
        ContainerFifo? output = null)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var what = $"run {Path.GetFileName(command[0])} in container {_containerName}";
        var created = await _docker.CallAsync(what, (c, ct) => c.Exec.CreateContainerExecAsync(_containerId, new ContainerExecCreateParameters
        {
            AttachStdin = feedStdin is not null,
            AttachStdout = true,
            AttachStderr = true,
            TTY = false,
            Cmd = command.ToList(),
            // Names this process: if it dies, the next FrostGuard command finds and ends what it left running here.
            Env = [OrphanedWork.OwnerEntry],
        }, ct), cancellationToken).ConfigureAwait(false);
        var execId = created.ID;

        using var stream = await _docker.StartExecAsync(execId, what, cancellationToken).ConfigureAwait(false);

        // From here the process runs: every way out goes through the pump, which ends only when
        // the process's output ends.
        using var killOnCancel = cancellationToken.Register(() => _ = TerminateAsync(execId));
        var unexpectedStdout = new StringBuilder();
        output?.StartReading(onStdout, () => TerminateAsync(execId), cancellationToken);
        var outcome = await AttachedStreamPump.RunAsync(stream, feedStdin,
            output is null ? onStdout : (chunk, _) => KeepText(unexpectedStdout, chunk),
            () => TerminateAsync(execId), cancellationToken).ConfigureAwait(false);
        var exitCode = await WaitForExitAsync(execId).ConfigureAwait(false);
        var outputFailure = output is null ? null : await output.FinishAsync().ConfigureAwait(false);
        var sinkFailure = outcome.SinkFailure ?? outputFailure;
        if (sinkFailure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(sinkFailure).Throw();
        }

        cancellationToken.ThrowIfCancellationRequested();
        var standardError = unexpectedStdout.Length == 0 ? outcome.StandardError : (outcome.StandardError + " " + unexpectedStdout).Trim();
        return new ExecResult(exitCode, standardError, outcome.InputFailure);
    }

    /// <summary>Appends a chunk as text, up to <see cref="StderrLimit"/> characters.</summary>
    private static ValueTask KeepText(StringBuilder text, ReadOnlyMemory<byte> chunk)
    {
        if (text.Length < StderrLimit)
        {
            text.Append(Encoding.UTF8.GetString(chunk.Span));
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Runs a short command and returns its stdout as text (for versions and paths).</summary>
    public async Task<(ExecResult Result, string Output)> RunForTextAsync(IReadOnlyList<string> command, CancellationToken cancellationToken)
    {
        var output = new StringBuilder();
        var result = await RunAsync(command, null, (chunk, _) => KeepText(output, chunk), cancellationToken).ConfigureAwait(false);
        return (result, output.ToString().Trim());
    }

    private async Task<long?> WaitForExitAsync(string execId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            ContainerExecInspectResponse inspect;
            try
            {
                inspect = await _docker.Client.Exec.InspectContainerExecAsync(execId, CancellationToken.None).ConfigureAwait(false);
            }
            catch (DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return null; // the container stopped and Docker dropped the exec with it
            }

            if (!inspect.Running)
            {
                return inspect.ExitCode;
            }

            if (DateTime.UtcNow > deadline)
            {
                return null;
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    /// <summary>Ends the exec's process: SIGTERM to its host PID, or from inside the container when this user may not signal it.</summary>
    private async Task TerminateAsync(string execId)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            ContainerExecInspectResponse inspect;
            try
            {
                inspect = await _docker.Client.Exec.InspectContainerExecAsync(execId, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is DockerApiException or IOException or HttpRequestException)
            {
                return; // the exec is gone, and its process with it
            }

            if (!inspect.Running && inspect.ExitCode is not null)
            {
                return;
            }

            if (inspect.Pid > 0)
            {
                var error = Posix.Kill((int)inspect.Pid, Posix.SigTerm);
                if (error == 1)
                {
                    await KillFromInsideAsync((int)inspect.Pid).ConfigureAwait(false);
                }

                return;
            }

            await Task.Delay(20).ConfigureAwait(false); // started but no PID reported yet
        }
    }

    private async Task KillFromInsideAsync(long hostPid)
    {
        var status = await File.ReadAllLinesAsync($"/proc/{hostPid}/status").ConfigureAwait(false);
        var nsPid = status.FirstOrDefault(l => l.StartsWith("NSpid:", StringComparison.Ordinal))?
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        if (nsPid is null)
        {
            return;
        }

        var created = await _docker.Client.Exec.CreateContainerExecAsync(_containerId, new ContainerExecCreateParameters
        {
            Cmd = ["kill", "-TERM", nsPid],
            AttachStdout = false,
            AttachStderr = false,
        }, CancellationToken.None).ConfigureAwait(false);
        using var stream = await _docker.Client.Exec.StartContainerExecAsync(created.ID,
            new ContainerExecStartParameters { Detach = false }, CancellationToken.None).ConfigureAwait(false);
        await WaitForExitAsync(created.ID).ConfigureAwait(false);
    }
}
