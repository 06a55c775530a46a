using FrostGuard.Engine.Backups.Wal;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Database;
using FrostGuard.Engine.Platform.Os;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Backups.Physical;

/// <summary>
/// The steps a drill and a restore to a point share: the plan (base backup, archive, target
/// reachable, refused otherwise before anything changes), a marker transaction so a recent time
/// target has a commit after it in the archive, and a new data folder from the base backup,
/// checked against its manifest, owned by the database's uid, with recovery.signal.
/// </summary>
public sealed class PointInTimeRecovery
{
    private static readonly TimeSpan MarkerWait = TimeSpan.FromSeconds(15);
    private readonly FrostSession _session;

    public PointInTimeRecovery(FrostSession session) => _session = session;

    public string Cluster => BaseBackupRunner.ClusterName(_session.Config.Project.Name);

    public async Task<RecoveryPlan> PlanAsync(RecoveryTarget target, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        if (target.Kind == RecoveryTargetKind.Time && target.Time > DateTimeOffset.UtcNow)
        {
            throw new FrostException(ErrorIds.RecoveryTargetUnreachable, FailureKind.InvalidData,
                $"{target} is in the future. Nothing was stopped or changed.", "PointInTime", "Give a moment in the past, or -Latest.");
        }

        var catalog = new BackupCatalog(_session.BackupRoot).List(reporter, withRecoverableRange: false);
        var reader = new WalArchiveReader(_session);
        var slot = await reader.TryReadSlotAsync(cancellationToken).ConfigureAwait(false);
        var scan = reader.Scan(slot);
        var points = RestorePoints.Read(RestorePoints.PathFor(_session.BackupRoot, _session.Config.Project.Name));
        return RecoveryPlanner.Plan(catalog, Cluster, scan, target, points, slot?.SystemIdentifier);
    }

