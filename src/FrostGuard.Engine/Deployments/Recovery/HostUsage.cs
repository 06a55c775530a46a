using Docker.DotNet.Models;
using FrostGuard.Engine.Docker;

namespace FrostGuard.Engine.Deployments.Recovery;

/// <summary>A host folder a container mounts.</summary>
public sealed record BindUse(string Project, string Container, string Source, bool Writable);

/// <summary>
/// What the host's other deployments hold, as a recovery must see it before it starts anything:
/// the Compose project names of every container (running or not: `compose -p name` would take
/// over a stopped one), the host folders they mount and whether writable, and the TCP ports
/// something listens on (every container here uses the host's network).
/// </summary>
public sealed record HostUsage(IReadOnlySet<string> Projects, IReadOnlyList<BindUse> Binds, IReadOnlySet<int> ListeningPorts)
{
    public static async Task<HostUsage> ReadAsync(DockerGateway docker, CancellationToken cancellationToken)
    {
        IList<ContainerListResponse> containers = await docker.CallAsync("list the containers of this host",
            (c, ct) => c.Containers.ListContainersAsync(new ContainersListParameters { All = true }, ct), cancellationToken).ConfigureAwait(false);
        var projects = new SortedSet<string>(StringComparer.Ordinal);
        var binds = new List<BindUse>();
        foreach (var container in containers)
        {
            var project = container.Labels is not null && container.Labels.TryGetValue(ComposeLabels.Project, out var name) ? name : "";
            if (project.Length > 0)
            {
                projects.Add(project);
            }

            var containerName = container.Names?.FirstOrDefault()?.TrimStart('/') ?? container.ID;
            binds.AddRange((container.Mounts ?? []).Where(m => m.Type == "bind" && !string.IsNullOrEmpty(m.Source))
                .Select(m => new BindUse(project, containerName, m.Source, m.RW)));
        }

        return new HostUsage(projects, binds, ListeningSockets.PortsListeningHere());
    }
}
