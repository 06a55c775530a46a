using System.Text.Json;
using System.Text.Json.Serialization;
using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Runbooks.Execution;

/// <summary>One line of a run's JSON-lines journal.</summary>
public sealed record JournalEntry
{
    [JsonConverter(typeof(JournalEntryTypeConverter))]
    public required JournalEntryType Type { get; init; }
    public DateTimeOffset Time { get; init; }
    public string? RunId { get; init; }
    public string? Runbook { get; init; }
    public string? ContentHash { get; init; }
    public bool? WhatIf { get; init; }
    public string? ResumedFrom { get; init; }
    /// <summary>The run this run undoes (run-start of an undo run: Undo-FrostRunbookRun).</summary>
    public string? UndoOf { get; init; }
    public Dictionary<string, string>? Parameters { get; init; }
    public string? StepId { get; init; }
    public string? StepName { get; init; }
    public string? Section { get; init; }
    public StepLanguage? Language { get; init; }
    public StepPhase? Phase { get; init; }
    public int? Attempt { get; init; }
    public StepStatus? Status { get; init; }
    public RunStatus? RunStatus { get; init; }
    public double? DurationMs { get; init; }
    public int? ExitCode { get; init; }
    public string? Error { get; init; }
    public string? Message { get; init; }
    public string? RollbackStepId { get; init; }
    public string? OutputFile { get; init; }
    /// <summary>A step skipped by a resume because its effect was in place from an earlier run: still in place.</summary>
    public bool? Carried { get; init; }
    /// <summary>The runner's process id (run-start): who holds the run.</summary>
    public int? RunnerPid { get; init; }
    /// <summary>The deployment's configuration file the run was against (run-start), null for none: a resume continues a run against the same one.</summary>
    public string? Deployment { get; init; }
    /// <summary>The run lock the run held (<see cref="RunLock.KeyFor"/>, run-start): the runbook and deployment it ran, for finding what it left running.</summary>
    public string? LockKey { get; init; }
    /// <summary>The run was limited to some sections or steps (run-start): its success is not the runbook's, so it can be resumed.</summary>
    public bool? Limited { get; init; }
    /// <summary>A bash step's session id (its leader's pid, also its process group).</summary>
    public int? ProcessGroup { get; init; }
    /// <summary>The session leader's start time (/proc/&lt;pid&gt;/stat field 22, clock ticks since boot).</summary>
    public long? ProcessStart { get; init; }
    /// <summary>The boot the step's processes ran in: after a reboot its numbers mean nothing.</summary>
    public string? BootId { get; init; }
    /// <summary>The marker in the step's processes' environment (<see cref="FrostGuard.Engine.Platform.Os.StepSession.MarkerVariable"/>).</summary>
    public string? Marker { get; init; }

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };
}
