using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Runbooks.Parsing;

/// <summary>Collects findings for one file, each located by line and column.</summary>
internal sealed class FindingSink
{
    private readonly List<RunbookFinding> _findings = [];

    public FindingSink(string path) => Path = path;

    public string Path { get; }

    public IReadOnlyList<RunbookFinding> Findings => _findings;

    public void Error(int line, int column, string ruleId, string message, string? stepId = null) =>
        Add(FindingSeverity.Error, line, column, ruleId, message, stepId);

    public void Warning(int line, int column, string ruleId, string message, string? stepId = null) =>
        Add(FindingSeverity.Warning, line, column, ruleId, message, stepId);

    private void Add(FindingSeverity severity, int line, int column, string ruleId, string message, string? stepId) =>
        _findings.Add(new RunbookFinding
        {
            Severity = severity,
            Path = Path,
            Line = line,
            Column = Math.Max(column, 1),
            RuleId = ruleId,
            Message = message,
            StepId = stepId,
        });
}
