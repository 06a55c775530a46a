using FrostGuard.Engine.Runbooks.Execution;

namespace FrostGuard.Engine.Tests.Runbooks;

/// <summary>Finding one run by id: its own journal when it is there, every journal otherwise, never a file outside the runs folder.</summary>
public sealed class JournalFindTests
{
    private static void Journal(string state, string fileId, string runId, string runbook)
    {
        using var journal = RunJournal.Create(state, fileId);
        journal.Write(new JournalEntry { Type = JournalEntryType.RunStart, Time = DateTimeOffset.UtcNow, RunId = runId, Runbook = runbook });
    }

    [Fact]
    public void A_run_is_found_by_its_id_in_any_letter_case_and_a_missing_one_is_null()
    {
        using var folder = new TempFolder();
        Journal(folder.Path, "20261205T101010Z-aaaa", "20261205T101010Z-aaaa", "/runbooks/a.md");
        Journal(folder.Path, "20261205T101011Z-bbbb", "20261205T101011Z-bbbb", "/runbooks/b.md");

        Assert.Equal("/runbooks/b.md", JournalReader.Find(folder.Path, "20261205T101011Z-bbbb")!.Runbook);
        Assert.Equal("/runbooks/a.md", JournalReader.Find(folder.Path, "20261205T101010Z-AAAA")!.Runbook);
        Assert.Null(JournalReader.Find(folder.Path, "20261205T101012Z-cccc"));
    }

    [Fact]
    public void A_journal_under_another_name_is_found_by_the_id_it_records()
    {
        using var folder = new TempFolder();
        Journal(folder.Path, "renamed", "20261205T101010Z-aaaa", "/runbooks/a.md");
        Journal(folder.Path, "20261205T101011Z-bbbb", "20261205T101099Z-other", "/runbooks/b.md");

        Assert.Equal("/runbooks/a.md", JournalReader.Find(folder.Path, "20261205T101010Z-aaaa")!.Runbook);
        Assert.Null(JournalReader.Find(folder.Path, "20261205T101011Z-bbbb")); // the file's name is not the run's id
    }

    [Fact]
    public void An_id_with_a_path_in_it_reads_no_file_outside_the_runs_folder()
    {
        using var folder = new TempFolder();
        var state = Path.Combine(folder.Path, "state");
        Journal(state, "20261205T101010Z-aaaa", "20261205T101010Z-aaaa", "/runbooks/a.md");
        Journal(folder.Path, "outside", "../../runs/outside", "/runbooks/outside.md");

        Assert.Null(JournalReader.Find(state, "../../runs/outside"));
    }
}
