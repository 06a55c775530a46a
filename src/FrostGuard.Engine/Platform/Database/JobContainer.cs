using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;
using FrostGuard.Engine.Platform.Docker;
using FrostGuard.Engine.Platform.Durability;
using FrostGuard.Engine.Platform.Os;

namespace FrostGuard.Engine.Platform.Database;

/// <summary>A host folder mounted at the same path in a <see cref="JobContainer"/>.</summary>
public sealed record JobMount(string Path, bool ReadOnly);

/// <summary>
/// A short-lived container for pg_dump -Fd and pg_restore of a folder: created from the running
/// database container's own image (by image id, so the tools are exactly the server's), with
/// its user, its read-only bind mounts (the host's /usr, /lib, /bin, /etc in the sandbox) and
/// its tmpfs mounts copied from its inspect, never its writable ones (the data directory), on
/// the host network, plus the folders a job needs. The password reaches the tool as for a
/// Docker exec (<see cref="PgPassWrapper"/>): the first line of the container's stdin, never in
/// its command, environment or inspect. The container is removed on every path, Ctrl+C included
/// (it is killed first); one left by a process that died is removed by the next run on the
/// same backup root (<see cref="RemoveLeftoversAsync"/>).
/// </summary>
public sealed class JobContainer
{
    public const string JobLabel = "frostguard.backup-job";
    public const string RootLabel = "frostguard.backup-root";

    private readonly DockerGateway _docker;
    private readonly IReadOnlyList<string> _binds;
    private readonly IDictionary<string, string> _tmpfs;

    private JobContainer(DockerGateway docker, string source, string image, string user, IReadOnlyList<string> binds, IDictionary<string, string> tmpfs)
    {
        _docker = docker;
        Source = source;
        Image = image;
        User = user;
        _binds = binds;
        _tmpfs = tmpfs;
    }

    /// <summary>The database container it copies.</summary>
    public string Source { get; }
    public string Image { get; }
    /// <summary>The user the tools run as ("uid:gid", as the database container runs).</summary>
    public string User { get; }

    /// <summary>The database container's read-only bind mounts ("source:destination:ro"): its binaries and configuration, never its data.</summary>
    public IReadOnlyList<string> ReadOnlyBinds => _binds;

    /// <summary>The database container's tmpfs mounts.</summary>
    public IDictionary<string, string> Tmpfs => _tmpfs;

