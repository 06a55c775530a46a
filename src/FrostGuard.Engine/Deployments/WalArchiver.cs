using System.Globalization;
using FrostGuard.Engine.Backups.Wal;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Database;
using FrostGuard.Engine.Platform.Durability;
using FrostGuard.Engine.Platform.Os;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Deployments;

/// <summary>What Enable-FrostWalArchive found and will do; -WhatIf shows it.</summary>
public sealed record WalArchivePlan(
    string Image, string User, string NetworkMode, string ToolPath, string Folder, string SecretFolder,
    string ConnectionInfo, bool CreateSlot, bool RecreateLostSlot, string? KeepSizeNow, string KeepSize, IReadOnlyList<string> Volumes)
{
    /// <summary>Replication slots besides the archive's: max_slot_wal_keep_size bounds them too.</summary>
    public int OtherSlots { get; init; }

    /// <summary>Whether the value now was set with ALTER SYSTEM (Disable sets it again) rather than by postgresql.conf or the default (Disable resets it).</summary>
    public bool KeepSizeFromAlterSystem { get; init; }

    public string Describe(string slot, string service) =>
        $"{(RecreateLostSlot ? $"drop the invalidated slot {slot} and create it again" : CreateSlot ? $"create the physical replication slot {slot}" : $"keep the slot {slot}")}; "
        + (KeepSizeNow == KeepSize ? $"max_slot_wal_keep_size stays {KeepSize}; " : $"ALTER SYSTEM SET max_slot_wal_keep_size = '{KeepSize}' (now {KeepSizeNow}) and reload; ")
        + $"write the password file {SecretFolder}/pgpass (0600, uid {User}); the archive folder {Folder} (0700, uid {User}); "
        + $"add the service {service} ({Image}, {ToolPath}, user {User}, network {NetworkMode}) to the override file and start it";
}

/// <summary>
/// Continuous WAL archiving as a service of the deployment: pg_receivewal in a container of the
/// database service's own image, declared in FrostGuard's compose override so every `compose up`
/// keeps it, streaming through a physical replication slot into &lt;backup root&gt;/wal/&lt;project&gt;.
/// Every step can be run again: an interrupted Enable is finished by the next one, and Disable
/// undoes each step whatever state it finds.
/// </summary>
public sealed partial class WalArchiver
{
    public const string SecretFolderName = ".frostguard/wal-archive";
    private const string ContainerWal = "/wal";
    private const string ContainerSecrets = "/run/frostguard-wal-archive";
    private static readonly TimeSpan StreamingTimeout = TimeSpan.FromSeconds(60);
    /// <summary>pg_receivewal flushes its .partial segment on SIGINT (its stop signal) within this.</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    private readonly FrostSession _session;
    private readonly ServiceScaler _overrides;

    public WalArchiver(FrostSession session)
    {
        _session = session;
        _overrides = new ServiceScaler(session);
    }

    private Configuration.WalArchiveSection Settings => _session.Config.WalArchive;

    public string Folder => WalArchiveFolder.PathFor(_session.BackupRoot, _session.Config.Project.Name);

    public string SecretFolder => Path.Combine(_session.Config.Project.Directory, SecretFolderName);

    public bool IsEnabled => _overrides.LoadOverride().Added.ContainsKey(Settings.Service);

    public Task<FrostWalArchive> StatusAsync(CancellationToken cancellationToken) =>
        new WalArchiveReader(_session).ReadAsync(IsEnabled, cancellationToken);

