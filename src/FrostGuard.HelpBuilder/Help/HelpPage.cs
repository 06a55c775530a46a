namespace FrostGuard.HelpTool;

/// <summary>
/// One cmdlet's help page (docs/cmdlets/&lt;Verb-Noun&gt;.md) in FrostGuard's own model: prose as
/// plain paragraphs, every part with the line it came from so problems can name it.
/// </summary>
public sealed class HelpPage
{
    public required string Path { get; init; }
    public required string Name { get; init; }
    public required HelpText Synopsis { get; init; }
    public required HelpText Description { get; init; }
    public required IReadOnlyList<HelpParameterText> Parameters { get; init; }
    public required IReadOnlyList<HelpExample> Examples { get; init; }
    public required IReadOnlyList<HelpOutput> Outputs { get; init; }
    public required IReadOnlyList<HelpLink> RelatedLinks { get; init; }
    /// <summary>Optional "## Notes": shown by Get-Help -Full.</summary>
    public HelpText? Notes { get; init; }
}

/// <summary>Paragraphs of plain text (lists and code kept line by line) and the line they start on.</summary>
public sealed record HelpText(IReadOnlyList<string> Paragraphs, int Line)
{
    public static HelpText Empty(int line) => new([], line);

    public string Joined => string.Join(Environment.NewLine + Environment.NewLine, Paragraphs);
}

/// <summary>A "### -Name" section: what the page says about one parameter.</summary>
public sealed record HelpParameterText(string Name, HelpText Text)
{
    /// <summary>The value after "Default:" when the text gives one as a code span (Default: `120`).</summary>
    public string? DefaultValue { get; init; }
}

/// <summary>A "### Example N: Title" section.</summary>
public sealed record HelpExample(int Number, string Title, string Code, bool NoExec, HelpText Remarks, int Line, int CodeLine);

/// <summary>A "### TypeName" section under Outputs.</summary>
public sealed record HelpOutput(string TypeName, HelpText Text);

/// <summary>A related link: another page of these docs (Uri empty) or a web address.</summary>
public sealed record HelpLink(string Text, string Uri, int Line);

/// <summary>A problem with a page: the file and line, and what to change.</summary>
public sealed record HelpProblem(string File, int Line, string Message)
{
    public override string ToString() => $"{File}:{Line}: error: {Message}";
}

/// <summary>Thrown when pages have problems: every problem found, not only the first.</summary>
public sealed class HelpPageException(IReadOnlyList<HelpProblem> problems)
    : Exception($"{problems.Count} problem(s) in the help pages:{Environment.NewLine}{string.Join(Environment.NewLine, problems)}")
{
    public IReadOnlyList<HelpProblem> Problems { get; } = problems;
}
