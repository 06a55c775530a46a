using System.Text.Json;
using FrostGuard.Engine.Deployments;
using FrostGuard.Engine.Os;

namespace FrostGuard.Engine.Durability;

/// <summary>
/// The operation records of a state folder: operations/&lt;operation&gt;.json, one per kind (the
/// deployment lock lets one change run at a time). Each write is atomic and synced with its
/// folder, so after a crash or a power loss the record says at least as much as was done.
/// </summary>
public sealed class OperationRecords
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    public OperationRecords(string stateFolder) => Folder = System.IO.Path.Combine(stateFolder, "operations");

    public string Folder { get; }

    public OperationRecord Begin(string operation, string command, IReadOnlyDictionary<string, string>? facts = null)
    {
        var record = new OperationRecord
        {
            Operation = operation, Command = command, Owner = ProcessIdentity.Current, Started = DateTimeOffset.UtcNow,
            Facts = facts ?? new Dictionary<string, string>(),
        };
        return Save(record);
    }

    /// <summary>Writes the record as it is now: atomically, 0600, file and folder synced.</summary>
    public OperationRecord Save(OperationRecord record)
    {
        PrivateFiles.CreateFolder(Folder);
        var path = PathOf(record.Operation);
        AtomicFile.Write(path, JsonSerializer.Serialize(record, Json), PrivateFiles.FileMode);
        return record with { Path = path };
    }

    /// <summary>The operation is over (done, or undone by its own rollback): its record goes, durably.</summary>
    public void End(OperationRecord record)
    {
        File.Delete(PathOf(record.Operation));
        Durable.Sync(Folder);
    }

    public OperationRecord? Find(string operation)
    {
        var path = PathOf(operation);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return (JsonSerializer.Deserialize<OperationRecord>(File.ReadAllText(path), Json) ?? throw new JsonException("the file holds null")) with { Path = path };
        }
        catch (JsonException e)
        {
            throw new FrostException(ErrorIds.OperationRecordInvalid, FailureKind.InvalidData,
                $"The record of an interrupted {operation} ({path}) cannot be read: {e.Message}", path,
                $"Read it (it is JSON); finish or undo what it names by hand, then move it out of {Folder}.", e);
        }
    }

    /// <summary>Records left by processes that are gone: interrupted operations.</summary>
    public IReadOnlyList<OperationRecord> Interrupted()
    {
        if (!Directory.Exists(Folder))
        {
            return [];
        }

        return Directory.EnumerateFiles(Folder, "*.json")
            .Select(p => Find(System.IO.Path.GetFileNameWithoutExtension(p)))
            .OfType<OperationRecord>()
            .Where(r => !ProcessIdentity.IsAlive(r.Owner))
            .ToList();
    }

    private string PathOf(string operation) => System.IO.Path.Combine(Folder, operation + ".json");
}
