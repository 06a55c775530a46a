using FrostGuard.Engine.Platform;

namespace FrostGuard.Engine.Deployments;

/// <summary>The TCP ports a service's running containers listen on (host networking: on the host), read from their processes' sockets.</summary>
public static class ServicePorts
{
    /// <exception cref="UnauthorizedAccessException">Not root: the sockets of other users' processes cannot be read.</exception>
    public static async Task<IReadOnlyList<string>> ListeningAsync(FrostSession session, IEnumerable<FrostService> containers, CancellationToken cancellationToken)
    {
        var pids = new List<int>();
        foreach (var container in containers.Where(c => c.IsRunning))
        {
            var top = await session.Docker.CallAsync($"list the processes of {container.Container}",
                (c, ct) => c.Containers.ListProcessesAsync(container.ContainerId, new global::Docker.DotNet.Models.ContainerListProcessesParameters(), ct),
                cancellationToken).ConfigureAwait(false);
            var pidColumn = top.Titles.IndexOf("PID");
            pids.AddRange(top.Processes.Select(p => int.Parse(p[pidColumn], System.Globalization.CultureInfo.InvariantCulture)));
        }

        return ListeningSockets.ForProcesses(pids);
    }
}
