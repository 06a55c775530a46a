using Docker.DotNet.Models;

namespace FrostGuard.Engine.Platform.Docker;

/// <summary>Where a path inside a container lives on this host, from the container's mounts or, failing those, its writable layer.</summary>
public static class ContainerMounts
{
    /// <summary>
    /// The host path behind <paramref name="containerPath"/> and the host folder it lies in (the
    /// mount's source or the writable layer), or null when Docker does not say (an unknown
    /// storage driver). Only meaningful when the Docker Engine runs on this host.
    /// </summary>
    public static (string Base, string Path)? HostPathOf(ContainerInspectResponse container, string containerPath)
    {
        var covering = (container.Mounts ?? [])
            .Where(m => !string.IsNullOrEmpty(m.Source) && Covers(m.Destination, containerPath))
            .MaxBy(m => m.Destination.Length);
        if (covering is not null)
        {
            return (covering.Source, covering.Source + containerPath[covering.Destination.TrimEnd('/').Length..]);
        }

        return container.GraphDriver?.Data is { } data && data.TryGetValue("UpperDir", out var upper) && !string.IsNullOrEmpty(upper)
            ? (upper, upper + containerPath)
            : null;
    }

    private static bool Covers(string destination, string path)
    {
        var folder = destination.TrimEnd('/');
        return path == folder || path.StartsWith(folder + "/", StringComparison.Ordinal) || folder.Length == 0;
    }
}
