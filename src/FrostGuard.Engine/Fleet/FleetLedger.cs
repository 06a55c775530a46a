using System.Text.Json;
using System.Text.Json.Serialization;
using FrostGuard.Engine.Platform.Os;
using FrostGuard.Engine.Runbooks.Execution;
using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Fleet;

/// <summary>
/// The controller's record of its fleet runs: <c>fleet-runs/&lt;id&gt;.json</c> in its state folder,
/// rewritten whole (atomically) at every change of any host, and beside it
/// <c>fleet-runs/&lt;id&gt;/&lt;host&gt;.jsonl</c>, the copy of each host's own journal. A controller
/// killed at any point leaves a ledger that says which hosts were started (with the run id each
/// was given), so -Resume knows whom to follow and whom to start. Private: 0600 in a 0700 folder.
/// </summary>
public sealed class FleetLedger
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly object _gate = new();
    private FrostFleetRun _run;

    private FleetLedger(string folder, FrostFleetRun run)
    {
        Folder = folder;
        _run = run;
    }

    public string Folder { get; }

    /// <summary>The journal copy of a host's undo run is kept as &lt;host&gt;~undo.jsonl.</summary>
    public const string UndoSuffix = "~undo"; // "~" is in no host name

    public FrostFleetRun Run
    {
        get
        {
            lock (_gate)
            {
                return _run;
            }
        }
    }

    public static string FolderOf(string stateFolder) => Path.Combine(stateFolder, "fleet-runs");

    public static string NewFleetRunId(DateTimeOffset now) => "fleet-" + RunJournal.NewRunId(now);

    /// <summary>Starts the ledger of a new (or resumed) fleet run; written before any host starts.</summary>
    public static FleetLedger Create(string stateFolder, FrostFleetRun run)
    {
        var folder = PrivateFiles.CreateFolder(FolderOf(stateFolder));
        PrivateFiles.CreateFolder(Path.Combine(folder, run.FleetRunId));
        var ledger = new FleetLedger(folder, run);
        ledger.Save();
        return ledger;
    }

    /// <summary>Changes one host's line and writes the ledger.</summary>
    public FrostFleetHostRun Update(string host, Func<FrostFleetHostRun, FrostFleetHostRun> change)
    {
        lock (_gate)
        {
            var hosts = _run.Hosts.ToList();
            var index = hosts.FindIndex(h => h.Host == host);
            hosts[index] = change(hosts[index]);
            _run = Copy(_run, hosts, _run.Status, _run.Ended, _run.Message);
            Save();
            return hosts[index];
        }
    }

    /// <summary>Ends the run (or records why it stopped).</summary>
    public void Finish(FleetRunStatus status, string? message, DateTimeOffset? ended)
    {
        lock (_gate)
        {
            _run = Copy(_run, _run.Hosts, status, ended, message);
            Save();
        }
    }

    /// <summary>A resume takes the run over: this controller's PID, running again.</summary>
    public void Reopen(int controllerPid)
    {
        lock (_gate)
        {
            _run = Copy(_run, _run.Hosts, FleetRunStatus.Incomplete, null, null, controllerPid: controllerPid, resumedFrom: _run.FleetRunId);
            Save();
        }
    }

    /// <summary>Keeps the controller's copy of a host's journal; returns its path.</summary>
    public string KeepJournal(string host, string journal)
    {
        var path = Path.Combine(Folder, _run.FleetRunId, host + ".jsonl");
        AtomicFile.Write(path, journal, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    public static IReadOnlyList<FrostFleetRun> ReadAll(string stateFolder)
    {
        var folder = FolderOf(stateFolder);
        if (!Directory.Exists(folder))
        {
            return [];
        }

        return Directory.EnumerateFiles(folder, "fleet-*.json").Select(ReadFile).OfType<FrostFleetRun>()
            .OrderByDescending(r => r.Started).ThenByDescending(r => r.FleetRunId, StringComparer.Ordinal).ToList();
    }

    public static FrostFleetRun? Read(string stateFolder, string fleetRunId)
    {
        var path = Path.Combine(FolderOf(stateFolder), fleetRunId + ".json");
        return Path.GetFileName(path) == fleetRunId + ".json" && File.Exists(path) ? ReadFile(path) : null;
    }

    /// <summary>Opens an existing run's ledger to continue it (-Resume).</summary>
    public static FleetLedger Continue(string stateFolder, FrostFleetRun run) => new(FolderOf(stateFolder), run);

    /// <summary>A ledger as written, with each host's steps read from its journal copy; null when unreadable.</summary>
    public static FrostFleetRun? ReadFile(string path)
    {
        FrostFleetRun? run;
        try
        {
            run = JsonSerializer.Deserialize<FrostFleetRun>(File.ReadAllText(path), Json);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return null;
        }

        if (run?.Hosts is null || run.FleetRunId is null)
        {
            return null; // valid JSON, but not a ledger (a hand edit)
        }

        var hosts = run.Hosts.Select(h => h.JournalCopy is { } copy && File.Exists(copy) && JournalReader.Read(copy) is { } journal
            ? With(h, steps: journal.Steps.Concat(UndoSteps(copy)).ToList())
            : h).ToList();
        return Copy(run, hosts, run.Status, run.Ended, run.Message, path);
    }

    private static IEnumerable<FrostStepResult> UndoSteps(string journalCopy)
    {
        var undo = Path.ChangeExtension(journalCopy, null) + UndoSuffix + ".jsonl";
        return File.Exists(undo) && JournalReader.Read(undo) is { } run ? run.Steps : [];
    }

    public static FrostFleetHostRun With(FrostFleetHostRun h, FleetHostStatus? status = null, string? runId = null, DateTimeOffset? started = null,
        DateTimeOffset? ended = null, string? message = null, string? journalCopy = null, IReadOnlyList<FrostStepResult>? steps = null, string? undoRunId = null,
        bool clearEnded = false) => new()
    {
        Host = h.Host,
        Wave = h.Wave,
        FleetRunId = h.FleetRunId,
        Status = status ?? h.Status,
        RunId = runId ?? h.RunId,
        UndoRunId = undoRunId ?? h.UndoRunId,
        Started = started ?? h.Started,
        Ended = clearEnded ? null : ended ?? h.Ended,
        Message = message ?? h.Message,
        JournalCopy = journalCopy ?? h.JournalCopy,
        Steps = steps ?? h.Steps,
    };

    private void Save()
    {
        var file = Path.Combine(Folder, _run.FleetRunId + ".json");
        // Steps live in the journal copies; the ledger names hosts and runs.
        var stored = Copy(_run, _run.Hosts.Select(h => With(h, steps: [])).ToList(), _run.Status, _run.Ended, _run.Message, file);
        AtomicFile.Write(file, JsonSerializer.Serialize(stored, Json), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _run = Copy(_run, _run.Hosts, _run.Status, _run.Ended, _run.Message, file);
    }

    private static FrostFleetRun Copy(FrostFleetRun run, IReadOnlyList<FrostFleetHostRun> hosts, FleetRunStatus status, DateTimeOffset? ended, string? message,
        string? path = null, int? controllerPid = null, string? resumedFrom = null) => new()
    {
        FleetRunId = run.FleetRunId,
        Runbook = run.Runbook,
        ContentHash = run.ContentHash,
        Targets = run.Targets,
        WaveSizes = run.WaveSizes,
        MaxFailure = run.MaxFailure,
        SoakSeconds = run.SoakSeconds,
        GateChecks = run.GateChecks,
        RollbackCompleted = run.RollbackCompleted,
        Force = run.Force,
        Parameters = run.Parameters,
        Status = status,
        Started = run.Started,
        Ended = ended,
        ControllerPid = controllerPid ?? run.ControllerPid,
        ResumedFrom = resumedFrom ?? run.ResumedFrom,
        Inventory = run.Inventory,
        Message = message,
        Hosts = hosts,
        LedgerPath = path ?? run.LedgerPath,
    };
}
