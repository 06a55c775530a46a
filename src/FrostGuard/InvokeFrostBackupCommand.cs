using System.Management.Automation;
using System.Security;
using FrostGuard.Engine.Backups.ConfigArchive;
using FrostGuard.Engine;
using FrostGuard.Engine.Backups;
using FrostGuard.Engine.Backups.Physical;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// Backs up the deployment's database: pg_dump in the database container, compressed and
/// checksummed on the way to the backup root; the backup exists once its manifest is written.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "FrostBackup", SupportsShouldProcess = true)]
[OutputType(typeof(FrostBackup))]
[OutputType(typeof(FrostRestorePoint))]
public sealed class InvokeFrostBackupCommand : Fleet.FleetTargetCmdlet
{
    /// <summary>The database to back up; the configured one by default.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Database { get; set; }

    /// <summary>The folder to write to; the configured backupRoot by default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    /// <summary>Zstd (default: pg_dump -Z0 compressed by FrostGuard), Gzip (pg_dump's own), None.</summary>
    [Parameter]
    public FrostBackupCompression Compression { get; set; } = FrostBackupCompression.Zstd;

    /// <summary>A free-text label kept in the manifest.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Label { get; set; }

    /// <summary>Read the archive back (checksum and pg_restore --list) before the backup is recorded.</summary>
    [Parameter]
    public SwitchParameter Verify { get; set; }

    /// <summary>Also archive the deployment's configuration (compose files, .env, mounted files, FrostGuard's configuration), sealed with AES-GCM, for a full server recovery.</summary>
    [Parameter]
    public SwitchParameter IncludeConfig { get; set; }

    /// <summary>The passphrase that seals the configuration archive (at least 12 characters).</summary>
    [Parameter]
    [ValidateNotNull]
    public SecureString? Passphrase { get; set; }

    /// <summary>A file of at least 32 random bytes that seals the configuration archive, instead of a passphrase.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? KeyFile { get; set; }

    /// <summary>Custom (one file, the default) or Directory (pg_dump -Fd -j in a short-lived container from the database's image).</summary>
    [Parameter]
    public FrostBackupFormat Format { get; set; } = FrostBackupFormat.Custom;

    /// <summary>Parallel pg_dump jobs; -Format Directory only.</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int Jobs { get; set; } = 1;

    /// <summary>A physical base backup of the whole cluster (pg_basebackup, verified with pg_verifybackup), for recovery to a point in time with the WAL archive.</summary>
    [Parameter]
    public SwitchParameter Physical { get; set; }

    /// <summary>Instead of a backup, a named restore point in the WAL (pg_create_restore_point), for Restore-FrostBackup -RestorePoint.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RestorePoint { get; set; }

    protected override void EndProcessing()
    {
        if (OnFleet)
        {
            // Backups run where the database is: each targeted host backs up its own database.
            if (ShouldProcess(string.Join(", ", Target!), $"Back up the database on each host ({Format}, {Compression}{(Verify ? ", verified" : "")})"))
            {
                var parameters = ForwardedParameters();
                parameters["Confirm"] = false;
                RunOnTargets(WriteFromHost, parameters);
            }

            return;
        }

        if (IncludeConfig.IsPresent != (Passphrase is not null || KeyFile is not null) || Passphrase is not null && KeyFile is not null)
        {
            ThrowTerminatingError(new ErrorRecord(
                new ArgumentException(IncludeConfig ? "-IncludeConfig needs exactly one of -Passphrase or -KeyFile to seal the configuration archive." : "-Passphrase and -KeyFile seal the configuration archive: give them with -IncludeConfig."),
                ErrorIds.ConfigArchiveKeyInvalid, ErrorCategory.InvalidArgument, IncludeConfig ? "IncludeConfig" : Passphrase is not null ? "Passphrase" : "KeyFile"));
        }

        if (RestorePoint is not null)
        {
            MakeRestorePoint();
            return;
        }

        if (Physical || Format == FrostBackupFormat.Physical)
        {
            RunPhysical();
            return;
        }

        var session = Session;
        var request = new BackupRequest
        {
            Database = Database ?? session.Config.Database.Name,
            Destination = Destination is null ? session.BackupRoot : GetUnresolvedProviderPathFromPSPath(Destination),
            Compression = MyInvocation.BoundParameters.ContainsKey(nameof(Compression)) ? Compression : null,
            Label = Label,
            Verify = Verify.IsPresent,
            Format = Format,
            Jobs = Jobs,
        };
        try
        {
            request.Check(); // before ShouldProcess: -WhatIf never previews a backup that would fail
        }
        catch (FrostException e)
        {
            WriteFrostError(e);
            return;
        }

        if (!ShouldProcess(request.Database, $"Back up to {request.Destination} ({Format}, {request.EffectiveCompression}{(Jobs > 1 ? $", {Jobs} jobs" : "")}{(IncludeConfig ? ", with the sealed configuration" : "")})"))
        {
            return;
        }

        using var configKey = IncludeConfig ? OpenConfigKey() : null;
        try
        {
            WriteObject(Await((reporter, ct) => new BackupRunner(session).RunAsync(request with { ConfigKey = configKey }, reporter, ct)));
        }
        catch (FrostException e)
        {
            WriteFrostError(e);
        }
    }

    private void MakeRestorePoint()
    {
        var session = Session;
        if (!ShouldProcess($"cluster of {session.Config.Project.Name}", $"Create the restore point '{RestorePoint}' (pg_create_restore_point) and record it beside the WAL archive"))
        {
            return;
        }

        try
        {
            WriteObject(Await((_, ct) => RestorePoints.CreateAsync(session, RestorePoint!, ct)));
        }
        catch (FrostException e)
        {
            WriteFrostError(e);
        }
    }

    private void RunPhysical()
    {
        var logicalOnly = new[] { nameof(Database), nameof(Compression), nameof(Jobs), nameof(IncludeConfig), nameof(Passphrase), nameof(KeyFile), nameof(Verify) }
            .Where(MyInvocation.BoundParameters.ContainsKey).ToList();
        if (logicalOnly.Count > 0)
        {
            ThrowTerminatingError(new ErrorRecord(
                new ArgumentException($"-{string.Join(", -", logicalOnly)} belong to logical backups; a physical base backup copies the whole cluster, zstd-compressed, and is always verified with pg_verifybackup."),
                ErrorIds.BackupOptionsConflict, ErrorCategory.InvalidArgument, logicalOnly[0]));
        }

        var session = Session;
        var destination = Destination is null ? session.BackupRoot : GetUnresolvedProviderPathFromPSPath(Destination);
        if (!ShouldProcess($"cluster of {session.Config.Project.Name}", $"Take a physical base backup (pg_basebackup as {session.Config.WalArchive.User}, verified with pg_verifybackup) to {destination}"))
        {
            return;
        }

        try
        {
            WriteObject(Await((reporter, ct) => new BaseBackupRunner(session).RunAsync(new BaseBackupRequest(destination, Label), reporter, ct)));
        }
        catch (FrostException e)
        {
            WriteFrostError(e);
        }
    }

    private ConfigArchiveKey OpenConfigKey()
    {
        try
        {
            return ConfigArchiveKeys.Open(Passphrase, KeyFile is null ? null : GetUnresolvedProviderPathFromPSPath(KeyFile));
        }
        catch (FrostException e)
        {
            ThrowFrostError(e);
            throw; // not reached: ThrowFrostError always throws
        }
    }
}
