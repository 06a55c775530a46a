namespace FrostGuard.Runbooks;

/// <summary>A Markdown runbook parsed into sections, steps, checklists, tables and parameters.</summary>
public sealed class FrostRunbook
{
    public required string Path { get; init; }
    public required string Id { get; init; }
    public required string Title { get; init; }
    public string? Summary { get; init; }
    /// <summary>SHA-256 of the file's bytes: a resumed run refuses a runbook that changed.</summary>
    public required string ContentHash { get; init; }
    public required IReadOnlyList<RunbookParameter> Parameters { get; init; }
    public required IReadOnlyList<string> Requires { get; init; }
    public required IReadOnlyList<string> Tags { get; init; }
    public required IReadOnlyList<RunbookSection> Sections { get; init; }
    /// <summary>Every step in document order, rollback and finally steps included.</summary>
    public required IReadOnlyList<RunbookStep> Steps { get; init; }
    public required IReadOnlyList<RunbookChecklistItem> Checklist { get; init; }
    public required IReadOnlyList<RunbookTable> Tables { get; init; }
    /// <summary>What the parser found wrong or doubtful; errors stop the runbook from running.</summary>
    public required IReadOnlyList<RunbookFinding> Findings { get; init; }

    public bool HasErrors => Findings.Any(f => f.Severity == FindingSeverity.Error);

    public RunbookStep? FindStep(string id) => Steps.FirstOrDefault(s => string.Equals(s.Id, id, StringComparison.OrdinalIgnoreCase));

    public override string ToString() => Path;
}
