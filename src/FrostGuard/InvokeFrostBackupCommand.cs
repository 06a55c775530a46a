using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Backups;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// Backs up the deployment's database: pg_dump in the database container, compressed and
/// checksummed on the way to the backup root; the backup exists once its manifest is written.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "FrostBackup", SupportsShouldProcess = true)]
[OutputType(typeof(FrostBackup))]
public sealed class InvokeFrostBackupCommand : FrostCmdlet
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

    /// <summary>Custom (one file, the default) or Directory (pg_dump -Fd -j in a short-lived container from the database's image).</summary>
    [Parameter]
    public FrostBackupFormat Format { get; set; } = FrostBackupFormat.Custom;

    /// <summary>Parallel pg_dump jobs; -Format Directory only.</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int Jobs { get; set; } = 1;

    protected override void EndProcessing()
    {
        var session = Session;
        var database = Database ?? session.Config.Database.Name;
        var destination = Destination is null ? session.BackupRoot : GetUnresolvedProviderPathFromPSPath(Destination);
        if (!ShouldProcess(database, $"Back up to {destination} ({Compression})"))
        {
            return;
        }

        var request = new BackupRequest
        {
            Database = database,
            Destination = destination,
            Compression = Compression,
            Label = Label,
            Verify = Verify.IsPresent,
            Format = Format,
            Jobs = Jobs,
        };
        if (Format == FrostBackupFormat.Directory && !MyInvocation.BoundParameters.ContainsKey(nameof(Compression)))
        {
            // The directory format's files are compressed by pg_dump itself: gzip unless asked otherwise.
            request = request with { Compression = FrostBackupCompression.Gzip };
        }

        try
        {
            WriteObject(Await((reporter, ct) => new BackupRunner(session).RunAsync(request, reporter, ct)));
        }
        catch (FrostException e)
        {
            WriteFrostError(e);
        }
    }
}
