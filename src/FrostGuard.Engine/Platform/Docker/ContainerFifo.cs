using System.Globalization;
using FrostGuard.Engine.Platform.Os;
using Microsoft.Win32.SafeHandles;

namespace FrostGuard.Engine.Platform.Docker;

/// <summary>
/// A FIFO in a running container's /tmp that FrostGuard reads on the host through
/// <c>/proc/&lt;pid&gt;/root</c>. pg_dump, still run by a Docker exec inside the database
/// container, writes its archive there (<c>--file</c>) instead of to the exec's stdout, so the
/// bytes skip the copies through containerd-shim and dockerd: on this project's 2-core machine
/// those copies took as long as pg_dump itself. The exec's exit code still decides success, and
/// its stderr still comes back over the exec's stream.
/// <para>
/// Only where it is safe and possible: the Engine is on a local Unix socket, the container's
/// PID is this host's (its cgroup names the container), no user namespace remaps it, its /tmp is
/// a real folder, and this process may create the FIFO. Otherwise <see cref="TryCreateAsync"/>
/// says why and the caller keeps the exec's stdout.
/// </para>
/// </summary>
public sealed class ContainerFifo : IDisposable
{
    private const int ReadBufferBytes = 1 << 20;

    private readonly SafeFileHandle _reader;
    private SafeFileHandle? _keeper;
    private Task<Exception?>? _reading;

    private ContainerFifo(string hostPath, string pathInContainer, SafeFileHandle reader, SafeFileHandle keeper)
    {
        HostPath = hostPath;
        PathInContainer = pathInContainer;
        _reader = reader;
        _keeper = keeper;
    }

    /// <summary>Where the process in the container writes.</summary>
    public string PathInContainer { get; }

    /// <summary>The same FIFO seen from the host.</summary>
    public string HostPath { get; }

    /// <summary>Bytes read so far.</summary>
    public long BytesRead { get; private set; }

    private const string Prefix = "frostguard-dump-";

    /// <summary>
    /// Creates the FIFO, owned by the user the container's execs run as; null (and why) where it
    /// cannot be used. Its name carries this process's identity, so FIFOs that processes which died
    /// mid-backup left in the container's /tmp are found and removed first (<paramref name="removed"/> names each).
    /// </summary>
    public static async Task<(ContainerFifo? Fifo, string WhyNot)> TryCreateAsync(DockerGateway docker, string containerId, string containerName, CancellationToken cancellationToken,
        Action<string>? removed = null)
    {
        if (!OperatingSystem.IsLinux() || !docker.IsUnixSocket)
        {
            return (null, "the Docker endpoint is not a local Unix socket");
        }

        var inspect = await docker.CallAsync($"inspect container {containerName}",
            (c, ct) => c.Containers.InspectContainerAsync(containerId, ct), cancellationToken).ConfigureAwait(false);
        var pid = inspect.State?.Pid ?? 0;
        if (pid <= 0)
        {
            return (null, $"container {containerName} reports no process");
        }

        var proc = $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}";
        if (!IsThisHostsProcess(proc, inspect.ID))
        {
            return (null, $"process {pid} of container {containerName} is not visible from this process's PID namespace");
        }

        if (!HasIdentityUserMap(proc))
        {
            return (null, $"container {containerName} runs in a remapped user namespace");
        }

        var tmp = proc + "/root/tmp";
        // An absolute symlink reached through /proc/<pid>/root resolves against this host's root,
        // so the folder must be a real one inside the container.
        var tmpInfo = new DirectoryInfo(tmp);
        if (!tmpInfo.Exists || tmpInfo.LinkTarget is not null)
        {
            return (null, $"container {containerName} has no /tmp folder of its own");
        }

        if (ExecUser(inspect.Config?.User ?? "", proc + "/root") is not { } owner)
        {
            return (null, $"the user '{inspect.Config?.User}' of container {containerName} is not found in its /etc/passwd or /etc/group");
        }

        foreach (var left in LeftByDeadProcesses(tmp))
        {
            try
            {
                File.Delete(left);
                removed?.Invoke(left);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                removed?.Invoke($"{left} (not removed: {e.Message})"); // something else made it; the backup goes on
            }
        }

