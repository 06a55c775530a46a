using System.Text.Json;
using System.Text.Json.Serialization;
using FrostGuard.Engine.Platform.Os;

namespace FrostGuard.Engine.Deployments;

/// <summary>
/// Release records in the state folder: releases/&lt;id&gt;.json, one per release, and
/// releases/current naming the one the deployment runs. Every file is written to a temporary
/// name and renamed, so a reader never sees half a record.
/// </summary>
public sealed class ReleaseStore
{
    public const string CurrentFile = "current";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public ReleaseStore(string stateFolder, string project)
    {
        Folder = Path.Combine(stateFolder, "releases", project);
    }

    public string Folder { get; }

    /// <summary>A new id: the UTC time to the millisecond, sortable as text.</summary>
    public static string NewId(DateTimeOffset now) => now.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    public string PathOf(string id) => Path.Combine(Folder, id + ".json");

    public void Save(FrostRelease release)
    {
        PrivateFiles.CreateFolder(Folder);
        var path = PathOf(release.Id);
        release.Path = path;
        var current = release.IsCurrent;
        release.IsCurrent = false; // derived from the current file, never stored
        try
        {
            AtomicFile.Write(path, Serialize(release), PrivateFiles.FileMode);
        }
        finally
        {
            release.IsCurrent = current;
        }
    }

    public void SetCurrent(string id)
    {
        PrivateFiles.CreateFolder(Folder);
        AtomicFile.Write(Path.Combine(Folder, CurrentFile), id + "\n", PrivateFiles.FileMode);
    }

    public string? CurrentId()
    {
        var path = Path.Combine(Folder, CurrentFile);
        return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
    }

    /// <summary>Every record, newest first, with <see cref="FrostRelease.IsCurrent"/> set.</summary>
    public IReadOnlyList<FrostRelease> List()
    {
        if (!Directory.Exists(Folder))
        {
            return [];
        }

        var current = CurrentId();
        var releases = new List<FrostRelease>();
        foreach (var path in Directory.EnumerateFiles(Folder, "*.json"))
        {
            var release = Read(path);
            release.IsCurrent = release.Id == current;
            releases.Add(release);
        }

        return releases.OrderByDescending(r => r.Created).ThenByDescending(r => r.Id, StringComparer.Ordinal).ToList();
    }

    public FrostRelease Get(string id)
    {
        var release = List().FirstOrDefault(r => r.Id == id);
        return release ?? throw new FrostException(ErrorIds.ReleaseNotFound, FailureKind.NotFound,
            $"There is no release {id} in {Folder}.", id, "Get-FrostRelease lists the recorded releases.");
    }

    public static string Serialize(FrostRelease release) => JsonSerializer.Serialize(release, Json);

    public static FrostRelease Deserialize(string text, string path)
    {
        try
        {
            var release = JsonSerializer.Deserialize<FrostRelease>(text, Json)
                          ?? throw new JsonException("the file holds null");
            release.Path = path;
            return release;
        }
        catch (JsonException e)
        {
            throw new FrostException(ErrorIds.ReleaseRecordInvalid, FailureKind.InvalidData,
                $"The release record {path} is not valid: {e.Message}", path,
                $"Move {path} away; the other releases are still listed.", e);
        }
    }

    private static FrostRelease Read(string path) => Deserialize(File.ReadAllText(path), path);
}
