namespace FrostGuard.Runbooks;

public enum FindingSeverity
{
    Warning,
    Error,
}

/// <summary>One validation finding, located as file:line:column.</summary>
public sealed class RunbookFinding
{
    public FindingSeverity Severity { get; init; }
    public required string Path { get; init; }
    public int Line { get; init; }
    public int Column { get; init; }
    /// <summary>A stable rule id, e.g. FG1001; docs/runbook-format.md lists them.</summary>
    public required string RuleId { get; init; }
    public required string Message { get; init; }
    public string? StepId { get; init; }

    public string Location => $"{Path}:{Line}:{Column}";

    public override string ToString() => $"{Location}: {Severity.ToString().ToLowerInvariant()} {RuleId}: {Message}";
}
