using FrostGuard.Engine.Fleet;
using FrostGuard.Engine.Runbooks.Execution;
using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Tests.Fleet;

/// <summary>The controller's ledger of a fleet run, on real files in a temp folder.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FleetLedgerTests : IDisposable
{
    private static readonly DateTimeOffset Noon = new(2025, 3, 3, 12, 0, 0, TimeSpan.Zero);

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string State => Path.Combine(_folder.Path, "state");

    internal static FrostFleetRun NewRun(string id, DateTimeOffset started, params string[] hosts) => new()
    {
        FleetRunId = id,
        Runbook = "/runbooks/patch.md",
        ContentHash = "abc123",
        Targets = ["app"],
        WaveSizes = ["1", "100%"],
        MaxFailure = "10%",
        Parameters = new Dictionary<string, string> { ["Env"] = "prod" },
        Inventory = "/fleet/inventory.md",
        Started = started,
        ControllerPid = 4242,
        Hosts = hosts.Select((h, i) => new FrostFleetHostRun { Host = h, Wave = i == 0 ? 1 : 2, FleetRunId = id }).ToList(),
    };

    /// <summary>A small real journal, as a host's runner writes it, returned as its text.</summary>
    internal static string Journal(string folder, string runId, string? undoOf = null, params (string Id, StepPhase Phase, StepStatus Status)[] steps)
    {
        string path;
        using (var journal = RunJournal.Create(folder, runId))
        {
            path = journal.Path;
            journal.Write(new JournalEntry { Type = JournalEntryType.RunStart, Time = Noon, RunId = runId, Runbook = "/runbooks/patch.md", ContentHash = "abc123", UndoOf = undoOf });
            foreach (var (id, phase, status) in steps)
            {
                journal.Write(new JournalEntry { Type = JournalEntryType.StepStart, Time = Noon, StepId = id, Phase = phase, Attempt = 1 });
                journal.Write(new JournalEntry
                {
                    Type = JournalEntryType.StepEnd, Time = Noon, RunId = runId, StepId = id, StepName = "Step " + id, Phase = phase, Status = status, Attempt = 1,
                });
            }

            journal.Write(new JournalEntry { Type = JournalEntryType.RunEnd, Time = Noon, RunId = runId, RunStatus = RunStatus.Succeeded });
        }

        return File.ReadAllText(path);
    }

    [Fact]
    public void Create_writes_the_ledger_privately_in_the_fleet_runs_folder()
    {
        var ledger = FleetLedger.Create(State, NewRun("fleet-1", Noon, "db", "app1"));

        var file = Path.Combine(State, "fleet-runs", "fleet-1.json");
        Assert.True(File.Exists(file));
        Assert.Equal(file, ledger.Run.LedgerPath);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(State, "fleet-runs")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(State, "fleet-runs", "fleet-1")));
    }

    [Fact]
    public void What_Create_wrote_reads_back()
    {
        FleetLedger.Create(State, NewRun("fleet-1", Noon, "db", "app1"));

        var run = FleetLedger.Read(State, "fleet-1")!;

        Assert.Equal(("fleet-1", "/runbooks/patch.md", "10%", 4242), (run.FleetRunId, run.Runbook, run.MaxFailure, run.ControllerPid));
        Assert.Equal(["1", "100%"], run.WaveSizes);
        Assert.Equal("prod", run.Parameters["Env"]);
        Assert.Equal(["db:1:Pending", "app1:2:Pending"], run.Hosts.Select(h => $"{h.Host}:{h.Wave}:{h.Status}"));
        Assert.Equal(FleetRunStatus.Incomplete, run.Status);
    }

    [Fact]
    public void Each_update_of_a_host_is_on_disk_when_it_returns()
    {
        var ledger = FleetLedger.Create(State, NewRun("fleet-1", Noon, "db", "app1"));

        var line = ledger.Update("db", h => FleetLedger.With(h, FleetHostStatus.Running, runId: "run-db", started: Noon));
        var afterFirst = FleetLedger.Read(State, "fleet-1")!;
        ledger.Update("app1", h => FleetLedger.With(h, FleetHostStatus.Unreachable, message: "no route to host"));
        var afterSecond = FleetLedger.Read(State, "fleet-1")!;

        Assert.Equal((FleetHostStatus.Running, "run-db"), (line.Status, line.RunId));
        Assert.Equal(["db:Running:run-db", "app1:Pending:"], afterFirst.Hosts.Select(h => $"{h.Host}:{h.Status}:{h.RunId}"));
        Assert.Equal(["db:Running:run-db", "app1:Unreachable:"], afterSecond.Hosts.Select(h => $"{h.Host}:{h.Status}:{h.RunId}"));
        Assert.Equal("no route to host", afterSecond.Hosts[1].Message);
        Assert.Equal(Noon, afterSecond.Hosts[0].Started);
    }

    [Fact]
    public void Finish_records_the_status_message_and_end()
    {
        var ledger = FleetLedger.Create(State, NewRun("fleet-1", Noon, "db"));

        ledger.Finish(FleetRunStatus.Stopped, "wave 1 exceeded -MaxFailure 10%", Noon.AddMinutes(5));

        var run = FleetLedger.Read(State, "fleet-1")!;
        Assert.Equal(FleetRunStatus.Stopped, run.Status);
        Assert.Equal("wave 1 exceeded -MaxFailure 10%", run.Message);
        Assert.Equal(Noon.AddMinutes(5), run.Ended);
        Assert.Equal(TimeSpan.FromMinutes(5), run.Duration);
    }

    [Fact]
    public void The_ledger_keeps_no_steps_itself_they_come_from_the_journal_copies()
    {
        var ledger = FleetLedger.Create(State, NewRun("fleet-1", Noon, "db"));
        var step = new FrostStepResult { RunId = "run-db", Runbook = "/runbooks/patch.md", StepId = "patch", StepName = "Patch", Status = StepStatus.Succeeded };

        ledger.Update("db", h => FleetLedger.With(h, FleetHostStatus.Succeeded, steps: [step]));

        Assert.Single(ledger.Run.Hosts[0].Steps);
        Assert.DoesNotContain("\"patch\"", File.ReadAllText(ledger.Run.LedgerPath!));
        Assert.Empty(FleetLedger.Read(State, "fleet-1")!.Hosts[0].Steps);
    }

    [Fact]
    public void KeepJournal_writes_a_private_copy_and_Read_fills_the_hosts_steps_from_it()
    {
        var ledger = FleetLedger.Create(State, NewRun("fleet-1", Noon, "db", "app1"));
        var journal = Journal(Path.Combine(_folder.Path, "db-state"), "run-db", null,
            ("backup", StepPhase.Main, StepStatus.Succeeded), ("patch", StepPhase.Main, StepStatus.Succeeded));

        var copy = ledger.KeepJournal("db", journal);
        ledger.Update("db", h => FleetLedger.With(h, FleetHostStatus.Succeeded, runId: "run-db", journalCopy: copy));

        Assert.Equal(Path.Combine(State, "fleet-runs", "fleet-1", "db.jsonl"), copy);
        Assert.Equal(journal, File.ReadAllText(copy));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(copy));
        var run = FleetLedger.Read(State, "fleet-1")!;
        Assert.Equal(["backup:Succeeded", "patch:Succeeded"], run.Hosts[0].Steps.Select(s => $"{s.StepId}:{s.Status}"));
        Assert.All(run.Hosts[0].Steps, s => Assert.Equal("run-db", s.RunId));
        Assert.Empty(run.Hosts[1].Steps);
    }

    [Fact]
    public void KeepJournal_again_replaces_the_copy_with_the_newer_journal()
    {
        var ledger = FleetLedger.Create(State, NewRun("fleet-1", Noon, "db"));
        var first = Journal(Path.Combine(_folder.Path, "a"), "run-db", null, ("backup", StepPhase.Main, StepStatus.Succeeded));
        var later = Journal(Path.Combine(_folder.Path, "b"), "run-db", null,
            ("backup", StepPhase.Main, StepStatus.Succeeded), ("patch", StepPhase.Main, StepStatus.Failed));

        ledger.KeepJournal("db", first);
        var copy = ledger.KeepJournal("db", later);
        ledger.Update("db", h => FleetLedger.With(h, journalCopy: copy));

        Assert.Equal(["backup:Succeeded", "patch:Failed"], FleetLedger.Read(State, "fleet-1")!.Hosts[0].Steps.Select(s => $"{s.StepId}:{s.Status}"));
    }

    [Fact]
    public void The_undo_journal_copy_adds_its_steps_after_the_hosts_own()
    {
        var ledger = FleetLedger.Create(State, NewRun("fleet-1", Noon, "db"));
        var own = Journal(Path.Combine(_folder.Path, "a"), "run-db", null,
            ("backup", StepPhase.Main, StepStatus.Succeeded), ("patch", StepPhase.Main, StepStatus.Succeeded));
        var undo = Journal(Path.Combine(_folder.Path, "b"), "undo-db", "run-db",
            ("patch", StepPhase.Rollback, StepStatus.RolledBack), ("backup", StepPhase.Rollback, StepStatus.Skipped));

        var copy = ledger.KeepJournal("db", own);
        var undoCopy = ledger.KeepJournal("db" + FleetLedger.UndoSuffix, undo);
        ledger.Update("db", h => FleetLedger.With(h, FleetHostStatus.RolledBack, journalCopy: copy, undoRunId: "undo-db"));

        Assert.Equal(Path.Combine(State, "fleet-runs", "fleet-1", "db~undo.jsonl"), undoCopy);
        var host = FleetLedger.Read(State, "fleet-1")!.Hosts[0];
        Assert.Equal(["backup:Main:Succeeded", "patch:Main:Succeeded", "patch:Rollback:RolledBack", "backup:Rollback:Skipped"],
            host.Steps.Select(s => $"{s.StepId}:{s.Phase}:{s.Status}"));
        Assert.Equal("undo-db", host.UndoRunId);
    }

    [Fact]
    public void A_journal_copy_that_is_gone_leaves_the_host_without_steps()
    {
        var ledger = FleetLedger.Create(State, NewRun("fleet-1", Noon, "db"));
        ledger.Update("db", h => FleetLedger.With(h, FleetHostStatus.Succeeded, journalCopy: Path.Combine(_folder.Path, "gone.jsonl")));

        var host = FleetLedger.Read(State, "fleet-1")!.Hosts[0];

        Assert.Equal(FleetHostStatus.Succeeded, host.Status);
        Assert.Empty(host.Steps);
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("a/b")]
    [InlineData("/etc/passwd")]
    [InlineData("..")]
    public void Read_refuses_an_id_that_would_leave_the_fleet_runs_folder(string id)
    {
        FleetLedger.Create(State, NewRun("fleet-1", Noon, "db"));
        // Ledgers that a path-escaping id would reach, were it followed.
        File.Copy(Path.Combine(State, "fleet-runs", "fleet-1.json"), Path.Combine(State, "x.json"));
        Directory.CreateDirectory(Path.Combine(State, "fleet-runs", "a"));
        File.Copy(Path.Combine(State, "fleet-runs", "fleet-1.json"), Path.Combine(State, "fleet-runs", "a", "b.json"));

        Assert.Null(FleetLedger.Read(State, id));
    }

    [Fact]
    public void Read_of_an_unknown_id_is_null()
    {
        FleetLedger.Create(State, NewRun("fleet-1", Noon, "db"));

        Assert.Null(FleetLedger.Read(State, "fleet-2"));
    }

    [Fact]
    public void ReadAll_lists_the_newest_run_first()
    {
        FleetLedger.Create(State, NewRun("fleet-b", Noon, "db"));
        FleetLedger.Create(State, NewRun("fleet-c", Noon.AddHours(-1), "db"));
        FleetLedger.Create(State, NewRun("fleet-a", Noon.AddHours(1), "db"));
        FleetLedger.Create(State, NewRun("fleet-d", Noon, "db"));

        // Same start: the later id first.
        Assert.Equal(["fleet-a", "fleet-d", "fleet-b", "fleet-c"], FleetLedger.ReadAll(State).Select(r => r.FleetRunId));
    }

    [Fact]
    public void ReadAll_skips_files_it_cannot_read()
    {
        FleetLedger.Create(State, NewRun("fleet-a", Noon, "db"));
        var good = File.ReadAllText(Path.Combine(State, "fleet-runs", "fleet-a.json"));
        File.WriteAllText(Path.Combine(State, "fleet-runs", "fleet-torn.json"), good[..(good.Length / 2)]);
        File.WriteAllText(Path.Combine(State, "fleet-runs", "fleet-garbage.json"), "not json at all");
        File.WriteAllText(Path.Combine(State, "fleet-runs", "fleet-empty.json"), "");

        Assert.Equal(["fleet-a"], FleetLedger.ReadAll(State).Select(r => r.FleetRunId));
    }

    [Fact]
    public void ReadAll_without_a_fleet_runs_folder_is_empty()
    {
        Assert.Empty(FleetLedger.ReadAll(State));
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("garbage")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("{\"FleetRunId\":\"fleet-1\",\"Status\":\"NoSuchStatus\"}")]
    public void ReadFile_of_a_torn_or_garbage_ledger_is_null(string content)
    {
        var file = _folder.Write("fleet-runs/fleet-1.json", content);

        Assert.Null(FleetLedger.ReadFile(file));
    }

    [Fact]
    public void ReadFile_of_a_ledger_cut_short_is_null()
    {
        var ledger = FleetLedger.Create(State, NewRun("fleet-1", Noon, "db", "app1"));
        var text = File.ReadAllText(ledger.Run.LedgerPath!);
        File.WriteAllText(ledger.Run.LedgerPath!, text[..(text.Length - 10)]);

        Assert.Null(FleetLedger.ReadFile(ledger.Run.LedgerPath!));
    }

    [Fact]
    public void Reopen_makes_the_run_incomplete_again_under_the_new_controller_and_keeps_its_hosts()
    {
        var ledger = FleetLedger.Create(State, NewRun("fleet-1", Noon, "db", "app1"));
        ledger.Update("db", h => FleetLedger.With(h, FleetHostStatus.Succeeded, runId: "run-db"));
        ledger.Update("app1", h => FleetLedger.With(h, FleetHostStatus.Failed, runId: "run-app1", message: "patch failed"));
        ledger.Finish(FleetRunStatus.Failed, "1 host failed", Noon.AddMinutes(3));
        var previous = FleetLedger.Read(State, "fleet-1")!;

        var resumed = FleetLedger.Continue(State, previous);
        resumed.Reopen(9999);

        var run = FleetLedger.Read(State, "fleet-1")!;
        Assert.Equal(FleetRunStatus.Incomplete, run.Status);
        Assert.Equal(9999, run.ControllerPid);
        Assert.Equal("fleet-1", run.ResumedFrom);
        Assert.Null(run.Ended);
        Assert.Null(run.Message);
        Assert.Equal(Noon, run.Started);
        Assert.Equal(["db:Succeeded:run-db", "app1:Failed:run-app1"], run.Hosts.Select(h => $"{h.Host}:{h.Status}:{h.RunId}"));
        Assert.Equal(("/runbooks/patch.md", "abc123", "10%"), (run.Runbook, run.ContentHash, run.MaxFailure));
        Assert.Equal(run.ControllerPid, resumed.Run.ControllerPid);
    }

    [Fact]
    public void A_continued_ledger_writes_to_the_same_file()
    {
        FleetLedger.Create(State, NewRun("fleet-1", Noon, "db"));
        var resumed = FleetLedger.Continue(State, FleetLedger.Read(State, "fleet-1")!);

        resumed.Update("db", h => FleetLedger.With(h, FleetHostStatus.Running));

        Assert.Equal(["fleet-1"], FleetLedger.ReadAll(State).Select(r => r.FleetRunId));
        Assert.Equal(FleetHostStatus.Running, FleetLedger.Read(State, "fleet-1")!.Hosts[0].Status);
    }

    [Fact]
    public void With_clearEnded_removes_the_end_and_keeps_the_rest()
    {
        var host = new FrostFleetHostRun { Host = "db", Wave = 2, Status = FleetHostStatus.Failed, RunId = "r1", Started = Noon, Ended = Noon.AddMinutes(1), Message = "m" };

        var again = FleetLedger.With(host, FleetHostStatus.Running, clearEnded: true);

        Assert.Equal(("db", 2, FleetHostStatus.Running, "r1", (DateTimeOffset?)Noon, (DateTimeOffset?)null, "m"),
            (again.Host, again.Wave, again.Status, again.RunId, again.Started, again.Ended, again.Message));
    }

    [Fact]
    public void A_new_fleet_run_id_is_a_run_id_with_the_fleet_prefix()
    {
        Assert.Matches("^fleet-20250303-120000-[0-9a-f]{6}$", FleetLedger.NewFleetRunId(Noon));
    }
}
