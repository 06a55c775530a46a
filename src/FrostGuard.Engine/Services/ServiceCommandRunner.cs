using System.Diagnostics;
using Docker.DotNet.Models;
using FrostGuard.Engine.Platform.Docker;

namespace FrostGuard.Engine.Services;

/// <summary>
/// Runs a one-off command inside a service's running container (Engine API exec, no TTY): its
/// output is streamed line by line as it comes, and the exec's own exit code is the result.
/// </summary>
public sealed class ServiceCommandRunner
{
    private readonly DockerGateway _docker;

    public ServiceCommandRunner(DockerGateway docker) => _docker = docker;

    public async Task<FrostServiceCommandResult> RunAsync(FrostService service, IReadOnlyList<string> command, string? user,
        Action<LogLine> write, CancellationToken cancellationToken)
    {
        if (!service.IsRunning)
        {
            throw new FrostException(ErrorIds.ServiceNotRunning, FailureKind.OperationFailed,
                $"Cannot run a command in {service.Container}: it is {service.State}.", service.Service,
                $"Start it first: Start-FrostService -Name {service.Service}");
        }

        var clock = Stopwatch.StartNew();
        var created = await _docker.CallAsync($"create an exec in {service.Container}", (c, ct) => c.Exec.CreateContainerExecAsync(service.ContainerId,
            new ContainerExecCreateParameters
            {
                Cmd = command.ToList(),
                AttachStdout = true,
                AttachStderr = true,
                TTY = false,
                User = user ?? "",
            }, ct), cancellationToken).ConfigureAwait(false);

        using (var stream = await _docker.CallAsync($"start the exec in {service.Container}",
                   (c, ct) => c.Exec.StartContainerExecAsync(created.ID, new ContainerExecStartParameters { Detach = false, TTY = false }, ct),
                   cancellationToken).ConfigureAwait(false))
        {
            var splitter = new LogLineSplitter(timestamps: false);
            var buffer = new byte[81920];
            while (true)
            {
                var read = await _docker.CallAsync($"read the output of the exec in {service.Container}",
                    (_, ct) => stream.ReadOutputAsync(buffer, 0, buffer.Length, ct), cancellationToken).ConfigureAwait(false);
                if (read.EOF)
                {
                    break;
                }

                foreach (var line in splitter.Add(ContainerLogReader.StreamName(read.Target), buffer.AsSpan(0, read.Count)))
                {
                    write(line);
                }
            }

            foreach (var line in splitter.Flush())
            {
                write(line);
            }
        }

        var inspected = await _docker.CallAsync($"read the exit code of the exec in {service.Container}",
            (c, ct) => c.Exec.InspectContainerExecAsync(created.ID, ct), cancellationToken).ConfigureAwait(false);
        return new FrostServiceCommandResult
        {
            Service = service.Service,
            Container = service.Container,
            Command = command,
            ExitCode = inspected.ExitCode ?? -1,
            Duration = clock.Elapsed,
        };
    }
}
