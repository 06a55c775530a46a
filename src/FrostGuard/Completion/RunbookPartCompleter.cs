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

        var full = Path.GetFullPath(path, SessionPaths.Location());
        if (!File.Exists(full))
        {
            return [];
        }

        var runbook = RunbookParser.ParseFile(full);
        var prefix = SessionPaths.Prefix(wordToComplete);
        var candidates = parameterName.Equals("Section", StringComparison.OrdinalIgnoreCase)
            ? runbook.Sections.Select(s => (s.Id, Tip: $"{s.Title} (line {s.Line})"))
            : runbook.Steps.Where(s => s.Role != FrostGuard.Runbooks.StepRole.Check).Select(s => (s.Id, Tip: $"{s.Name} ({s.Language}, line {s.Line})"));
        return candidates
            .Where(c => c.Id.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(c => new CompletionResult(c.Id, c.Id, CompletionResultType.ParameterValue, c.Tip))
            .ToList();
    }
}
