using System.Globalization;
using System.Text;
using Docker.DotNet.Models;
using FrostGuard.Engine.Backups.Wal;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Database;
using FrostGuard.Engine.Platform.Docker;
using FrostGuard.Engine.Platform.Os;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Backups.Physical;

/// <summary>Where a promoted recovery instance stands (pg_is_in_recovery() answered false): the last replayed WAL location, the timeline it writes.</summary>
public sealed record RecoveryState(string? ReplayedLsn, uint Timeline);

/// <summary>
/// PostgreSQL recovering a restored data folder, in a throwaway container of the database's own
/// image, as its uid, with no network at all (NetworkMode none: nothing can reach it, it reaches
/// nothing) and no TCP listener; FrostGuard speaks to it with psql over its Unix socket through
/// docker exec, under a pg_hba.conf of its own that trusts that socket only. WAL comes from the
/// archive, mounted read-only, by a restore_command that also serves the segment pg_receivewal is
/// writing (.partial). The recovery settings are on its command line, never in the data folder.
/// The container carries FrostGuard's owner label: if this process dies, the next command that
/// changes something removes it.
/// </summary>
public sealed class RecoveryInstance : IAsyncDisposable
{
    public const string RecoveryLabel = "frostguard.recovery";
    public const string HbaFile = "frostguard_recovery_hba.conf";
    private const string WalMount = "/frostguard-wal";
    private const string Port = "5432";

    private readonly DockerGateway _docker;
    private readonly string _id;
    private readonly string _name;
    private readonly string _psql;
    private readonly string _user;
    private bool _removed;

    private RecoveryInstance(DockerGateway docker, string id, string name, string psql, string user, string dataFolder)
    {
        _docker = docker;
        _id = id;
        _name = name;
        _psql = psql;
        _user = user;
        DataFolder = dataFolder;
    }

    public string DataFolder { get; }
    public string Name => _name;

    /// <summary>restore_command: the archive folder first, then the folders set aside, then the .partial segment of the folder pg_receivewal writes.</summary>
    public static string RestoreCommand =>
        $"f=%f; for d in {WalMount} {WalMount}/earlier-*; do if [ -f \"$d/$f\" ]; then exec cp \"$d/$f\" \"%p\"; fi; done; " +
        $"if [ -f \"{WalMount}/$f.partial\" ]; then exec cp \"{WalMount}/$f.partial\" \"%p\"; fi; exit 1";

