using Docker.DotNet.Models;
using FrostGuard.Engine.Platform.Docker;

namespace FrostGuard.Engine.Deployments.Recovery;

/// <summary>A host folder a container mounts.</summary>
public sealed record BindUse(string Project, string Container, string Source, bool Writable);

/// <summary>
/// What the host's other deployments hold, as a recovery must see it before it starts anything:
/// the Compose project names of every container, volume and network (running or not: `compose
/// -p name` would take over a stopped container, and `down --volumes` remove its volumes), the
/// container names, the host folders they mount and whether writable, the volume names, and the
/// TCP ports something listens on (every container here uses the host's network).
/// </summary>
public sealed record HostUsage(IReadOnlySet<string> Projects, IReadOnlyList<BindUse> Binds, IReadOnlySet<int> ListeningPorts)
{
    public IReadOnlySet<string> ContainerNames { get; init; } = new HashSet<string>();
    public IReadOnlySet<string> VolumeNames { get; init; } = new HashSet<string>();

    public static async Task<HostUsage> ReadAsync(DockerGateway docker, CancellationToken cancellationToken)
    {
        IList<ContainerListResponse> containers = await docker.CallAsync("list the containers of this host",
            (c, ct) => c.Containers.ListContainersAsync(new ContainersListParameters { All = true }, ct), cancellationToken).ConfigureAwait(false);
        var projects = new SortedSet<string>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var binds = new List<BindUse>();
        foreach (var container in containers)
        {
            names.UnionWith((container.Names ?? []).Select(n => n.TrimStart('/')));
            var project = container.Labels is not null && container.Labels.TryGetValue(ComposeLabels.Project, out var name) ? name : "";
            if (project.Length > 0)
            {
                projects.Add(project);
            }

            var containerName = container.Names?.FirstOrDefault()?.TrimStart('/') ?? container.ID;
            binds.AddRange((container.Mounts ?? []).Where(m => m.Type == "bind" && !string.IsNullOrEmpty(m.Source))
                .Select(m => new BindUse(project, containerName, m.Source, m.RW)));
        }

        var volumes = await docker.CallAsync("list the volumes of this host",
            (c, ct) => c.Volumes.ListAsync(ct), cancellationToken).ConfigureAwait(false);
        var volumeNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var volume in volumes.Volumes ?? [])
        {
            volumeNames.Add(volume.Name);
            if (volume.Labels is not null && volume.Labels.TryGetValue(ComposeLabels.Project, out var project))
            {
                projects.Add(project);
            }
        }

        var networks = await docker.CallAsync("list the networks of this host",
            (c, ct) => c.Networks.ListNetworksAsync(new NetworksListParameters(), ct), cancellationToken).ConfigureAwait(false);
        foreach (var network in networks)
        {
            if (network.Labels is not null && network.Labels.TryGetValue(ComposeLabels.Project, out var project))
            {
                projects.Add(project);
            }
        }

        return new HostUsage(projects, binds, ListeningSockets.PortsListeningHere()) { ContainerNames = names, VolumeNames = volumeNames };
    }
}