    /// <summary>Everything checked before anything changes: the server can stream, the role can log in for replication, the image has pg_receivewal.</summary>
    public async Task<WalArchivePlan> PlanAsync(CancellationToken cancellationToken)
    {
        var settings = Settings;
        _ = _session.ReplicationPassword; // a missing password fails here, before any change
        var postgres = await _session.FindPostgresAsync(cancellationToken).ConfigureAwait(false);
        var inspect = await _session.Docker.CallAsync($"inspecting {postgres.Name}",
            (c, ct) => c.Containers.InspectContainerAsync(postgres.ContainerId, ct), cancellationToken).ConfigureAwait(false);

        var current = _overrides.LoadOverride(); // an override file that is not FrostGuard's stops it here, before any change
        CheckServiceName(current);

        string walLevel, dataDirectory, port, keepSizeNow, version, synchronousNames;
        int senders, slots, otherSlots;
        bool? roleReady;
        bool mayReplicate, mayAlterSystem, keepSizeFromAlterSystem;
        string? slotStatus, slotUser;
        await using (var connection = await _session.Database.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT current_setting('wal_level'), current_setting('max_wal_senders')::int, current_setting('max_replication_slots')::int,
                       current_setting('data_directory'), current_setting('port'), current_setting('max_slot_wal_keep_size'),
                       current_setting('server_version_num'),
                       (SELECT rolcanlogin AND rolreplication FROM pg_roles WHERE rolname = $1),
                       (SELECT coalesce(wal_status, 'reserved') FROM pg_replication_slots WHERE slot_name = $2),
                       (SELECT r.application_name FROM pg_replication_slots s JOIN pg_stat_replication r ON r.pid = s.active_pid WHERE s.slot_name = $2),
                       current_setting('synchronous_standby_names'),
                       (SELECT rolsuper OR rolreplication FROM pg_roles WHERE rolname = current_user),
                       has_parameter_privilege('max_slot_wal_keep_size', 'ALTER SYSTEM'),
                       (SELECT count(*)::int FROM pg_replication_slots WHERE slot_name <> $2),
                       (SELECT source = 'configuration file' AND coalesce(sourcefile LIKE '%postgresql.auto.conf', true) FROM pg_settings WHERE name = 'max_slot_wal_keep_size')
                """;
            command.Parameters.AddWithValue(settings.User);
            command.Parameters.AddWithValue(settings.Slot);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            walLevel = reader.GetString(0);
            senders = reader.GetInt32(1);
            slots = reader.GetInt32(2);
            dataDirectory = reader.GetString(3);
            port = reader.GetString(4);
            keepSizeNow = reader.GetString(5);
            version = reader.GetString(6);
            roleReady = reader.IsDBNull(7) ? null : reader.GetBoolean(7);
            slotStatus = reader.IsDBNull(8) ? null : reader.GetString(8);
            slotUser = reader.IsDBNull(9) ? null : reader.GetString(9);
            synchronousNames = reader.GetString(10);
            mayReplicate = reader.GetBoolean(11);
            mayAlterSystem = reader.GetBoolean(12);
            otherSlots = reader.GetInt32(13);
            keepSizeFromAlterSystem = reader.GetBoolean(14);
        }

        if (int.Parse(version, CultureInfo.InvariantCulture) < 150000)
        {
            throw NotReady($"The server is PostgreSQL {version}; FrostGuard's WAL archive needs 15 or later (pg_receivewal there starts a new archive from the slot's position).",
                "Upgrade the database to PostgreSQL 15 or later.");
        }

        if (slotUser is not null && slotUser != settings.Service)
        {
            throw NotReady($"The replication slot {settings.Slot} (walArchive.slot) is in use by '{slotUser}', not by the archiver.",
                $"Name another slot in walArchive.slot of {_session.Config.SourcePath}; FrostGuard never takes over a slot someone else streams through.");
        }

        if (synchronousNames.Trim() == "*" || synchronousNames.Contains(settings.Service, StringComparison.Ordinal) || synchronousNames.Contains("(*)", StringComparison.Ordinal))
        {
            throw NotReady($"synchronous_standby_names is '{synchronousNames}': the archiver would become a synchronous standby, and every commit would wait while it is stopped.",
                "Name your standbys in synchronous_standby_names explicitly (not '*'), then run Enable-FrostWalArchive again.");
        }

        if (!mayReplicate || (keepSizeNow != settings.MaxSlotWalKeepSize && !mayAlterSystem))
        {
            throw NotReady($"The database user {_session.Config.Database.User} may not {(!mayReplicate ? "create replication slots (it needs REPLICATION or SUPERUSER)" : "change max_slot_wal_keep_size (ALTER SYSTEM)")}.",
                $"As a superuser: {(!mayReplicate ? $"ALTER ROLE {_session.Config.Database.User} REPLICATION" : $"GRANT ALTER SYSTEM ON PARAMETER max_slot_wal_keep_size TO {_session.Config.Database.User}")}; then run Enable-FrostWalArchive again.");
        }

        if (walLevel == "minimal" || senders == 0 || slots == 0)
        {
            throw NotReady($"PostgreSQL cannot stream WAL: wal_level is {walLevel}, max_wal_senders {senders}, max_replication_slots {slots}.",
                "Set wal_level = replica and max_wal_senders, max_replication_slots of at least 2 (the defaults of PostgreSQL 10 and later), restart the database, then run Enable-FrostWalArchive again.");
        }

        if (roleReady is not true)
        {
            throw NotReady(
                roleReady is null ? $"The role {settings.User} (walArchive.user) does not exist." : $"The role {settings.User} (walArchive.user) lacks LOGIN or REPLICATION.",
                $"As a superuser: CREATE ROLE {settings.User} LOGIN REPLICATION PASSWORD '…' (the password of walArchive.password); pg_hba.conf needs a line `host replication {settings.User} <address> scram-sha-256`. Then run Enable-FrostWalArchive again.");
        }

        var major = int.Parse(version, CultureInfo.InvariantCulture) / 10000;
        var (tool, _) = await postgres.LocateToolAsync("pg_receivewal", major, cancellationToken).ConfigureAwait(false);
        var (owner, ownerText) = await postgres.Exec.RunForTextAsync(["stat", "-c", "%u:%g", dataDirectory], cancellationToken).ConfigureAwait(false);
        if (!owner.Succeeded || !OwnerPattern().IsMatch(ownerText))
        {
            throw NotReady($"Cannot tell who owns the data folder {dataDirectory} in {postgres.Name} (stat: exit {owner.ExitCode}, '{ownerText}').",
                $"Run `docker exec {postgres.Name} stat -c %u:%g {dataDirectory}` to see why.");
        }

        var host = inspect.HostConfig?.NetworkMode == "host";
        var networkMode = host ? "host" : $"service:{_session.Config.Database.Service}";
        var connectHost = host ? _session.Config.Database.Host : "127.0.0.1";
        var connectPort = host ? _session.Config.Database.Port.ToString(CultureInfo.InvariantCulture) : port;
        // The database's own read-only mounts (a host's binaries, its configuration), never its data.
        // Sorted: Docker lists mounts in no fixed order, and a second Enable must find the same definition.
        var volumes = (inspect.Mounts ?? []).Where(m => !m.RW && m.Type == "bind" && !string.IsNullOrEmpty(m.Source))
            .Select(m => $"{m.Source}:{m.Destination}:ro")
            .Order(StringComparer.Ordinal)
            .Append($"{Folder}:{ContainerWal}")
            .Append($"{SecretFolder}:{ContainerSecrets}:ro")
            .ToList();
        return new WalArchivePlan(
            inspect.Config?.Image ?? inspect.Image, ownerText, networkMode, tool, Folder, SecretFolder,
            $"host={connectHost} port={connectPort} user={settings.User} application_name={settings.Service}",
            slotStatus is null, slotStatus == "lost", keepSizeNow, settings.MaxSlotWalKeepSize, volumes)
        { OtherSlots = otherSlots, KeepSizeFromAlterSystem = keepSizeFromAlterSystem };
    }

    /// <summary>The archiver's service name must be FrostGuard's own: never one of the deployment's services, which Disable would stop and remove.</summary>
    private void CheckServiceName(ComposeOverride current)
    {
        var name = Settings.Service;
        var config = _session.Config;
        var taken = new HashSet<string>(StringComparer.Ordinal) { config.Database.Service, config.Update.Service };
        taken.UnionWith(config.Update.Slots.Select(s => s.Service));
        taken.UnionWith(current.Services.Keys);
        foreach (var file in config.Project.ComposeFiles.Select(f => Path.Combine(config.Project.Directory, f)).Where(File.Exists))
        {
            taken.UnionWith(ComposeServiceNames(file));
        }

        if (taken.Contains(name))
        {
            throw NotReady($"walArchive.service is '{name}', a service of the deployment itself; FrostGuard adds the archiver as a service of its own.",
                $"Set walArchive.service in {config.SourcePath} to a name the compose files do not use (the default is wal-archive).");
        }
    }

    private static IEnumerable<string> ComposeServiceNames(string composeFile)
    {
        var yaml = new YamlDotNet.RepresentationModel.YamlStream();
        using (var reader = new StreamReader(composeFile))
        {
            yaml.Load(reader);
        }

        return yaml.Documents.Count > 0 && yaml.Documents[0].RootNode is YamlDotNet.RepresentationModel.YamlMappingNode root
            && root.Children.TryGetValue(new YamlDotNet.RepresentationModel.YamlScalarNode("services"), out var node) && node is YamlDotNet.RepresentationModel.YamlMappingNode services
            ? services.Children.Keys.OfType<YamlDotNet.RepresentationModel.YamlScalarNode>().Select(k => k.Value ?? "").ToList()
            : [];
    }

    public async Task<FrostWalArchive> EnableAsync(WalArchivePlan plan, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        using var deploymentLock = DeploymentLock.Acquire(_session.StateFolder, $"enabling the WAL archive ({Settings.Service})");
        // A new slot sets the archived files aside: WAL retention (under the backup lock) must not prune while they move.
        using var backupLock = plan.CreateSlot || plan.RecreateLostSlot ? Backups.BackupLock.AcquireCreatingRoot(_session.BackupRoot, $"setting the archived WAL aside ({Settings.Service})") : null;
        return await EnableHoldingLockAsync(plan, reporter, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>For callers that hold the deployment lock and the backup lock (a restore to a point creates the slot again).</summary>
    internal async Task<FrostWalArchive> EnableHoldingLockAsync(WalArchivePlan plan, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var settings = Settings;
        var (uid, gid) = ParseOwner(plan.User);

        reporter.Verbose($"the archive folder {plan.Folder} and the password file in {plan.SecretFolder}");
        PrepareFolder(Path.GetDirectoryName(plan.Folder)!, Posix.EffectiveUserId, Posix.EffectiveGroupId);
        PrepareFolder(plan.Folder, uid, gid);
        Directory.CreateDirectory(Path.GetDirectoryName(plan.SecretFolder)!);
        PrepareFolder(plan.SecretFolder, uid, gid);
        var passfile = Path.Combine(plan.SecretFolder, "pgpass");
        AtomicFile.Write(passfile, System.Text.Encoding.UTF8.GetString(PgPassWrapper.PasswordLine(_session.ReplicationPassword)), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Posix.Chown(passfile, uid, gid);

        await using (var connection = await _session.Database.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            if (plan.KeepSizeNow != plan.KeepSize)
            {
                if (plan.OtherSlots > 0)
                {
                    reporter.Warning($"max_slot_wal_keep_size goes from {plan.KeepSizeNow} to {plan.KeepSize} for every slot, the {plan.OtherSlots} other one(s) included: a standby further behind than that loses its slot. Set walArchive.maxSlotWalKeepSize to what they need.");
                }

                // Recorded first: Disable-FrostWalArchive puts back what was there before the first Enable.
                SlotKeepSizeBefore? earlier = null;
                try
                {
                    earlier = SlotKeepSizeBefore.Read(KeepSizeRecord);
                }
                catch (FrostException e)
                {
                    reporter.Warning($"{e.Message} It is replaced by what the server has now ({plan.KeepSizeNow}).");
                }

                SlotKeepSizeBefore.Next(earlier, plan.KeepSizeNow!, plan.KeepSizeFromAlterSystem, plan.KeepSize).Save(KeepSizeRecord);
                reporter.Verbose($"ALTER SYSTEM SET max_slot_wal_keep_size = '{plan.KeepSize}'");
                await ExecuteAsync(connection, $"ALTER SYSTEM SET max_slot_wal_keep_size = '{plan.KeepSize}'", null, cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, "SELECT pg_reload_conf()", null, cancellationToken).ConfigureAwait(false);
            }

            if (plan.CreateSlot || plan.RecreateLostSlot)
            {
                if (plan.RecreateLostSlot)
                {
                    reporter.Warning($"The slot {settings.Slot} was invalidated (the archiver fell more than {plan.KeepSizeNow} behind): it is dropped and created again; the archive has a gap until the next base backup (Invoke-FrostBackup -Physical).");
                }

                // pg_receivewal resumes after its newest file, which a new slot no longer has: the files archived
                // so far move aside (still listed and used), and streaming starts from the new slot's position.
                await StopArchiverAsync(reporter, cancellationToken).ConfigureAwait(false);
                if (plan.RecreateLostSlot)
                {
                    await DropSlotAsync(connection, cancellationToken).ConfigureAwait(false);
                }

                if (WalArchiveFolder.SetAside(plan.Folder, DateTimeOffset.UtcNow) is { } earlier)
                {
                    reporter.Verbose($"the WAL archived before the new slot moved to {earlier}");
                }

                // Reserve WAL at once: from this moment nothing the archiver has not received is removed.
                await ExecuteAsync(connection, "SELECT pg_create_physical_replication_slot($1, true)", settings.Slot, cancellationToken).ConfigureAwait(false);
            }
        }

        var service = new AddedService(plan.Image, plan.User, plan.NetworkMode, [plan.ToolPath],
            [$"--directory={ContainerWal}", $"--slot={settings.Slot}", $"--dbname={plan.ConnectionInfo}", "--synchronous", "--no-password", "--status-interval=1", "--verbose"],
            plan.Volumes, new Dictionary<string, string> { ["PGPASSFILE"] = $"{ContainerSecrets}/pgpass" },
            // pg_receivewal ends cleanly on SIGINT (the .partial segment flushed); as PID 1 it would ignore SIGTERM.
            StopSignal: "SIGINT");
        var current = _overrides.LoadOverride();
        var next = current.WithAdded(settings.Service, service);
        if (next.Render() != current.Render())
        {
            next.Save(_session.Config.Project.Directory);
        }

        reporter.Verbose($"compose up -d --no-deps {settings.Service}");
        await new ComposeCli(_session.Config).UpAsync([settings.Service], TimeSpan.FromMinutes(2), reporter, cancellationToken).ConfigureAwait(false);
        await WaitStreamingAsync(cancellationToken).ConfigureAwait(false);
        return await StatusAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The service out of the override, its container gone, the slot dropped; the archived WAL stays.</summary>
    public async Task<FrostWalArchive> DisableAsync(IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var settings = Settings;
        using var deploymentLock = DeploymentLock.Acquire(_session.StateFolder, $"disabling the WAL archive ({settings.Service})");
        var current = _overrides.LoadOverride();
        if (current.Added.ContainsKey(settings.Service))
        {
            current.WithAdded(settings.Service, null).Save(_session.Config.Project.Directory);
        }

        await StopArchiverAsync(reporter, cancellationToken).ConfigureAwait(false);

        await using (var connection = await _session.Database.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            await DropSlotAsync(connection, cancellationToken).ConfigureAwait(false);
            await PutKeepSizeBackAsync(connection, reporter, cancellationToken).ConfigureAwait(false);
        }

        if (Directory.Exists(SecretFolder))
        {
            Directory.Delete(SecretFolder, recursive: true);
        }

        return await StatusAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Where Enable recorded max_slot_wal_keep_size as it found it.</summary>
    public string KeepSizeRecord => SlotKeepSizeBefore.PathIn(_session.Config.Project.Directory);

    /// <summary>
    /// max_slot_wal_keep_size back to what it was before Enable changed it, when it is still what
    /// Enable set; a value someone changed since stays, with a warning. The record goes either way.
    /// </summary>
    private async Task PutKeepSizeBackAsync(Npgsql.NpgsqlConnection connection, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        SlotKeepSizeBefore? before;
        try
        {
            before = SlotKeepSizeBefore.Read(KeepSizeRecord);
        }
        catch (FrostException e)
        {
            reporter.Warning($"{e.Message} {e.RecommendedAction}");
            return;
        }

        if (before is null)
        {
            return;
        }

        string now;
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT current_setting('max_slot_wal_keep_size')";
            now = (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        switch (before.PutBackFrom(now))
        {
            case KeepSizePutBack.Restore:
                reporter.Verbose($"{before.Statement} (max_slot_wal_keep_size was {before.Value} before Enable-FrostWalArchive)");
                await ExecuteAsync(connection, before.Statement, null, cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, "SELECT pg_reload_conf()", null, cancellationToken).ConfigureAwait(false);
                break;
            case KeepSizePutBack.ChangedSince:
                reporter.Warning($"max_slot_wal_keep_size is {now}, not the {before.SetTo} Enable-FrostWalArchive set: it was changed since, so it stays {now} (before archiving it was {before.Value}).");
                break;
        }

        File.Delete(KeepSizeRecord);
    }

    /// <summary>Drops the slot when it exists; a walsender outlives its client by up to wal_sender_timeout, so it is ended first.</summary>
    private async Task DropSlotAsync(Npgsql.NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, "SELECT pg_terminate_backend(active_pid, 10000) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL",
            Settings.Slot, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1", Settings.Slot, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes the archiver's containers (compose up creates them again from the override).</summary>
    private async Task StopArchiverAsync(IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var controller = new Services.ServiceController(_session.Docker, _session.Services);
        foreach (var container in (await _session.Services.ListAsync(cancellationToken).ConfigureAwait(false)).Where(s => s.Service == Settings.Service))
        {
            await controller.StopAndRemoveAsync(container, StopGrace, force: true, reporter, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task WaitStreamingAsync(CancellationToken cancellationToken)
    {
        var reader = new WalArchiveReader(_session);
        var deadline = DateTime.UtcNow + StreamingTimeout;
        while (true)
        {
            var slot = await reader.ReadSlotAsync(cancellationToken).ConfigureAwait(false);
            if (slot.Active)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new FrostException(ErrorIds.WalArchiveNotStreaming, FailureKind.OperationFailed,
                    $"The archiver service {Settings.Service} did not stream through the slot {Settings.Slot} within {StreamingTimeout.TotalSeconds:0} s.", Settings.Service,
                    $"Get-FrostLog {Settings.Service} shows pg_receivewal's own words (a wrong password, no pg_hba.conf line for replication); fix it and run Enable-FrostWalArchive again, or Disable-FrostWalArchive.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The folder, owned by uid:gid with mode 0700, whatever it was before.</summary>
    private static void PrepareFolder(string path, int uid, int gid)
    {
        Directory.CreateDirectory(path);
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        if (FileFacts.Read(path) is not { Kind: FileKind.Directory })
        {
            throw NotReady($"{path} is not a folder (a link is not followed).", $"Move {path} away, then run Enable-FrostWalArchive again.");
        }

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (uid != Posix.EffectiveUserId || gid != Posix.EffectiveGroupId)
        {
            try
            {
                Posix.Chown(path, uid, gid);
            }
            catch (IOException e)
            {
                throw NotReady($"Cannot give {path} to the database's uid {uid}:{gid}: {e.Message}.", "Run Enable-FrostWalArchive as root (the archive folder must belong to the database's uid).");
            }
        }
    }

    private static (int Uid, int Gid) ParseOwner(string owner)
    {
        var parts = owner.Split(':');
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    private static async Task ExecuteAsync(Npgsql.NpgsqlConnection connection, string sql, string? value, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        if (value is not null)
        {
            command.Parameters.AddWithValue(value);
        }

        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static FrostException NotReady(string what, string action) =>
        new(ErrorIds.WalArchiveNotReady, FailureKind.OperationFailed, what + " Nothing changed.", "walArchive", action);

    [System.Text.RegularExpressions.GeneratedRegex("^[0-9]+:[0-9]+$")]
    private static partial System.Text.RegularExpressions.Regex OwnerPattern();
}