    public static async Task<RecoveryInstance> StartAsync(FrostSession session, string dataFolder, string walFolder, RecoveryTarget target, CancellationToken cancellationToken)
    {
        var postgres = await session.FindPostgresAsync(cancellationToken).ConfigureAwait(false);
        var job = await JobContainer.FromAsync(session.Docker, postgres, cancellationToken).ConfigureAwait(false);
        var major = PostgresContainer.Major(File.ReadAllText(Path.Combine(dataFolder, "PG_VERSION")).Trim());
        var (server, _) = await postgres.LocateToolAsync("postgres", major, cancellationToken).ConfigureAwait(false);
        var (psql, _) = await postgres.LocateToolAsync("psql", major, cancellationToken).ConfigureAwait(false);

        var command = new List<string>
        {
            server, "-D", dataFolder, "-c", "listen_addresses=", "-c", "port=" + Port, "-c", "unix_socket_directories=/tmp",
            "-c", "hba_file=" + Path.Combine(dataFolder, HbaFile), "-c", "archive_mode=off", "-c", "restore_command=" + RestoreCommand,
        };
        foreach (var (name, value) in target.Settings())
        {
            command.Add("-c");
            command.Add($"{name}={value}");
        }

        var containerName = $"{postgres.Name}-recovery-{Guid.NewGuid().ToString("N")[..8]}";
        var created = await session.Docker.CallAsync($"create the recovery container {containerName}", (c, ct) => c.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Name = containerName,
            Image = job.Image,
            User = job.User,
            Entrypoint = command,
            Cmd = [],
            Env = [OrphanedWork.OwnerEntry],
            Labels = new Dictionary<string, string> { [RecoveryLabel] = dataFolder, [OrphanedWork.OwnerLabel] = ProcessIdentity.Current },
            StopSignal = "SIGINT", // fast shutdown: a checkpoint, then a clean stop
            HostConfig = new HostConfig
            {
                NetworkMode = "none",
                // No archive folder, no mount (Docker would create the folder): the base backup's own WAL is all there is.
                Binds = [.. job.ReadOnlyBinds, $"{dataFolder}:{dataFolder}:rw", .. Directory.Exists(walFolder) ? new[] { $"{walFolder}:{WalMount}:ro" } : []],
                Tmpfs = job.Tmpfs.Count > 0 ? job.Tmpfs : new Dictionary<string, string> { ["/tmp"] = "mode=1777" },
            },
        }, ct), cancellationToken).ConfigureAwait(false);
        var instance = new RecoveryInstance(session.Docker, created.ID, containerName, psql, session.Config.Database.User, dataFolder);
        try
        {
            await session.Docker.CallAsync($"start the recovery container {containerName}",
                async (c, ct) => await c.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await instance.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return instance;
    }

    /// <summary>Runs SQL over the instance's socket; null while it does not accept connections yet.</summary>
    public async Task<string?> QueryAsync(string sql, CancellationToken cancellationToken) =>
        (await PsqlAsync("postgres", sql, cancellationToken).ConfigureAwait(false)) is ({ Succeeded: true }, var output) ? output : null;

    /// <summary>Runs SQL in one database of the instance; fails with the error psql gave.</summary>
    public async Task<string> QueryDatabaseAsync(string database, string sql, CancellationToken cancellationToken)
    {
        var (result, output) = await PsqlAsync(database, sql, cancellationToken).ConfigureAwait(false);
        return result.Succeeded ? output : throw new FrostException(ErrorIds.PointInTimeRecoveryFailed, FailureKind.OperationFailed,
            $"The recovered copy in {_name} did not answer '{sql}': {result.StandardError.Trim()}", _name, $"docker logs {_name}");
    }

    private Task<(ExecResult Result, string Output)> PsqlAsync(string database, string sql, CancellationToken cancellationToken) =>
        new ContainerExec(_docker, _id, _name).RunForTextAsync(
            [_psql, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-h", "/tmp", "-p", Port, "-U", _user, "-d", database, "-c", sql], cancellationToken);

    /// <summary>
    /// Waits until the instance has promoted (pg_is_in_recovery() false), reporting the replayed
    /// location; a container that stops is a failure with PostgreSQL's last words.
    /// </summary>
    public async Task<RecoveryState> WaitPromotedAsync(TimeSpan timeout, Action<string> progress, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var inspect = await _docker.CallAsync($"inspect {_name}", (c, ct) => c.Containers.InspectContainerAsync(_id, ct), cancellationToken).ConfigureAwait(false);
            if (inspect.State?.Running != true)
            {
                throw new FrostException(ErrorIds.PointInTimeRecoveryFailed, FailureKind.OperationFailed,
                    $"PostgreSQL stopped while recovering (exit {inspect.State?.ExitCode}): {await LogTailAsync(cancellationToken).ConfigureAwait(false)}", _name,
                    "Read PostgreSQL's words above; -Latest recovers whatever the archive holds, and Get-FrostWalArchive shows what is missing.");
            }

            var answer = await QueryAsync("SELECT pg_is_in_recovery(), coalesce(pg_last_wal_replay_lsn()::text, ''), CASE WHEN pg_is_in_recovery() THEN '' ELSE pg_walfile_name(pg_current_wal_lsn()) END", cancellationToken).ConfigureAwait(false);
            if (answer?.Split('|') is [var recovering, var replayed, var walFile])
            {
                if (recovering == "f")
                {
                    var timeline = uint.Parse(walFile[..8], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    return new RecoveryState(replayed.Length > 0 ? replayed : null, timeline);
                }

                progress($"replayed up to {(replayed.Length > 0 ? replayed : "(starting)")}");
            }
            else
            {
                progress("starting up from the base backup");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new FrostException(ErrorIds.PointInTimeRecoveryFailed, FailureKind.OperationFailed,
                    $"The recovery in {_name} was still in recovery after {timeout.TotalMinutes:0} min: {await LogTailAsync(cancellationToken).ConfigureAwait(false)}", _name,
                    $"docker logs {_name} shows how far it got; a large archive may need more time.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A clean shutdown (SIGINT: fast, with a checkpoint); the container is removed and its pg_hba.conf taken out of the data folder.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _docker.CallAsync($"stop {_name}",
            async (c, ct) => await c.Containers.StopContainerAsync(_id, new ContainerStopParameters { WaitBeforeKillSeconds = 120 }, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        var inspect = await _docker.CallAsync($"inspect {_name}", (c, ct) => c.Containers.InspectContainerAsync(_id, ct), cancellationToken).ConfigureAwait(false);
        if (inspect.State?.ExitCode is not 0)
        {
            throw new FrostException(ErrorIds.PointInTimeRecoveryFailed, FailureKind.OperationFailed,
                $"The recovered PostgreSQL in {_name} did not shut down cleanly (exit {inspect.State?.ExitCode}): {await LogTailAsync(cancellationToken).ConfigureAwait(false)}", _name,
                "Nothing was swapped; run the recovery again.");
        }

        await DisposeAsync().ConfigureAwait(false);
        File.Delete(Path.Combine(DataFolder, HbaFile));
    }

    public async Task<string> LogTailAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var stream = await _docker.CallAsync($"read the log of {_name}", (c, ct) => c.Containers.GetContainerLogsAsync(_id,
                new ContainerLogsParameters { ShowStdout = true, ShowStderr = true, Tail = "8" }, ct), cancellationToken).ConfigureAwait(false);
            var (stdout, stderr) = await stream.ReadOutputToEndAsync(cancellationToken).ConfigureAwait(false);
            return string.Join(" | ", (stdout + stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(8));
        }
        catch (FrostException e)
        {
            return $"(its log cannot be read: {e.Message})";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_removed)
        {
            return;
        }

        _removed = true;
        await _docker.CallAsync($"remove {_name}", async (c, ct) =>
        {
            await c.Containers.RemoveContainerAsync(_id, new ContainerRemoveParameters { Force = true }, ct).ConfigureAwait(false);
            return true;
        }, CancellationToken.None).ConfigureAwait(false);
    }
}
