using System.Management.Automation;
using FrostGuard.Engine.Runbooks;

namespace FrostGuard.Runbooks;

/// <summary>Every check a runbook must pass before it runs, in one place for Test- and Invoke-FrostRunbook.</summary>
internal static class RunbookLint
{
    public static IReadOnlyList<RunbookFinding> All(FrostRunbook runbook, PowerShellStepHost session, CancellationToken cancellationToken, PSCmdlet cmdlet)
    {
        var findings = new List<RunbookFinding>(runbook.Findings);
        findings.AddRange(new PowerShellStepLinter(session.ResolveCommand).Lint(runbook));
        findings.AddRange(BashSyntaxChecker.CheckAsync(runbook, cancellationToken).GetAwaiter().GetResult());
        foreach (var required in runbook.Requires.Where(r => session.ResolveCommand(r) is null))
        {
            findings.Add(new RunbookFinding
            {
                Severity = FindingSeverity.Error, Path = runbook.Path, Line = 1, Column = 1, RuleId = RuleIds.RequiredCommandMissing,
                Message = $"The runbook requires '{required}', which is not available here; install it or remove it from 'requires'.",
            });
        }

        return findings.OrderBy(f => f.Line).ThenBy(f => f.Column).ToList();
    }

    /// <summary>The manifest the step runspaces import, so steps get the same FrostGuard as the caller.</summary>
    public static string ModulePath(PSCmdlet cmdlet)
    {
        var module = cmdlet.MyInvocation.MyCommand.Module;
        if (module is not null)
        {
            var manifest = System.IO.Path.Combine(module.ModuleBase, module.Name + ".psd1");
            return File.Exists(manifest) ? manifest : module.Path;
        }

        return typeof(RunbookLint).Assembly.Location;
    }
}
