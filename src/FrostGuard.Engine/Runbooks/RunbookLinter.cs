using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Runbooks;

/// <summary>
/// Every check a runbook must pass, in one place for Test-FrostRunbook and for a run: the
/// parser's findings, each step linter's, bash -n on bash steps, and the commands the runbook
/// requires. Findings come in the runbook's order (line, then column).
/// </summary>
/// <param name="commandExists">Whether a command named in the runbook's <c>requires</c> is available where it runs.</param>
public sealed class RunbookLinter(IEnumerable<IStepLinter> stepLinters, Func<string, bool> commandExists)
{
    public async Task<IReadOnlyList<RunbookFinding>> LintAsync(FrostRunbook runbook, CancellationToken cancellationToken)
    {
        var findings = new List<RunbookFinding>(runbook.Findings);
        foreach (var linter in stepLinters)
        {
            findings.AddRange(linter.Lint(runbook));
        }

        findings.AddRange(await BashSyntaxChecker.CheckAsync(runbook, cancellationToken).ConfigureAwait(false));
        findings.AddRange(runbook.Requires.Where(r => !commandExists(r)).Select(required => new RunbookFinding
        {
            Severity = FindingSeverity.Error, Path = runbook.Path, Line = 1, Column = 1, RuleId = RuleIds.RequiredCommandMissing,
            Message = $"The runbook requires '{required}', which is not available here; install it or remove it from 'requires'.",
        }));
        return findings.OrderBy(f => f.Line).ThenBy(f => f.Column).ToList();
    }
}
