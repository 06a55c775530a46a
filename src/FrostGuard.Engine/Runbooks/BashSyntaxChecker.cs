using System.ComponentModel;
using System.Diagnostics;
using System.Text.RegularExpressions;
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
            var start = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var argument in new[] { "--noprofile", "--norc", "-n", "-c", step.Code })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = new Process { StartInfo = start };
            try
            {
                process.Start();
            }
            catch (Win32Exception e)
            {
                findings.Add(Finding(runbook, step, step.Line, FindingSeverity.Warning, $"bash is not available to check this step: {e.Message}"));
                continue;
            }

            var errors = await process.StandardError.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            if (process.ExitCode == 0)
            {
                continue;
            }

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
