namespace FrostGuard.Runbooks;

/// <summary>A heading and what follows it up to the next heading of the same or a higher level.</summary>
public sealed class RunbookSection
{
    public required string Id { get; init; }
    public required string Title { get; init; }
    public int Level { get; init; }
    public int Line { get; init; }
    /// <summary>The enclosing section's id; null at the top.</summary>
    public string? ParentId { get; init; }
    public required IReadOnlyList<string> StepIds { get; init; }
    public required IReadOnlyList<RunbookTable> Tables { get; init; }

    public override string ToString() => $"{Id} ({Title})";
}
