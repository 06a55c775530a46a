using System.Text.Json;
using System.Text.Json.Serialization;
using FrostGuard.Engine.Platform.Os;

namespace FrostGuard.Engine.Backups;

/// <summary>Rows of one table, counted in the dump's snapshot.</summary>
public sealed record TableRowCount(string Schema, string Table, long Rows)
{
    public string QualifiedName => $"{Schema}.{Table}";
}

/// <summary>One file of a directory-format archive: its path relative to the archive folder, size and SHA-256.</summary>
public sealed record BackupFileEntry(string Name, long SizeBytes, string Sha256);

/// <summary>
/// A table's contents in the dump's snapshot: rows with a key up to <see cref="MaxId"/> and a
/// checksum over them (see <see cref="TableChecksums"/>). Only tables with a one-column integer
/// primary key get one.
/// </summary>
public sealed record TableChecksum(string Schema, string Table, string KeyColumn, long MaxId, long Rows, string Checksum, string Method = TableChecksums.HashMethod)
{
    public string QualifiedName => $"{Schema}.{Table}";
}

/// <summary>
/// What a physical base backup is: the WAL range pg_basebackup reported (start and end LSN on
/// a timeline), when it started and ended, the cluster's system identifier, the data folder's size.
/// </summary>
public sealed record PhysicalBackupFacts(
    string StartLsn, string EndLsn, uint Timeline, DateTimeOffset StartTime, DateTimeOffset EndTime,
    string SystemIdentifier, long WalSegmentSize, long DataBytes, string StartSegment);

/// <summary>
/// A backup's manifest (<c>&lt;id&gt;.manifest.json</c>): written last, after the archive is on
/// disk and synced. A backup exists only if its manifest does.
/// </summary>
public sealed record BackupManifest
{
    public const string Extension = ".manifest.json";
    public const int CurrentVersion = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter<FrostBackupFormat>(allowIntegerValues: false), new JsonStringEnumConverter() },
    };

    public int ManifestVersion { get; init; } = CurrentVersion;
    public required string Id { get; init; }
    public required string Database { get; init; }
    public DateTimeOffset Created { get; init; }
    /// <summary>The archive's file name, in the manifest's folder.</summary>
    public required string File { get; init; }
    public long SizeBytes { get; init; }
    public long DumpBytes { get; init; }
    /// <summary>pg_database_size when the dump started: what a restore of it takes in a cluster (absent in older manifests).</summary>
    public long? DatabaseBytes { get; init; }
    public required string Sha256 { get; init; }
    /// <summary>Written as its name ("Custom", "Directory"); manifests older than the directory format have none.</summary>
    public FrostBackupFormat Format { get; init; } = FrostBackupFormat.Custom;
    public FrostBackupCompression Compression { get; init; }
    public required string ServerVersion { get; init; }
    public required string PgDumpVersion { get; init; }
    public double DurationSeconds { get; init; }
    public string? Label { get; init; }
    public bool Verified { get; init; }
    public string? Snapshot { get; init; }
    public IReadOnlyList<TableRowCount> Tables { get; init; } = [];
    /// <summary>The sealed configuration archive (-IncludeConfig), or null.</summary>
    public ConfigArchive.ConfigArchiveManifest? Config { get; init; }
    /// <summary>Directory format: every file of the archive folder; <see cref="Sha256"/> is then the SHA-256 of their sha256sum listing.</summary>
    public IReadOnlyList<BackupFileEntry>? Files { get; init; }
    /// <summary>pg_dump jobs that wrote a directory-format archive.</summary>
    public int? Jobs { get; init; }
    /// <summary>Content checksums of the tables with an integer primary key, taken in the dump's snapshot.</summary>
    public IReadOnlyList<TableChecksum>? Checksums { get; init; }
    /// <summary>A physical base backup's WAL range and times; null (and not written) for a logical backup.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PhysicalBackupFacts? Physical { get; init; }

    public static string PathFor(string folder, string id) => System.IO.Path.Combine(folder, id + Extension);

    public static string ArchiveName(string id, FrostBackupCompression compression) =>
        id + (compression == FrostBackupCompression.Zstd ? ".dump.zst" : ".dump");

    /// <summary>A physical base backup's archive: the data folder as a zstd-compressed tar.</summary>
    public static string BaseArchiveName(string id) => id + ".base.tar.zst";

    public static BackupManifest Read(string path)
    {
        using var stream = System.IO.File.OpenRead(path);
        return JsonSerializer.Deserialize<BackupManifest>(stream, Json)
            ?? throw new JsonException($"{path} holds no manifest");
    }

    /// <summary>
    /// Writes to a new temporary file of an unguessable name (0600), syncs it, and renames it over
    /// <paramref name="path"/>; the temporary file never outlives the call.
    /// </summary>
    public void Write(string path)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.partial";
        try
        {
            using (var stream = PrivateFiles.Open(temporary, FileMode.CreateNew))
            {
                JsonSerializer.Serialize(stream, this, Json);
                stream.Flush(flushToDisk: true);
            }

            System.IO.File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            System.IO.File.Delete(temporary); // nothing there once renamed
        }
    }

    public FrostBackup ToBackup(string folder) => new()
    {
        Id = Id,
        Database = Database,
        Created = Created,
        SizeBytes = SizeBytes,
        DumpBytes = DumpBytes,
        Sha256 = Sha256,
        Format = Format,
        Compression = Compression,
        ServerVersion = ServerVersion,
        PgDumpVersion = PgDumpVersion,
        Duration = TimeSpan.FromSeconds(DurationSeconds),
        Label = Label,
        Verified = Verified,
        RowCounts = Tables.ToDictionary(t => t.QualifiedName, t => t.Rows, StringComparer.Ordinal),
        Path = System.IO.Path.Combine(folder, File),
        ManifestPath = PathFor(folder, Id),
        ConfigFiles = Config?.Files ?? [],
        ConfigArchivePath = Config is null ? null : System.IO.Path.Combine(folder, Config.File),
        StartLsn = Physical?.StartLsn,
        EndLsn = Physical?.EndLsn,
        Timeline = Physical?.Timeline,
        RecoverableFrom = Physical?.EndTime ?? Created,
        RecoverableTo = Physical?.EndTime ?? Created,
    };
}
