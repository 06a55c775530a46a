using System.Text.Json;
using System.Text.RegularExpressions;
using FrostGuard.Engine.Backups.Wal;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Os;

namespace FrostGuard.Engine.Backups.Physical;

/// <summary>A named restore point: pg_create_restore_point's WAL location, when and on which timeline it was made.</summary>
public sealed record RestorePoint(string Name, string Lsn, DateTimeOffset Time, uint Timeline);

/// <summary>
/// The restore points of a cluster, kept beside its WAL archive (&lt;backup root&gt;/wal/&lt;project&gt;.restore-points.json)
/// so they travel with the backups: PostgreSQL finds a point by name in the WAL itself, FrostGuard
/// needs its location to pick the base backup and to know the archive reaches it.
/// </summary>
public static partial class RestorePoints
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    public static string PathFor(string backupRoot, string project) => Path.Combine(backupRoot, WalArchiveFolder.Parent, project + ".restore-points.json");

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")]
    public static partial Regex NamePattern();

    public static IReadOnlyList<RestorePoint> Read(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        try
        {
            return (JsonSerializer.Deserialize<List<RestorePoint>>(File.ReadAllText(path), Json) ?? [])
                .Where(p => NamePattern().IsMatch(p.Name)).ToList();
        }
        catch (JsonException e)
        {
            throw new FrostException(ErrorIds.BackupManifestInvalid, FailureKind.InvalidData,
                $"{path} is not a list of restore points FrostGuard wrote: {e.Message}", path,
                $"Move {path} aside; restore points made from now on are recorded again.", e);
        }
    }

    /// <summary>pg_create_restore_point on the live database, recorded beside the archive.</summary>
    public static async Task<FrostRestorePoint> CreateAsync(FrostSession session, string name, CancellationToken cancellationToken)
    {
        if (!NamePattern().IsMatch(name))
        {
            throw new FrostException(ErrorIds.BackupOptionsConflict, FailureKind.InvalidConfiguration,
                $"'{name}' is not a restore point name FrostGuard takes (letters, digits, '.', '_' and '-', up to 63, starting with a letter or digit).", name,
                "Name it like before-upgrade-2026-12-05.");
        }

        var path = PathFor(session.BackupRoot, session.Config.Project.Name);
        if (Read(path).Any(p => p.Name == name))
        {
            throw new FrostException(ErrorIds.BackupAlreadyExists, FailureKind.OperationFailed,
                $"A restore point '{name}' is recorded already in {path}; recovery to a name stops at its first occurrence in the WAL.", name,
                "Choose another name.");
        }

        await using var connection = await session.Database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT pg_create_restore_point($1)::text, clock_timestamp(), (SELECT timeline_id FROM pg_control_checkpoint())";
        command.Parameters.AddWithValue(name);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var point = new RestorePoint(name, reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), (uint)reader.GetInt32(2));
        Add(path, point);
        return new FrostRestorePoint { Name = point.Name, Lsn = point.Lsn, Time = point.Time, Timeline = point.Timeline, Path = path };
    }

    public static void Add(string path, RestorePoint point)
    {
        var points = Read(path).Append(point).ToList();
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.Write(path, JsonSerializer.Serialize(points, Json), UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