        var name = $"{Prefix}{Guid.NewGuid():N}.{ProcessIdentity.Current.Replace('/', '.')}";
        try
        {
            return (Create(Path.Combine(tmp, name), "/tmp/" + name, owner), "");
        }
        catch (IOException e)
        {
            return (null, e.Message);
        }
    }

    /// <summary>FIFOs in the folder whose name names a process that is gone ({guid}.{boot}.{pid}.{start}).</summary>
    internal static IEnumerable<string> LeftByDeadProcesses(string folder) =>
        Directory.EnumerateFiles(folder, Prefix + "*")
            .Where(path => FileFacts.Read(path)?.Kind is FileKind.Fifo
                           && Path.GetFileName(path)[Prefix.Length..].Split('.') is [_, var boot, var pid, var start] && !ProcessIdentity.IsAlive($"{boot}/{pid}/{start}"))
            .ToList();

    /// <summary>Makes the FIFO at <paramref name="hostPath"/> for <paramref name="owner"/> (mode 0600) and opens both of its ends.</summary>
    internal static ContainerFifo Create(string hostPath, string pathInContainer, (int Uid, int Gid) owner)
    {
        var error = Posix.MakeFifo(hostPath, Convert.ToInt32("600", 8));
        if (error != 0)
        {
            throw new IOException($"cannot create a FIFO at {hostPath} (errno {error})");
        }

        SafeFileHandle? keeper = null;
        try
        {
            Posix.Chown(hostPath, owner.Uid, owner.Gid);
            // Both ends are opened now, so no open() ever waits for the other side: this process
            // holds a writer of its own (the keeper) until the exec has ended, and only then can
            // the reader see the end of the data, whether pg_dump ever opened the FIFO or not.
            keeper = Posix.OpenNoFollow(hostPath, write: true);
            var reader = Posix.OpenNoFollow(hostPath, write: false);
            return new ContainerFifo(hostPath, pathInContainer, reader, keeper);
        }
        catch (IOException)
        {
            keeper?.Dispose();
            File.Delete(hostPath);
            throw;
        }
    }

    /// <summary>
    /// Starts reading on a thread of its own: hands every chunk to <paramref name="onData"/>
    /// until the last writer has closed the FIFO (see <see cref="FinishAsync"/>). A sink that fails
    /// calls <paramref name="stopWriter"/> and the FIFO is still drained to its end.
    /// </summary>
    public void StartReading(Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> onData, Func<Task> stopWriter, CancellationToken cancellationToken)
    {
        _reading = Task.Factory.StartNew(
            () => ReadToEndAsync(onData, stopWriter, cancellationToken),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    /// <summary>
    /// Called once the writer's process has ended: closes this process's own writer, so the
    /// reader sees the end of the data, and waits for it. Returns the sink's failure, if any.
    /// </summary>
    public async Task<Exception?> FinishAsync()
    {
        _keeper?.Dispose();
        _keeper = null;
        return _reading is null ? null : await _reading.ConfigureAwait(false);
    }

    public void Dispose()
    {
        _keeper?.Dispose();
        _reader.Dispose();
        // The container may be gone, and the FIFO with it.
        try
        {
            File.Delete(HostPath);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private async Task<Exception?> ReadToEndAsync(Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> onData, Func<Task> stopWriter, CancellationToken cancellationToken)
    {
        Posix.TryEnlargePipe(_reader, ReadBufferBytes);
        using var stream = new FileStream(_reader, FileAccess.Read, bufferSize: 0);
        var buffer = new byte[ReadBufferBytes];
        Exception? sinkFailure = null;
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            BytesRead += read;
            if (sinkFailure is not null)
            {
                continue;
            }

            try
            {
                await onData(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                sinkFailure = e;
                await stopWriter().ConfigureAwait(false);
            }
        }

        return sinkFailure;
    }

    private static bool IsThisHostsProcess(string proc, string containerId)
    {
        try
        {
            return File.ReadAllText(proc + "/cgroup").Contains(containerId, StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool HasIdentityUserMap(string proc)
    {
        try
        {
            var fields = File.ReadAllText(proc + "/uid_map").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return fields is ["0", "0", "4294967295"];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The uid and gid an exec runs as: the container's configured user, by number or by name in its own /etc/passwd.</summary>
    internal static (int Uid, int Gid)? ExecUser(string user, string containerRoot)
    {
        if (user.Length == 0)
        {
            return (0, 0);
        }

        var parts = user.Split(':', 2);
        var uid = Number(parts[0]) ?? Lookup(containerRoot + "/etc/passwd", parts[0], 2);
        if (uid is null)
        {
            return null;
        }

        int? gid = parts.Length > 1
            ? Number(parts[1]) ?? Lookup(containerRoot + "/etc/group", parts[1], 2)
            : Number(parts[0]) is null ? Lookup(containerRoot + "/etc/passwd", parts[0], 3) : uid;
        return gid is null ? null : (uid.Value, gid.Value);
    }

    private static int? Number(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    private static int? Lookup(string file, string name, int field)
    {
        try
        {
            foreach (var line in File.ReadLines(file))
            {
                var fields = line.Split(':');
                if (fields.Length > field && fields[0] == name)
                {
                    return Number(fields[field]);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A file that cannot be read names nobody: the caller then keeps the exec's stdout and says why.
        }

        return null;
    }
}
