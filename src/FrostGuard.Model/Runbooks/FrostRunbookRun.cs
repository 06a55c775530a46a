namespace FrostGuard.Runbooks;

/// <summary>A past run of a runbook, read back from its journal.</summary>
public sealed class FrostRunbookRun
{
    public required string RunId { get; init; }
    public required string Runbook { get; init; }
    public required string ContentHash { get; init; }
    public RunStatus Status { get; init; }
    public DateTimeOffset Started { get; init; }
    public DateTimeOffset? Ended { get; init; }
    public bool WhatIf { get; init; }
    public string? ResumedFrom { get; init; }
    /// <summary>The run this run undid (Undo-FrostRunbookRun); null for an ordinary run.</summary>
    public string? UndoOf { get; init; }
    /// <summary>The deployment's configuration file the run was against; null for a run without one.</summary>
    public string? Deployment { get; init; }
    /// <summary>The run was limited to some sections or steps (-Section, -Step): its success is not the whole runbook's.</summary>
    public bool Limited { get; init; }
    /// <summary>Parameters as recorded: secret values are masked.</summary>
    public required IReadOnlyDictionary<string, string> Parameters { get; init; }
    public required IReadOnlyList<FrostStepResult> Steps { get; init; }
    public required string JournalPath { get; init; }

    public TimeSpan? Duration => Ended - Started;

    public override string ToString() => RunId;
}