    /// <summary>Copies image, user, read-only binds and tmpfs mounts from the database container's inspect.</summary>
    public static async Task<JobContainer> FromAsync(DockerGateway docker, PostgresContainer postgres, CancellationToken cancellationToken)
    {
        var inspect = await docker.CallAsync($"inspect container {postgres.Name}",
            (c, ct) => c.Containers.InspectContainerAsync(postgres.ContainerId, ct), cancellationToken).ConfigureAwait(false);
        var binds = (inspect.Mounts ?? [])
            .Where(m => m.Type == "bind" && !m.RW)
            .Select(m => $"{m.Source}:{m.Destination}:ro")
            .ToList();
        var tmpfs = new Dictionary<string, string>(inspect.HostConfig?.Tmpfs ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        return new JobContainer(docker, postgres.Name, inspect.Image, inspect.Config?.User ?? "", binds, tmpfs);
    }

    /// <summary>
    /// A job container from a service's definition rather than a running container (a recovery
    /// initialises the data folder before anything of its stack runs): its image, its user, its
    /// read-only bind mounts and its tmpfs mounts.
    /// </summary>
    public static JobContainer FromDefinition(DockerGateway docker, string source, string image, string user, IEnumerable<string> readOnlyBinds, IDictionary<string, string> tmpfs) =>
        new(docker, source, image, user, readOnlyBinds.ToList(), tmpfs);

    /// <summary>This process's uid:gid, for jobs that read what it wrote (pg_restore of a backup folder it owns).</summary>
    public static string CurrentUser => $"{Posix.EffectiveUserId}:{Posix.EffectiveGroupId}";

    /// <summary>The numeric uid and gid of <see cref="User"/>; null when it runs as root (empty user).</summary>
    public (int Uid, int Gid)? NumericUser()
    {
        if (User.Length == 0)
        {
            return null;
        }

        var parts = User.Split(':');
        if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var uid)
            || (parts.Length > 1 && !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            throw new FrostException(ErrorIds.BackupFailed, FailureKind.InvalidConfiguration,
                $"The database container {Source} runs as user '{User}', not a numeric uid:gid, so FrostGuard cannot give the dump folder to it.", Source,
                "Set `user: \"<uid>:<gid>\"` for the database service in the compose file, or use -Format Custom.");
        }

        var gid = parts.Length > 1 ? int.Parse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture) : uid;
        return (uid, gid);
    }

    /// <summary>
    /// Runs <paramref name="command"/> (wrapped so that <paramref name="passwordLine"/>, when
    /// given, becomes its password file) to the end and returns its exit code and the end of its
    /// stderr; stdout goes to <paramref name="onStdout"/>. Cancellation kills the container.
    /// </summary>
    public async Task<ExecResult> RunAsync(
        string job,
        string backupRoot,
        IReadOnlyList<string> command,
        IReadOnlyList<JobMount> mounts,
        byte[]? passwordLine,
        Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> onStdout,
        CancellationToken cancellationToken,
        string? user = null,
        bool passwordFile = true)
    {
        cancellationToken.ThrowIfCancellationRequested();
        user ??= User;
        var tool = Path.GetFileName(command[0]);
        var name = $"{Source}-{job}-{Guid.NewGuid().ToString("N")[..8]}";
        // passwordFile: the first line of stdin becomes a .pgpass file; otherwise stdin goes to the command as it is.
        var entrypoint = passwordLine is null || !passwordFile ? command.ToList() : PgPassWrapper.Wrap(command).ToList();
        var created = await _docker.CallAsync($"create container {name} from {Image} for {tool}", (c, ct) => c.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Name = name,
            Image = Image,
            User = user,
            Entrypoint = entrypoint,
            Cmd = [],
            // Names this process: if it dies, the next FrostGuard command removes the container.
            Env = [OrphanedWork.OwnerEntry],
            Labels = new Dictionary<string, string> { [JobLabel] = job, [RootLabel] = backupRoot, [OrphanedWork.OwnerLabel] = Os.ProcessIdentity.Current },
            AttachStdin = passwordLine is not null,
            OpenStdin = passwordLine is not null,
            StdinOnce = passwordLine is not null,
            AttachStdout = true,
            AttachStderr = true,
            Tty = false,
            HostConfig = new HostConfig
            {
                NetworkMode = "host",
                Binds = [.. _binds, .. mounts.Select(m => $"{m.Path}:{m.Path}:{(m.ReadOnly ? "ro" : "rw")}")],
                Tmpfs = _tmpfs,
                AutoRemove = false,
            },
        }, ct), cancellationToken).ConfigureAwait(false);
        var id = created.ID;
        CrashPoints.Reach(CrashPoints.JobContainerCreated);
        ExecResult result;
        try
        {
            result = await AttachAndRunAsync(id, name, passwordLine, onStdout, cancellationToken).ConfigureAwait(false);
        }
        catch (FrostException primary)
        {
            try
            {
                await RemoveAsync(id, name).ConfigureAwait(false);
            }
            catch (FrostException removal)
            {
                throw new FrostException(primary.ErrorId, primary.Kind, $"{primary.Message} Then {removal.Message}", primary.Target,
                    $"{primary.RecommendedAction} {removal.RecommendedAction}", new AggregateException(primary, removal));
            }

            throw;
        }
        catch
        {
            // Cancellation or a failure of the sink: the container goes as well. If Docker refuses
            // that, its error (naming the container and `docker rm -f`) is the one reported.
            await RemoveAsync(id, name).ConfigureAwait(false);
            throw;
        }

        await RemoveAsync(id, name).ConfigureAwait(false);
        return result;
    }

    /// <summary>Removes the job containers that a process which died left for <paramref name="backupRoot"/>.</summary>
    public static async Task<IReadOnlyList<string>> RemoveLeftoversAsync(DockerGateway docker, string backupRoot, CancellationToken cancellationToken)
    {
        var leftovers = await docker.CallAsync("list backup job containers", (c, ct) => c.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{RootLabel}={backupRoot}"] = true } },
        }, ct), cancellationToken).ConfigureAwait(false);
        var removed = new List<string>();
        foreach (var leftover in leftovers)
        {
            var name = leftover.Names?.FirstOrDefault()?.TrimStart('/') ?? leftover.ID;
            await docker.CallAsync($"remove container {name}", async (c, ct) =>
            {
                await c.Containers.RemoveContainerAsync(leftover.ID, new ContainerRemoveParameters { Force = true }, ct).ConfigureAwait(false);
                return true;
            }, cancellationToken).ConfigureAwait(false);
            removed.Add(name);
        }

        return removed;
    }

    private async Task<ExecResult> AttachAndRunAsync(string id, string name, byte[]? passwordLine, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> onStdout, CancellationToken cancellationToken)
    {
        using var stream = await _docker.AttachContainerAsync(id, passwordLine is not null, $"attach to container {name}", cancellationToken).ConfigureAwait(false);
        await _docker.CallAsync($"start container {name}", (c, ct) => c.Containers.StartContainerAsync(id, new ContainerStartParameters(), ct), cancellationToken).ConfigureAwait(false);

        // From here the tool runs: every way out goes through the pump, which ends when the container's output does.
        using var killOnCancel = cancellationToken.Register(() => _ = KillAsync(id));
        Func<IAttachedStream, CancellationToken, Task>? feedPassword = passwordLine is null ? null
            : async (input, ct) => await input.WriteAsync(passwordLine, ct).ConfigureAwait(false);
        var outcome = await AttachedStreamPump.RunAsync(stream, feedPassword, onStdout, () => KillAsync(id), cancellationToken).ConfigureAwait(false);
        var exit = await _docker.CallAsync($"wait for container {name}", (c, ct) => c.Containers.WaitContainerAsync(id, ct), CancellationToken.None).ConfigureAwait(false);
        if (outcome.SinkFailure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(outcome.SinkFailure).Throw();
        }

        cancellationToken.ThrowIfCancellationRequested();
        return new ExecResult(exit.StatusCode, outcome.StandardError, outcome.InputFailure);
    }

    private async Task KillAsync(string id)
    {
        try
        {
            await _docker.Client.Containers.KillContainerAsync(id, new ContainerKillParameters { Signal = "KILL" }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (DockerApiException e) when (e.StatusCode is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.Conflict)
        {
            // Already stopped (409: not running) or gone: what killing it was for.
        }
    }

    private async Task RemoveAsync(string id, string name)
    {
        try
        {
            await _docker.Client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (DockerContainerNotFoundException)
        {
            // Removed already.
        }
        catch (DockerApiException e)
        {
            throw new FrostException(ErrorIds.DockerRequestFailed, FailureKind.OperationFailed,
                $"The backup job container {name} could not be removed: {(int)e.StatusCode} {e.ResponseBody?.Trim()}", name,
                $"Remove it with `docker rm -f {name}`; the next Invoke-FrostBackup on this root also removes it.", e);
        }
    }
}