    /// <summary>
    /// A time target is reached at the first commit after it: a transaction committed now, and
    /// awaited in the archive, gives a recent target one. Without a database or a streaming
    /// archiver there is nothing to add (the recovery then stops at the last commit it finds, or says it found none).
    /// </summary>
    public async Task MarkAsync(IFrostReporter reporter, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await _session.Database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (var commit = connection.CreateCommand())
            {
                commit.CommandText = "SELECT txid_current()"; // an xid, so its commit writes a commit record
                await commit.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            }

            // Read after the commit: the location past its commit record.
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT pg_current_wal_lsn()::text";
            var marker = (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;

            var wanted = Lsn.Parse(marker);
            var deadline = DateTime.UtcNow + MarkerWait;
            var archive = new WalArchiveReader(_session);
            while (DateTime.UtcNow < deadline)
            {
                var slot = await archive.ReadSlotAsync(cancellationToken).ConfigureAwait(false);
                if (!slot.Active || slot.FlushedLsn >= wanted)
                {
                    return;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
            }

            reporter.Warning($"The archiver did not flush {marker} within {MarkerWait.TotalSeconds:0} s; the recovery uses what the archive holds.");
        }
        catch (FrostException e) when (e.ErrorId is ErrorIds.DatabaseUnreachable or ErrorIds.DatabaseAuthenticationFailed)
        {
            reporter.Verbose($"no marker transaction: {e.Message}");
        }
    }

    /// <summary>
    /// The base backup checked against its manifest and extracted into <paramref name="folder"/>
    /// (created here, 0700), with recovery.signal and the recovery instance's pg_hba.conf written
    /// before anything in it belongs to the database's uid (<paramref name="owner"/>).
    /// </summary>
    public async Task PrepareFolderAsync(RecoveryPlan plan, string folder, (int Uid, int Gid) owner, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var manifest = plan.Base.Manifest;
        await BackupVerifier.CheckChecksumAsync(plan.Base.Backup.Path, manifest, cancellationToken).ConfigureAwait(false);
        if (Path.Exists(folder))
        {
            throw new FrostException(ErrorIds.PointInTimeRecoveryFailed, FailureKind.OperationFailed,
                $"{folder} exists already; FrostGuard extracts a base backup into a new folder only. Nothing was stopped.", folder,
                $"Move {folder} away (a recovery that did not finish left it), then run the command again.");
        }

        PrivateFiles.CreateFolder(folder);
        reporter.Verbose($"extracting base backup {manifest.Id} ({manifest.Physical!.DataBytes / 1048576.0:N0} MB) into {folder}");
        try
        {
            await DataFolderArchive.ExtractAsync(plan.Base.Backup.Path, folder, owner.Uid, owner.Gid, new Dictionary<string, string>
            {
                ["recovery.signal"] = "",
                [RecoveryInstance.HbaFile] = "# FrostGuard's recovery instance: its own Unix socket only, inside its container.\nlocal all all trust\n",
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            throw new FrostException(ErrorIds.BackupArchiveUnreadable, FailureKind.InvalidData,
                $"The base backup {manifest.Id} cannot be extracted safely: {e.Message}. Nothing was stopped.", manifest.Id,
                "Do not recover from this base backup; find out who wrote it, and use another (Get-FrostBackup -Type Physical).", e);
        }
    }

    /// <summary>The uid:gid a data folder of this cluster belongs to: the live data folder's owner.</summary>
    public static (int Uid, int Gid) OwnerOf(string liveFolder) =>
        FileFacts.Read(liveFolder) is { Kind: FileKind.Directory } facts
            ? (facts.Uid, facts.Gid)
            : throw new FrostException(ErrorIds.PointInTimeRecoveryFailed, FailureKind.OperationFailed,
                $"The live data folder {liveFolder} is not a folder FrostGuard can read the owner of. Nothing was stopped.", liveFolder,
                "Check the database service's data mount (docker inspect).");

    /// <summary>The host folder behind the database container's data directory (a bind mount, or a named volume's _data), and its mount.</summary>
    public async Task<DataFolderLocation> LiveDataFolderAsync(CancellationToken cancellationToken)
    {
        var postgres = await _session.FindPostgresAsync(cancellationToken).ConfigureAwait(false);
        string dataDirectory;
        await using (var connection = await _session.Database.OpenAsync(cancellationToken).ConfigureAwait(false))
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT current_setting('data_directory')";
            dataDirectory = (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        var inspect = await _session.Docker.CallAsync($"inspect {postgres.Name}", (c, ct) => c.Containers.InspectContainerAsync(postgres.ContainerId, ct), cancellationToken).ConfigureAwait(false);
        var mounts = (inspect.Mounts ?? []).Select(m => new ContainerMount(m.Destination, m.Source ?? "", m.Type ?? "", m.Name));
        return DataDirectoryMount.Resolve(mounts, inspect.HostConfig?.Tmpfs?.Keys ?? [], dataDirectory, postgres.Name);
    }

    /// <summary>
    /// The live data folder, when a recovered one can take its place: a named volume must be the
    /// local driver's plain folder (a volume with driver options, NFS or another driver is mounted
    /// over _data when the container starts, so a swapped folder would not take), and the folder
    /// holding it must be root's and writable by nobody else (FrostGuard writes the recovered folder
    /// there, by name, while the database's user could replace a name with a link).
    /// </summary>
    public async Task<string> SwappableDataFolderAsync(CancellationToken cancellationToken)
    {
        var location = await LiveDataFolderAsync(cancellationToken).ConfigureAwait(false);
        if (location.Mount is { Type: "volume", Name: { Length: > 0 } name })
        {
            var volume = await _session.Docker.CallAsync($"inspect volume {name}", (c, ct) => c.Volumes.InspectAsync(name, ct), cancellationToken).ConfigureAwait(false);
            if (volume.Driver != "local" || volume.Options is { Count: > 0 })
            {
                var options = string.Join(",", (volume.Options ?? new Dictionary<string, string>()).Select(o => $"{o.Key}={o.Value}"));
                throw new FrostException(ErrorIds.PointInTimeRecoveryFailed, FailureKind.OperationFailed,
                    $"The data folder is the volume {name} (driver {volume.Driver}{(options.Length > 0 ? $", options {options}" : "")}): Docker mounts it over {location.HostFolder} when the container starts, so a recovered folder put there would not take. Nothing was stopped or changed.", name,
                    "Recover into a plain local volume or a bind-mounted folder, or restore this database by hand (docs/backups.md, \"Recovery to a point\").");
            }
        }

        var parent = Path.GetDirectoryName(location.HostFolder)!;
        if (FileFacts.Read(parent) is not { Kind: FileKind.Directory } facts || facts.Uid != Posix.EffectiveUserId
            || (facts.Mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
        {
            throw new FrostException(ErrorIds.PointInTimeRecoveryFailed, FailureKind.OperationFailed,
                $"{parent}, which holds the data folder {location.HostFolder}, is not a folder only FrostGuard's user may write: the recovered folder is written there by name, and another user could redirect it. Nothing was stopped or changed.", parent,
                $"Make it root's and writable by nobody else (chown root {parent}; chmod go-w {parent}), or mount the data directory itself rather than a folder above it.");
        }

        return location.HostFolder;
    }
}
