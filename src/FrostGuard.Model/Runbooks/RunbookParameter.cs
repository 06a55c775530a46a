namespace FrostGuard.Runbooks;

/// <summary>A parameter declared in the runbook's front matter.</summary>
public sealed class RunbookParameter
{
    public required string Name { get; init; }
    public string? Description { get; init; }
    /// <summary>string, int, bool, duration or path.</summary>
    public string Type { get; init; } = "string";
    public string? Default { get; init; }
    public bool Required { get; init; }
    public bool Secret { get; init; }
    public IReadOnlyList<string> AllowedValues { get; init; } = [];

    public override string ToString() => Name;
}
