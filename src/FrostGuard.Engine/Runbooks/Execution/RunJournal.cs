using System.Text;
using System.Text.Json;
using FrostGuard.Engine.Platform.Os;
using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Runbooks.Execution;

/// <summary>
/// The append-only journal of one run: <c>runs/&lt;run id&gt;.jsonl</c> in the state folder, and each
/// step's output in <c>runs/&lt;run id&gt;/</c>. Each line is flushed when written (a flush, not an
/// fsync), so a process killed mid-step leaves a journal that resume can read. Journals and
/// outputs are private (0600, folders 0700): a step's output may hold what the masker missed.
/// </summary>
public sealed class RunJournal : IDisposable
{
    private readonly FileStream _stream;
    private readonly object _gate = new();

    private RunJournal(string path, string outputFolder)
    {
        Path = path;
        OutputFolder = outputFolder;
        _stream = PrivateFiles.Open(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
    }

    public string Path { get; }
    public string OutputFolder { get; }

    public static string RunsFolder(string stateFolder) => System.IO.Path.Combine(stateFolder, "runs");

    public static RunJournal Create(string stateFolder, string runId)
    {
        var runs = RunsFolder(stateFolder);
        var outputs = System.IO.Path.Combine(runs, runId);
        PrivateFiles.CreateFolder(outputs);
        return new RunJournal(System.IO.Path.Combine(runs, runId + ".jsonl"), outputs);
    }

    public static string NewRunId(DateTimeOffset now) =>
        $"{now.UtcDateTime:yyyyMMdd-HHmmss}-{Convert.ToHexString(Guid.NewGuid().ToByteArray(), 0, 3).ToLowerInvariant()}";

    public void Write(JournalEntry entry)
    {
        var line = JsonSerializer.SerializeToUtf8Bytes(entry, JournalEntry.Json);
        lock (_gate)
        {
            _stream.Write(line);
            _stream.WriteByte((byte)'\n');
            _stream.Flush(flushToDisk: false);
        }
    }

    /// <summary>Writes a step's (already masked and capped) output beside the journal.</summary>
    public string WriteOutput(string stepId, StepPhase phase, string output)
    {
        var name = phase == StepPhase.Main ? stepId : $"{stepId}.{phase.ToString().ToLowerInvariant()}";
        var file = System.IO.Path.Combine(OutputFolder, SafeFileName(name) + ".log");
        PrivateFiles.WriteAllText(file, output);
        return file;
    }

    public void Dispose() => _stream.Dispose();

    private static string SafeFileName(string name)
    {
        var invalid = System.IO.Path.GetInvalidFileNameChars();
        return new string(name.Select(c => invalid.Contains(c) ? '_' : c).ToArray());
    }
}
