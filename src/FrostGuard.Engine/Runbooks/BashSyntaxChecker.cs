using System.Text.RegularExpressions;
using FrostGuard.Engine.Platform.Os;
using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Runbooks;

/// <summary>Checks bash steps with <c>bash -n</c>, mapping its line numbers back into the runbook.</summary>
public static partial class BashSyntaxChecker
{
    public static async Task<IReadOnlyList<RunbookFinding>> CheckAsync(FrostRunbook runbook, CancellationToken cancellationToken)
    {
        var findings = new List<RunbookFinding>();
        foreach (var step in runbook.Steps.Where(s => s.Language == StepLanguage.Bash))
        {
            ToolResult result;
            try
            {
                result = await ProcessRunner.RunAsync(new ProcessRequest("bash", ["--noprofile", "--norc", "-n", "-c", step.Code]), cancellationToken).ConfigureAwait(false);
            }
            catch (FrostException e) when (e.ErrorId == ErrorIds.ToolNotFound)
            {
                findings.Add(Finding(runbook, step, step.Line, FindingSeverity.Warning, $"bash is not available to check this step: {e.InnerException?.Message ?? e.Message}"));
                continue;
            }

            if (result.Succeeded)
            {
                continue;
            }

            var errors = result.TimedOut ? "bash -n did not finish within 30 s" : result.StandardError;
            foreach (var line in errors.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var match = LineNumber().Match(line);
                var codeLine = match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 1;
                var message = match.Success ? line[(match.Index + match.Length)..].TrimStart(':', ' ') : line;
                findings.Add(Finding(runbook, step, step.CodeLine + codeLine - 1, FindingSeverity.Error, $"bash: {message}"));
            }
        }

        return findings;
    }

    private static RunbookFinding Finding(FrostRunbook runbook, RunbookStep step, int line, FindingSeverity severity, string message) => new()
    {
        Severity = severity,
        Path = runbook.Path,
        Line = line,
        Column = step.Column,
        RuleId = RuleIds.BashSyntax,
        Message = $"Step '{step.Id}': {message}",
        StepId = step.Id,
    };

    [GeneratedRegex(@"line (\d+)")]
    private static partial Regex LineNumber();
}
