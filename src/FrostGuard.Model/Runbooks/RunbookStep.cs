namespace FrostGuard.Runbooks;

public enum StepLanguage
{
    PowerShell,
    Bash,
}

/// <summary>How a step takes part in a run.</summary>
public enum StepRole
{
    /// <summary>Part of the normal sequence.</summary>
    Normal,
    /// <summary>Runs only as the rollback of a step that names it.</summary>
    Rollback,
    /// <summary>Runs at the end of every run, failed or not.</summary>
    Finally,
    /// <summary>The automated check of a checklist item; run by the checklist, not the runbook.</summary>
    Check,
}

/// <summary>An executable fenced code block and its attributes.</summary>
public sealed class RunbookStep
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public StepLanguage Language { get; init; }
    public StepRole Role { get; init; }
    public required string Code { get; init; }
    /// <summary>1-based line of the opening fence.</summary>
    public int Line { get; init; }
    /// <summary>1-based line of the first line of code.</summary>
    public int CodeLine { get; init; }
    public int Column { get; init; }
    public string? SectionId { get; init; }
    public TimeSpan? Timeout { get; init; }
    public int Retries { get; init; }
    public TimeSpan RetryDelay { get; init; }
    public bool Confirm { get; init; }
    public bool ContinueOnError { get; init; }
    /// <summary>A PowerShell expression; the step is skipped when it is false.</summary>
    public string? When { get; init; }
    /// <summary>The id of the step that undoes this one.</summary>
    public string? Rollback { get; init; }
    public bool IsReadOnly { get; init; }
    public bool IsDestructive { get; init; }
    /// <summary>Working directory (Runme's cwd).</summary>
    public string? WorkingDirectory { get; init; }
    /// <summary>Every attribute as written, Runme's included.</summary>
    public required IReadOnlyDictionary<string, string> Attributes { get; init; }

    public bool NeedsConfirmation => Confirm || IsDestructive;

    public override string ToString() => $"{Id} ({Language}, line {Line})";
}
