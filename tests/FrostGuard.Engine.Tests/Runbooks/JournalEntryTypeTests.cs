using System.Text.Json;
using FrostGuard.Engine.Runbooks.Execution;
using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Tests.Runbooks;

/// <summary>Journal line types: one vocabulary in the code, and on disk the names journals have always carried.</summary>
public sealed class JournalEntryTypeTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(JournalEntryType.RunStart, "run-start")]
    [InlineData(JournalEntryType.StepStart, "step-start")]
    [InlineData(JournalEntryType.StepEnd, "step-end")]
    [InlineData(JournalEntryType.RunEnd, "run-end")]
    [InlineData(JournalEntryType.StepProcess, "step-process")]
    [InlineData(JournalEntryType.StepCarried, "step-carried")]
    [InlineData(JournalEntryType.StepAttempt, "step-attempt")]
    public void EachTypeIsWrittenAndReadUnderItsNameOnDisk(JournalEntryType type, string name)
    {
        var line = JsonSerializer.Serialize(new JournalEntry { Type = type }, JournalEntry.Json);

        Assert.StartsWith($"{{\"type\":\"{name}\"", line);
        Assert.Equal(type, JsonSerializer.Deserialize<JournalEntry>(line, JournalEntry.Json)!.Type);
    }

    [Fact]
    public void EveryTypeButUnknownHasANameOnDiskAndUnknownIsNeverWritten()
    {
        Assert.Equal(Enum.GetValues<JournalEntryType>().Where(t => t != JournalEntryType.Unknown), JournalEntryTypeConverter.Names.Keys.Order());
        Assert.Throws<InvalidOperationException>(() => JsonSerializer.Serialize(new JournalEntry { Type = JournalEntryType.Unknown }, JournalEntry.Json));
    }

    [Fact]
    public void AJournalWrittenBeforeTheVocabularyWasAnEnumStillReads()
    {
        // Lines as FrostGuard wrote them when the type was a string; a type it does not know (a newer
        // FrostGuard's) is read and ignored, and the lines after it still count.
        var path = _folder.Write("runs/old.jsonl", """
            {"type":"run-start","time":"2025-03-03T08:00:00+00:00","runId":"old","runbook":"/runbooks/r.md","contentHash":"abc","whatIf":false,"parameters":{"Env":"staging"},"runnerPid":4242}
            {"type":"step-carried","time":"2025-03-03T08:00:00+00:00","runId":"old","stepId":"zero","phase":"Main","message":"outside this run's steps"}
            {"type":"step-start","time":"2025-03-03T08:00:01+00:00","stepId":"one","phase":"Main","attempt":1}
            {"type":"step-process","time":"2025-03-03T08:00:01+00:00","stepId":"one","phase":"Main","attempt":1,"processGroup":999999,"processStart":5,"bootId":"b","marker":"m"}
            {"type":"step-end","time":"2025-03-03T08:00:02+00:00","runId":"old","stepId":"one","stepName":"One","language":"Bash","phase":"Main","status":"Succeeded","attempt":1,"durationMs":1000,"exitCode":0}
            {"type":"step-paused","time":"2025-03-03T08:00:02+00:00","stepId":"two"}
            {"type":"step-start","time":"2025-03-03T08:00:03+00:00","stepId":"two","phase":"Main","attempt":1}
            {"type":"step-attempt","time":"2025-03-03T08:00:04+00:00","stepId":"two","phase":"Main","attempt":1,"status":"Failed","error":"bash exited with code 1","exitCode":1,"durationMs":10}
            {"type":"step-end","time":"2025-03-03T08:00:05+00:00","runId":"old","stepId":"two","stepName":"Two","language":"Bash","phase":"Main","status":"Failed","attempt":2,"durationMs":2000,"exitCode":1,"error":"bash exited with code 1"}
            {"type":"run-end","time":"2025-03-03T08:00:06+00:00","runId":"old","runStatus":"Failed"}

            """);

        var run = JournalReader.Read(path)!;
        var entries = JournalReader.Entries(path);

        Assert.Equal("old", run.RunId);
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal(["one:Succeeded", "two:Failed"], run.Steps.Select(s => $"{s.StepId}:{s.Status}"));
        Assert.Equal(10, entries.Count);
        Assert.Equal(JournalEntryType.Unknown, entries[5].Type);
        Assert.Equal(["one", "zero"], JournalReader.EffectsInPlace(entries).Order());
        Assert.Empty(OrphanedSteps.InFlight(entries));
    }
}
