namespace FrostGuard.Runbooks;

/// <summary>A pipe table kept as data, so cmdlets can read thresholds or objectives from the manual.</summary>
public sealed class RunbookTable
{
    public required string Path { get; init; }
    public string? SectionId { get; init; }
    public int Line { get; init; }
    public required IReadOnlyList<string> Header { get; init; }
    public required IReadOnlyList<IReadOnlyList<string>> Rows { get; init; }
    /// <summary>1-based source line of each row.</summary>
    public required IReadOnlyList<int> RowLines { get; init; }

    public override string ToString() => $"{string.Join(" | ", Header)} ({Rows.Count} rows, line {Line})";
}
