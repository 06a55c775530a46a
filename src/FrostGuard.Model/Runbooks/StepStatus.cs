namespace FrostGuard.Runbooks;

public enum StepStatus
{
    Succeeded,
    Failed,
    Skipped,
    TimedOut,
    Cancelled,
    /// <summary>A dry run simulated the step (or would have run it).</summary>
    WhatIf,
    /// <summary>The step had succeeded or half-applied, and its rollback step undid it.</summary>
    RolledBack,
}

/// <summary>Which part of a run a result belongs to.</summary>
public enum StepPhase
{
    Main,
    Rollback,
    Finally,
}

public enum RunStatus
{
    /// <summary>Still running, or the process died mid-run (kill -9): resumable.</summary>
    Incomplete,
    Succeeded,
    Failed,
    Cancelled,
    WhatIf,
}
