using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace FrostGuard.Completion;

/// <summary>
/// Completes a runbook -Path with what a runbook can be: folders (to go on into, or to take as a
/// whole where the command reads folders) and Markdown files. PowerShell's own file name
/// completion does the quoting, ~ and provider paths; this only leaves out other files.
/// </summary>
public sealed class RunbookPathCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CompletionCompleters.CompleteFilename(wordToComplete)
            .Where(c => c.ResultType == CompletionResultType.ProviderContainer
                        || c.ListItemText.EndsWith(".md", StringComparison.OrdinalIgnoreCase)
                        || c.ListItemText.EndsWith(".markdown", StringComparison.OrdinalIgnoreCase))
            .ToList();
}
