using System.Globalization;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Database;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Backups;

/// <summary>What a backup knows when pg_dump is about to run: where it writes, from which snapshot, with which tool.</summary>
public sealed record DumpContext(
    FrostSession Session,
    BackupRequest Request,
    string Database,
    string Root,
    string Id,
    string Partial,
    ServerFacts Server,
    PostgresContainer Postgres,
    string PgDump,
    string PgDumpVersion,
    DumpSnapshot Snapshot,
    IFrostReporter Reporter)
{
    /// <summary>pg_dump's arguments that say which database, as whom, and from which snapshot.</summary>
    public IReadOnlyList<string> SourceArguments =>
    [
        "--no-password", "--host=127.0.0.1", "--port=" + Server.Port.ToString(CultureInfo.InvariantCulture),
        "--username=" + Session.Config.Database.User, "--dbname=" + Database, "--snapshot=" + Snapshot.Id,
    ];

    /// <summary>The .pgpass line pg_dump reads first on its stdin; a method, so a printed context never holds it.</summary>
    public byte[] PasswordLine() => PgPassWrapper.PasswordLine(Session.DatabasePassword);
}

/// <summary>What pg_dump left in the partial file or folder, for the manifest.</summary>
public sealed record DumpOutput(long SizeBytes, long DumpBytes, string Sha256)
{
    public IReadOnlyList<BackupFileEntry>? Files { get; init; }
    public int? Jobs { get; init; }
}

/// <summary>One backup format: how pg_dump runs and where its output goes; the pipeline (<see cref="BackupRunner"/>) does the rest.</summary>
public interface IDumpFormat
{
    /// <summary>The archive file's or folder's name once the backup is placed.</summary>
    string FinalName(string id, FrostBackupCompression compression);

    /// <summary>Runs pg_dump into <see cref="DumpContext.Partial"/>, every byte counted and hashed.</summary>
    Task<DumpOutput> DumpAsync(DumpContext context, CancellationToken cancellationToken);

    /// <summary>Gives the partial output its final name (synced before: <see cref="Platform.Durability.CrashPoints"/>).</summary>
    void Place(string partial, string final);

    /// <summary>Removes a partial or placed output that will never belong to a backup.</summary>
    void Discard(string path);
}
