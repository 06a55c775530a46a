using System.Management.Automation;
using System.Management.Automation.Language;

namespace FrostGuard.Runbooks;

/// <summary>
/// Decides from the PowerShell parser whether a step can run under -WhatIf without changing
/// anything: every command must be a cmdlet or function of a module with a read-only verb or one
/// that supports ShouldProcess; no native commands, no redirection to files, no .NET method calls
/// (ForEach-Object -MemberName included), no property assignments, no assignments to file-system
/// paths, no command whose name is computed, no function an earlier step defined (its body was
/// another step's, and is not checked here).
/// </summary>
internal sealed class WhatIfSafety
{
    private static readonly HashSet<string> ReadOnlyVerbs = new(StringComparer.OrdinalIgnoreCase)
    {
        "Get", "Test", "Find", "Search", "Show", "Measure", "Compare", "Resolve", "Select", "Format", "ConvertTo",
        "ConvertFrom", "Where", "ForEach", "Sort", "Group", "Write", "Read", "Wait", "Watch", "Join", "Split",
    };

    private static readonly HashSet<string> HarmlessOutCommands = new(StringComparer.OrdinalIgnoreCase)
    {
        "Out-String", "Out-Null", "Out-Host", "Out-Default",
    };

    private readonly Func<string, CommandInfo?> _resolve;
    private readonly Dictionary<string, string?> _verdicts = new(StringComparer.OrdinalIgnoreCase);

    public WhatIfSafety(Func<string, CommandInfo?> resolve) => _resolve = resolve;

    public bool IsSafe(string code, out string reason)
    {
        var ast = Parser.ParseInput(code, out _, out var errors);
        if (errors.Length > 0)
        {
            reason = "the step does not parse";
            return false;
        }

        foreach (var node in ast.FindAll(_ => true, searchNestedScriptBlocks: true))
        {
            var problem = node switch
            {
                FileRedirectionAst => "it redirects output to a file",
                InvokeMemberExpressionAst member => $"it calls the .NET method {member.Member.Extent.Text}",
                AssignmentStatementAst { Left: MemberExpressionAst property } => $"it sets the property {property.Extent.Text}",
                AssignmentStatementAst { Left: VariableExpressionAst { VariablePath.IsDriveQualified: true } variable }
                    when !variable.VariablePath.DriveName.Equals("env", StringComparison.OrdinalIgnoreCase)
                         && !variable.VariablePath.DriveName.Equals("variable", StringComparison.OrdinalIgnoreCase)
                    => $"it assigns to the path {variable.Extent.Text}",
                CommandAst command => CommandProblem(command),
                _ => null,
            };
            if (problem is not null)
            {
                reason = problem;
                return false;
            }
        }

        reason = "";
        return true;
    }

    private string? CommandProblem(CommandAst command)
    {
        var name = command.GetCommandName();
        if (name is null)
        {
            return "it calls a command whose name is computed";
        }

        if (_verdicts.TryGetValue(name, out var cached))
        {
            return cached;
        }

        var resolved = _resolve(name);
        if (resolved is CmdletInfo { Name: "ForEach-Object" } && CallsMember(command) is { } member)
        {
            return $"ForEach-Object calls the member {member} of what it is given";
        }

        var verdict = resolved switch
        {
            null => $"'{name}' is not a known command",
            ApplicationInfo => $"'{name}' is a native command",
            ExternalScriptInfo => $"'{name}' is a script",
            FunctionInfo { Module: null } => $"'{name}' is a function an earlier step defined, whose body is not checked here",
            var info when HarmlessOutCommands.Contains(info.Name) => null,
            var info when ReadOnlyVerbs.Contains(VerbOf(info.Name)) => null,
            var info when info.Parameters.ContainsKey("WhatIf") => null,
            var info => $"'{info.Name}' neither has a read-only verb nor supports -WhatIf",
        };
        _verdicts[name] = verdict;
        return verdict;
    }

    /// <summary>ForEach-Object -MemberName X, or X given positionally (anything not a script block calls a member).</summary>
    private static string? CallsMember(CommandAst command)
    {
        var elements = command.CommandElements;
        for (var i = 1; i < elements.Count; i++)
        {
            switch (elements[i])
            {
                case CommandParameterAst parameter when "MemberName".StartsWith(parameter.ParameterName, StringComparison.OrdinalIgnoreCase) && parameter.ParameterName.Length > 0:
                    return parameter.Argument?.Extent.Text ?? (i + 1 < elements.Count ? elements[i + 1].Extent.Text : "(none)");
                case CommandParameterAst { Argument: null }:
                    i++; // its argument follows
                    break;
                case CommandParameterAst:
                    break;
                case ScriptBlockExpressionAst:
                    break;
                default:
                    return elements[i].Extent.Text;
            }
        }

        return null;
    }

    private static string VerbOf(string name)
    {
        var dash = name.IndexOf('-');
        return dash > 0 ? name[..dash] : "";
    }
}
