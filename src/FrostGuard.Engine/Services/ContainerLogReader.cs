using Docker.DotNet;
using Docker.DotNet.Models;
using FrostGuard.Engine.Platform.Docker;

namespace FrostGuard.Engine.Services;

/// <summary>
/// Reads a container's log through the Engine API: the multiplexed stdout/stderr stream, split
/// into timestamped lines, filtered by a pattern; with Follow it streams until cancelled.
/// </summary>
public sealed class ContainerLogReader
{
    private readonly DockerGateway _docker;

    public ContainerLogReader(DockerGateway docker) => _docker = docker;

    /// <returns>The number of lines written.</returns>
    public async Task<int> ReadAsync(FrostService service, LogRequest request, Action<FrostLogEntry> write, CancellationToken cancellationToken)
    {
        var parameters = new ContainerLogsParameters
        {
            ShowStdout = true,
            ShowStderr = true,
            Timestamps = true,
            Follow = request.Follow,
            Tail = request.Tail?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "all",
            Since = request.Since?.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        using var stream = await _docker.CallAsync($"read the log of {service.Container}",
            (c, ct) => c.Containers.GetContainerLogsAsync(service.ContainerId, parameters, ct), cancellationToken).ConfigureAwait(false);

        var splitter = new LogLineSplitter(timestamps: true);
        var buffer = new byte[81920];
        var written = 0;
        while (true)
        {
            var read = await _docker.CallAsync($"read the log of {service.Container}",
                (_, ct) => stream.ReadOutputAsync(buffer, 0, buffer.Length, ct), cancellationToken).ConfigureAwait(false);
            if (read.EOF)
            {
                break;
            }

            written += Emit(splitter.Add(StreamName(read.Target), buffer.AsSpan(0, read.Count)));
        }

        return written + Emit(splitter.Flush());

        int Emit(IEnumerable<LogLine> lines)
        {
            var count = 0;
            foreach (var line in lines)
            {
                if (request.Pattern is { } pattern && !pattern.IsMatch(line.Message))
                {
                    continue;
                }

                write(new FrostLogEntry
                {
                    Service = service.Service,
                    Container = service.Container,
                    Timestamp = line.Timestamp,
                    Stream = line.Stream,
                    Message = line.Message,
                });
                count++;
            }

            return count;
        }
    }

    internal static string StreamName(MultiplexedStream.TargetStream target) => target switch
    {
        MultiplexedStream.TargetStream.StandardError => "stderr",
        MultiplexedStream.TargetStream.StandardIn => "stdin",
        _ => "stdout",
    };
}
