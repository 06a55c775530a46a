using System.Text.Json;
using System.Text.Json.Serialization;
using FrostGuard.Engine.Platform.Files;
using FrostGuard.Engine.Platform.Os;

namespace FrostGuard.Engine.Secrets;

/// <summary>
/// How a rotation ended, as the rotation log says it. Not an output type: no command writes it
/// (Update-FrostSecret returns only a rotation that succeeded), so it stays in the engine.
/// </summary>
public enum RotationOutcome
{
    Rotated,
    RolledBack,
    RollbackFailed,
}

/// <summary>One line of the rotation log: when a secret was rotated and how it ended. Never the value.</summary>
public sealed record RotationEntry
{
    public required string Name { get; init; }
    public required DateTimeOffset At { get; init; }
    /// <summary>Written by its name: "Rotated", "RolledBack" or "RollbackFailed".</summary>
    public required RotationOutcome Outcome { get; init; }
    public string? Role { get; init; }
    public string? EnvFile { get; init; }
    public string? BackupFile { get; init; }
    public string? Reason { get; init; }
}

/// <summary>
/// secret-rotations.jsonl in the state folder: one JSON object per line, appended, so the record
/// of when each secret was last rotated survives restarts and .env rewrites (whose mtime
/// changes for reasons that are not rotations).
/// </summary>
public sealed class RotationLog
{
    public const string FileName = "secret-rotations.jsonl";
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter<RotationOutcome>(allowIntegerValues: false) },
    };

    public RotationLog(string stateFolder) => Path = System.IO.Path.Combine(stateFolder, FileName);

    public string Path { get; }

    public void Append(RotationEntry entry)
    {
        PrivateFiles.CreateFolder(System.IO.Path.GetDirectoryName(Path)!);
        using var stream = PrivateFiles.Open(Path, FileMode.Append);
        var line = System.Text.Encoding.UTF8.GetBytes(JsonSerializer.Serialize(entry, Json) + "\n");
        stream.Write(line);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Every entry, oldest first; a line that is not JSON is reported and skipped.</summary>
    public IReadOnlyList<RotationEntry> Read(Action<string>? warn = null)
    {
        if (!File.Exists(Path))
        {
            return [];
        }

        var entries = new List<RotationEntry>();
        var number = 0;
        foreach (var line in File.ReadLines(Path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                if (JsonSerializer.Deserialize<RotationEntry>(line, Json) is { } entry)
                {
                    entries.Add(entry);
                }
            }
            catch (JsonException e)
            {
                warn?.Invoke($"{Path}:{number} is not a rotation record ({e.Message}); skipped.");
            }
        }

        return entries;
    }
}
