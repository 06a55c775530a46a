namespace FrostGuard.Engine.Runbooks.Execution;

/// <summary>How to run a runbook.</summary>
public sealed record RunOptions
{
    public required string RunId { get; init; }
    public bool WhatIf { get; init; }
    /// <summary>Run only steps in these sections (and their subsections).</summary>
    public IReadOnlyCollection<string> Sections { get; init; } = [];
    /// <summary>Run only these steps.</summary>
    public IReadOnlyCollection<string> Steps { get; init; } = [];
    /// <summary>Parameter values as given to the hosts; secret ones are masked everywhere else.</summary>
    public IReadOnlyDictionary<string, RunParameterValue> Parameters { get; init; } = new Dictionary<string, RunParameterValue>();
    /// <summary>Steps whose effect is in place from the run being resumed (<see cref="JournalReader.EffectsInPlace"/>): skipped this time, and recorded as still in place.</summary>
    public IReadOnlyCollection<string> EffectsInPlace { get; init; } = [];
    public string? ResumedFrom { get; init; }
    /// <summary>The deployment's configuration file the run is against, null for none.</summary>
    public string? Deployment { get; init; }
    /// <summary>Largest output kept per step, in characters; the rest is cut with a note.</summary>
    public int OutputCap { get; init; } = 1024 * 1024;
}

/// <param name="Value">The plain value; for secrets only hosts ever see it.</param>
public sealed record RunParameterValue(string Value, bool Secret);
