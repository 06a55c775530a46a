using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using FrostGuard.Engine.Runbooks.Parsing;

namespace FrostGuard.Completion;

/// <summary>
/// Completes -Section and -Step with the ids in the runbook named by -Path on the same command
/// line (for -Step: ids of normal, rollback and finally steps; check blocks are the checklist's).
/// </summary>
public sealed class RunbookPartCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        if (fakeBoundParameters["Path"] is not string path)
        {
            return [];
        }

        var full = Path.GetFullPath(path, SessionLocation());
        if (!File.Exists(full))
        {
            return [];
        }

        var runbook = RunbookParser.ParseFile(full);
        var prefix = wordToComplete.Trim('\'', '"');
        var candidates = parameterName.Equals("Section", StringComparison.OrdinalIgnoreCase)
            ? runbook.Sections.Select(s => (s.Id, Tip: $"{s.Title} (line {s.Line})"))
            : runbook.Steps.Where(s => s.Role != FrostGuard.Runbooks.StepRole.Check).Select(s => (s.Id, Tip: $"{s.Name} ({s.Language}, line {s.Line})"));
        return candidates
            .Where(c => c.Id.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(c => new CompletionResult(c.Id, c.Id, CompletionResultType.ParameterValue, c.Tip))
            .ToList();
    }

    /// <summary>
    /// The session's location, not the process's (they differ after Set-Location). Completion
    /// runs inside a pipeline, so ask through a nested pipeline on the current runspace.
    /// </summary>
    private static string SessionLocation()
    {
        if (System.Management.Automation.Runspaces.Runspace.DefaultRunspace is null)
        {
            return Environment.CurrentDirectory;
        }

        using var shell = PowerShell.Create(RunspaceMode.CurrentRunspace);
        var location = shell.AddCommand("Get-Location").Invoke<PathInfo>();
        return location.Count > 0 ? location[0].ProviderPath : Environment.CurrentDirectory;
    }
}
