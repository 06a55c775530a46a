namespace FrostGuard.Runbooks;

/// <summary>Where one host of a fleet run stands.</summary>
public enum FleetHostStatus
{
    /// <summary>Not started: its wave was not reached (yet).</summary>
    Pending,
    /// <summary>Started on the host, detached, and not finished when last looked at.</summary>
    Running,
    Succeeded,
    /// <summary>The host's run failed (its journal says why), or FrostGuard could not start it there.</summary>
    Failed,
    /// <summary>The run succeeded but the host failed the health gate after its wave.</summary>
    Unhealthy,
    /// <summary>No session: the host could not be reached, or its key was refused.</summary>
    Unreachable,
    /// <summary>The host's completed run was undone (-RollbackCompleted, Undo-FrostRunbookRun).</summary>
    RolledBack,
    /// <summary>Undoing the host's completed run failed: its state is not known.</summary>
    RollbackFailed,
}

/// <summary>How a fleet run ended.</summary>
public enum FleetRunStatus
{
    /// <summary>Running, or its controller died: -Resume continues it.</summary>
    Incomplete,
    Succeeded,
    /// <summary>Every wave ran, but some hosts did not succeed (within -MaxFailure): -Resume runs them again.</summary>
    Failed,
    /// <summary>A wave's failures exceeded -MaxFailure: the waves after it did not start.</summary>
    Stopped,
    /// <summary>Stopped, and the hosts that had completed were rolled back.</summary>
    RolledBack,
    Cancelled,
}

/// <summary>One host of a fleet run: its wave, its own run on the host and how it went.</summary>
public sealed class FrostFleetHostRun
{
    public required string Host { get; init; }
    /// <summary>1-based wave number.</summary>
    public int Wave { get; init; }
    public FleetHostStatus Status { get; init; }
    /// <summary>The run id of the host's own run (its journal on the host and its copy in the ledger).</summary>
    public string? RunId { get; init; }
    /// <summary>The run id of the undo run on the host, when the completed run was undone.</summary>
    public string? UndoRunId { get; init; }
    public DateTimeOffset? Started { get; init; }
    public DateTimeOffset? Ended { get; init; }
    /// <summary>Why the host failed, was unreachable or unhealthy.</summary>
    public string? Message { get; init; }
    /// <summary>The controller's copy of the host's journal.</summary>
    public string? JournalCopy { get; init; }
    /// <summary>The host's step results, read from its journal.</summary>
    public IReadOnlyList<FrostStepResult> Steps { get; init; } = [];
    /// <summary>The fleet run this belongs to.</summary>
    public string? FleetRunId { get; init; }

    public TimeSpan? Duration => Ended - Started;

    public override string ToString() => $"{Host}: {Status}";
}

/// <summary>A runbook run across fleet hosts in waves, as the controller's ledger records it.</summary>
public sealed class FrostFleetRun
{
    public required string FleetRunId { get; init; }
    public required string Runbook { get; init; }
    public required string ContentHash { get; init; }
    public required IReadOnlyList<string> Targets { get; init; }
    /// <summary>The wave sizes as given (-Wave), e.g. 1, 25%, 100%.</summary>
    public required IReadOnlyList<string> WaveSizes { get; init; }
    /// <summary>-MaxFailure as given, e.g. 10%.</summary>
    public required string MaxFailure { get; init; }
    public int SoakSeconds { get; init; }
    /// <summary>The health checks each host of a wave must pass (no Critical) before the next wave; empty: all of them.</summary>
    public IReadOnlyList<string> GateChecks { get; init; } = [];
    public bool RollbackCompleted { get; init; }
    public bool Force { get; init; }
    /// <summary>Parameters as given; fleet runs take no secret ones.</summary>
    public required IReadOnlyDictionary<string, string> Parameters { get; init; }
    public FleetRunStatus Status { get; init; }
    public DateTimeOffset Started { get; init; }
    public DateTimeOffset? Ended { get; init; }
    /// <summary>The controller process that runs (or ran) it.</summary>
    public int ControllerPid { get; init; }
    /// <summary>The fleet run this one resumed.</summary>
    public string? ResumedFrom { get; init; }
    /// <summary>The inventory the hosts came from.</summary>
    public required string Inventory { get; init; }
    /// <summary>Why the run stopped, when it did.</summary>
    public string? Message { get; init; }
    public required IReadOnlyList<FrostFleetHostRun> Hosts { get; init; }
    /// <summary>The ledger file.</summary>
    public string? LedgerPath { get; init; }

    public int Waves => Hosts.Count == 0 ? 0 : Hosts.Max(h => h.Wave);

    public TimeSpan? Duration => Ended - Started;

    public override string ToString() => FleetRunId;
}
