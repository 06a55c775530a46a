namespace FrostGuard.Runbooks;

/// <summary>A task-list item (<c>- [ ] …</c>); automated when it holds a <c>.check</c> block.</summary>
public sealed class RunbookChecklistItem
{
    public required string Text { get; init; }
    public int Line { get; init; }
    public string? SectionId { get; init; }
    public bool Checked { get; init; }
    /// <summary>The automated check; null for a manual check.</summary>
    public RunbookStep? Check { get; init; }

    public bool IsAutomated => Check is not null;

    public override string ToString() => Text;
}
