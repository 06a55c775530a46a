using System.Globalization;

namespace FrostGuard.Engine.Deployments;

/// <summary>
/// The TCP ports a container's processes listen on. With host networking Docker knows no port
/// mappings, so this reads the kernel's own tables: the socket inodes open in the container's
/// processes (/proc/&lt;pid&gt;/fd) matched against the listening sockets of /proc/&lt;pid&gt;/net/tcp and tcp6.
/// Two instances of a service that listens cannot share the host's network.
/// </summary>
public static class ListeningSockets
{
    /// <summary>The endpoints the processes listen on; throws UnauthorizedAccessException when their file descriptors cannot be read (not root).</summary>
    public static IReadOnlyList<string> ForProcesses(IEnumerable<int> pids)
    {
        var ports = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var pid in pids)
        {
            var inodes = SocketInodes(pid);
            if (inodes.Count == 0)
            {
                continue;
            }

            foreach (var table in new[] { "tcp", "tcp6" })
            {
                var path = $"/proc/{pid}/net/{table}";
                if (File.Exists(path))
                {
                    foreach (var endpoint in Listening(File.ReadAllText(path), inodes))
                    {
                        ports.Add(endpoint);
                    }
                }
            }
        }

        return ports.ToList();
    }

    /// <summary>Every TCP port something listens on in this network namespace (the host's, for host networking), IPv4 and IPv6.</summary>
    public static IReadOnlySet<int> PortsListeningHere()
    {
        var ports = new SortedSet<int>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists))
        {
            ports.UnionWith(ListeningPorts(File.ReadAllText(table)));
        }

        return ports;
    }

    /// <summary>Connections accepted on a local port and still open (ESTABLISHED) in this network namespace: what a server has left to finish.</summary>
    public static int EstablishedTo(int port)
    {
        var count = 0;
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists))
        {
            count += EstablishedTo(File.ReadAllText(table), port);
        }

        return count;
    }

    /// <summary>The ESTABLISHED (state 01) lines of a /proc/net/tcp table whose local port is <paramref name="port"/>.</summary>
    public static int EstablishedTo(string procNetTcp, int port)
    {
        var count = 0;
        foreach (var line in procNetTcp.Split('\n').Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 4 && fields[3] == "01")
            {
                var local = fields[1];
                if (int.Parse(local[(local.IndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture) == port)
                {
                    count++;
                }
            }
        }

        return count;
    }

    /// <summary>The local ports of the LISTEN (state 0A) lines of a /proc/net/tcp table.</summary>
    public static IEnumerable<int> ListeningPorts(string procNetTcp)
    {
        foreach (var line in procNetTcp.Split('\n').Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 4 && fields[3] == "0A")
            {
                var local = fields[1];
                yield return int.Parse(local[(local.IndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
        }
    }

    /// <summary>Endpoints (address:port) of the LISTEN (state 0A) lines whose inode is one of <paramref name="inodes"/>.</summary>
    public static IEnumerable<string> Listening(string procNetTcp, IReadOnlySet<long> inodes)
    {
        foreach (var line in procNetTcp.Split('\n').Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 10 || fields[3] != "0A" || !long.TryParse(fields[9], NumberStyles.None, CultureInfo.InvariantCulture, out var inode) || !inodes.Contains(inode))
            {
                continue;
            }

            yield return Endpoint(fields[1]);
        }
    }

    /// <summary>"0100007F:E292" → "127.0.0.1:58002"; IPv6 addresses are shown as [hex].</summary>
    public static string Endpoint(string hex)
    {
        var colon = hex.IndexOf(':');
        var port = int.Parse(hex[(colon + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var address = hex[..colon];
        if (address.Length == 8)
        {
            var value = uint.Parse(address, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var bytes = BitConverter.GetBytes(value); // the kernel writes the address in host (little-endian) order
            return $"{bytes[0]}.{bytes[1]}.{bytes[2]}.{bytes[3]}:{port}";
        }

        return $"[{address}]:{port}";
    }

    private static HashSet<long> SocketInodes(int pid)
    {
        var inodes = new HashSet<long>();
        var folder = $"/proc/{pid}/fd";
        try
        {
            foreach (var fd in Directory.EnumerateFileSystemEntries(folder))
            {
                var target = new FileInfo(fd).LinkTarget;
                if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal)
                    && long.TryParse(target[8..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var inode))
                {
                    inodes.Add(inode);
                }
            }
        }
        catch (Exception e) when (e is DirectoryNotFoundException or IOException)
        {
            // the process ended meanwhile: it listens on nothing
        }

        return inodes;
    }
}
