using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Runbooks.Execution;

/// <summary>The pre-run lint policy: a runbook with an error finding does not run, and says which (the first five).</summary>
public static class PreRunLint
{
    private const int Listed = 5;

    /// <summary>Lints <paramref name="runbook"/>; throws RunbookInvalid when it has errors. Warnings do not stop a run.</summary>
    public static async Task EnsureRunnableAsync(FrostRunbook runbook, RunbookLinter linter, CancellationToken cancellationToken)
    {
        var findings = await linter.LintAsync(runbook, cancellationToken).ConfigureAwait(false);
        var errors = findings.Where(f => f.Severity == FindingSeverity.Error).ToList();
        if (errors.Count == 0)
        {
            return;
        }

        var listed = string.Join(Environment.NewLine, errors.Take(Listed).Select(e => "  " + e));
        throw new FrostException(ErrorIds.RunbookInvalid, FailureKind.InvalidData,
            $"Runbook {runbook.Path} has {errors.Count} error(s) and does not run:{Environment.NewLine}{listed}", runbook.Path,
            $"Fix them; Test-FrostRunbook '{runbook.Path}' lists every finding.");
    }
}
