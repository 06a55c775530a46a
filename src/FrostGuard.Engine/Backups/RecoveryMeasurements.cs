using System.Text.Json;
using FrostGuard.Engine.Platform.Os;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Backups;

/// <summary>The last measured duration of one recovery objective.</summary>
public sealed record RecoveryMeasurement(double Seconds, DateTimeOffset MeasuredAt, string Source);

/// <summary>
/// The last measured restore, full-recovery and rollback durations, kept in the state folder
/// (<c>recovery-measurements.json</c>) by the commands and drills that measure them.
/// </summary>
public sealed class RecoveryMeasurements
{
    public const string FileName = "recovery-measurements.json";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };
    private static readonly object Gate = new();

    private readonly string _path;

    public RecoveryMeasurements(string stateFolder) => _path = Path.Combine(stateFolder, FileName);

    public IReadOnlyDictionary<string, RecoveryMeasurement> Read()
    {
        if (!File.Exists(_path))
        {
            return new Dictionary<string, RecoveryMeasurement>();
        }

        try
        {
            using var stream = File.OpenRead(_path);
            return JsonSerializer.Deserialize<Dictionary<string, RecoveryMeasurement>>(stream, Json) ?? new Dictionary<string, RecoveryMeasurement>();
        }
        catch (JsonException e)
        {
            throw new FrostException(ErrorIds.RecoveryObjectivesInvalid, FailureKind.InvalidData,
                $"{_path} is not valid JSON: {e.Message}", _path,
                $"Remove {_path}; the next Test-FrostBackup -Restore measures the restore again.", e);
        }
    }

    /// <summary>Records a measurement; a state folder that cannot be written costs a warning, not the command's result.</summary>
    public static void TryRecord(string stateFolder, string objectiveId, TimeSpan duration, string source, IFrostReporter reporter)
    {
        var measurements = new RecoveryMeasurements(stateFolder);
        try
        {
            measurements.Record(objectiveId, duration, source);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FrostException)
        {
            reporter.Warning($"Could not record the {objectiveId} measurement in {measurements._path}: {e.Message}. Get-FrostRecoveryStatus will not show it.");
        }
    }

    /// <summary>Records a measurement (temporary file and rename, so a reader never sees half a file).</summary>
    public void Record(string objectiveId, TimeSpan duration, string source)
    {
        lock (Gate)
        {
            var all = new Dictionary<string, RecoveryMeasurement>(Read(), StringComparer.Ordinal)
            {
                [objectiveId] = new RecoveryMeasurement(duration.TotalSeconds, DateTimeOffset.UtcNow, source),
            };
            PrivateFiles.CreateFolder(Path.GetDirectoryName(_path)!);
            var temporary = _path + ".partial";
            PrivateFiles.WriteAllText(temporary, JsonSerializer.Serialize(all, Json));
            File.Move(temporary, _path, overwrite: true);
        }
    }
}
