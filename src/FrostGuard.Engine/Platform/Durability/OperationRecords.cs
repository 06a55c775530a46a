using System.Text.Json;
using FrostGuard.Engine.Platform.Os;

namespace FrostGuard.Engine.Platform.Durability;

/// <summary>
/// The operation records of one deployment: operations/&lt;project&gt;/&lt;operation&gt;.json in the
/// state folder, one per kind (the deployment lock lets one change run at a time). Each write is
/// atomic and synced with its folders, so after a crash or a power loss the record says at least
/// as much as was done. Records of other deployments sharing the state folder are never read.
/// </summary>
public sealed class OperationRecords
{
    /// <summary>The fact a command that failed (and did not die) leaves: the record is then the next command's at once.</summary>
    public const string FactFailed = "failed";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };
    private static readonly string[] Known = [OperationRecord.Rotation, OperationRecord.Restore, OperationRecord.Undo, OperationRecord.Update, OperationRecord.Recovery, OperationRecord.PointInTime];

    public OperationRecords(string stateFolder, string project) =>
        Folder = System.IO.Path.Combine(stateFolder, "operations", ProjectFolder(project));

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

    /// <summary>Writes the record as it is now: atomically, 0600, file and folders synced.</summary>
    public OperationRecord Save(OperationRecord record)
    {
        if (!Directory.Exists(Folder))
        {
            PrivateFiles.CreateFolder(Folder);
            Durable.Sync(Folder, System.IO.Path.GetDirectoryName(Folder)!); // the new folders' names, up to the state folder
        }

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

    /// <summary>
    /// The command failed, and said so, but left the deployment as the record describes: the
    /// record is handed on at once (not only once this process ends) to the next command that
    /// finishes or undoes this kind of operation.
    /// </summary>
    public OperationRecord Fail(OperationRecord record, Exception failure) =>
        Save(record.With(FactFailed, failure.Message));

    public OperationRecord? Find(string operation)
    {
        var path = PathOf(operation);
        if (!File.Exists(path))
        {
            return null;
        }

        OperationRecord? record;
        try
        {
            record = JsonSerializer.Deserialize<OperationRecord>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw Invalid(path, e.Message, e);
        }

        if (record is null || record.Operation != operation)
        {
            throw Invalid(path, $"it names the operation '{record?.Operation}', not {operation}", null);
        }

        return record with { Path = path };
    }

    /// <summary>Records left by processes that are gone, or by commands that failed: interrupted operations; and what could not be read.</summary>
    public (IReadOnlyList<OperationRecord> Records, IReadOnlyList<FrostException> Unreadable) Interrupted()
    {
        var records = new List<OperationRecord>();
        var unreadable = new List<FrostException>();
        if (!Directory.Exists(Folder))
        {
            return (records, unreadable);
        }

        foreach (var path in Directory.EnumerateFiles(Folder, "*.json").Order(StringComparer.Ordinal))
        {
            var operation = System.IO.Path.GetFileNameWithoutExtension(path);
            try
            {
                if (!Known.Contains(operation))
                {
                    throw Invalid(path, "FrostGuard writes no record of that name", null);
                }

                if (Find(operation) is { } record && (!ProcessIdentity.IsAlive(record.Owner) || record.Fact(FactFailed).Length > 0))
                {
                    records.Add(record);
                }
            }
            catch (FrostException e)
            {
                unreadable.Add(e);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                unreadable.Add(Invalid(path, e.Message, e));
            }
        }

        return (records, unreadable);
    }

    private FrostException Invalid(string path, string why, Exception? inner) =>
        new(ErrorIds.OperationRecordInvalid, FailureKind.InvalidData,
            $"The operation record {path} cannot be used: {why}.", path,
            $"Read it (it is JSON); finish or undo what it names by hand, then move it out of {Folder}.", inner);

    /// <summary>A Compose project name is letters, digits, '_' and '-'; anything else would not be a folder name of ours.</summary>
    private static string ProjectFolder(string project) =>
        project.Length > 0 && project.All(c => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '-')
            ? project
            : throw new FrostException(ErrorIds.OperationRecordInvalid, FailureKind.InvalidConfiguration,
                $"The project name '{project}' is not a Compose project name (letters, digits, '_', '-').", project, "Fix project.name in the FrostGuard configuration.");

    private string PathOf(string operation) => System.IO.Path.Combine(Folder, operation + ".json");
}
