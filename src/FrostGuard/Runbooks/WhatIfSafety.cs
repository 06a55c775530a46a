using System.Management.Automation;
using System.Management.Automation.Language;

namespace FrostGuard.Runbooks;

/// <summary>
/// Decides from the PowerShell parser whether a step can run under -WhatIf without changing
/// anything: every command must be a cmdlet or function of a module with a read-only verb or one
/// that supports ShouldProcess; no native commands, no redirection to files, no .NET method calls
/// (ForEach-Object -MemberName included), no property assignments (++ and multiple assignment
/// included), no assignments to file-system paths, no command whose name is computed, no function
/// an earlier step defined or a module a step imported (their bodies are not checked here), and
/// nothing that turns -WhatIf off: -WhatIf:$false, $WhatIfPreference, $PSDefaultParameterValues,
/// ForEach-Object -Parallel (whose runspaces it does not reach).
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

    /// <summary>Variables that decide whether -WhatIf reaches a command.</summary>
    private static readonly HashSet<string> DryRunVariables = new(StringComparer.OrdinalIgnoreCase)
    {
        "WhatIfPreference", "PSDefaultParameterValues",
    };

    private readonly Func<string, CommandInfo?> _resolve;
    private readonly Dictionary<string, string?> _verdicts = new(StringComparer.OrdinalIgnoreCase);

    public WhatIfSafety(Func<string, CommandInfo?> resolve) => _resolve = resolve;

    public bool IsSafe(string code, out string reason)
    {
        // Verdicts hold for one step only: an earlier step may have defined a function over a command's name.
        _verdicts.Clear();
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
                AssignmentStatementAst assignment when assignment.Left.Find(a => a is MemberExpressionAst, true) is { } property
                    => $"it sets the property {property.Extent.Text}",
                UnaryExpressionAst { TokenKind: TokenKind.PlusPlus or TokenKind.MinusMinus or TokenKind.PostfixPlusPlus or TokenKind.PostfixMinusMinus, Child: MemberExpressionAst property }
                    => $"it sets the property {property.Extent.Text}",
                AssignmentStatementAst assignment when AssignedVariable(assignment.Left) is { } name && DryRunVariables.Contains(name)
                    => $"it sets ${name}, which decides what -WhatIf reaches",
                CommandParameterAst { ParameterName: var parameter, Argument: not null } when parameter.Equals("WhatIf", StringComparison.OrdinalIgnoreCase)
                    => "it gives -WhatIf a value of its own",
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

        var resolved = _resolve(name);
        if (resolved is CmdletInfo { Name: "ForEach-Object" } forEach)
        {
            // Checked on every use: the verdict on the name says nothing about how this one calls it.
            if (Names(command, forEach, "Parallel"))
            {
                return "ForEach-Object -Parallel runs in runspaces that -WhatIf does not reach";
            }

            if (CallsMember(command, forEach) is { } member)
            {
                return $"ForEach-Object calls the member {member} of what it is given";
            }
        }

        if (_verdicts.TryGetValue(name, out var cached))
        {
            return cached;
        }

        var verdict = resolved switch
        {
            null => $"'{name}' is not a known command",
            ApplicationInfo => $"'{name}' is a native command",
            ExternalScriptInfo => $"'{name}' is a script",
            FunctionInfo { Module: null } => $"'{name}' is a function an earlier step defined, whose body is not checked here",
            FunctionInfo { Module: { } module } when !IsTrusted(module) => $"'{name}' is a function of module {module.Name}, which a step imported, whose body is not checked here",
            var info when HarmlessOutCommands.Contains(info.Name) => null,
            var info when ReadOnlyVerbs.Contains(VerbOf(info.Name)) => null,
            var info when info.Parameters.ContainsKey("WhatIf") => null,
            var info => $"'{info.Name}' neither has a read-only verb nor supports -WhatIf",
        };
        _verdicts[name] = verdict;
        return verdict;
    }

    /// <summary>
    /// ForEach-Object -MemberName X, or X given positionally (anything not a script block calls a
    /// member). A parameter's argument is skipped only when the parameter takes one: after a
    /// switch (-Verbose) the next element is positional.
    /// </summary>
    private static string? CallsMember(CommandAst command, CommandInfo forEach)
    {
        var elements = command.CommandElements;
        for (var i = 1; i < elements.Count; i++)
        {
            switch (elements[i])
            {
                case CommandParameterAst parameter when Resolves(forEach, parameter.ParameterName) == "MemberName":
                    return parameter.Argument?.Extent.Text ?? (i + 1 < elements.Count ? elements[i + 1].Extent.Text : "(none)");
                case CommandParameterAst { Argument: null } parameter when !IsSwitch(forEach, parameter.ParameterName):
                    i++; // its argument follows
                    break;
                case CommandParameterAst:
                case ScriptBlockExpressionAst:
                    break;
                default:
                    return elements[i].Extent.Text;
            }
        }

        return null;
    }

    private static bool Names(CommandAst command, CommandInfo info, string parameterName) =>
        command.CommandElements.OfType<CommandParameterAst>().Any(p => Resolves(info, p.ParameterName) == parameterName);

    /// <summary>The parameter a name given on the command line binds to (full name, alias or unique prefix), or null.</summary>
    private static string? Resolves(CommandInfo info, string given)
    {
        if (given.Length == 0)
        {
            return null;
        }

        var exact = info.Parameters.Values.FirstOrDefault(p => p.Name.Equals(given, StringComparison.OrdinalIgnoreCase)
            || p.Aliases.Contains(given, StringComparer.OrdinalIgnoreCase));
        if (exact is not null)
        {
            return exact.Name;
        }

        var prefixed = info.Parameters.Values.Where(p => p.Name.StartsWith(given, StringComparison.OrdinalIgnoreCase)).Take(2).ToList();
        return prefixed.Count == 1 ? prefixed[0].Name : null;
    }

    private static bool IsSwitch(CommandInfo info, string given) =>
        Resolves(info, given) is { } name && info.Parameters[name].SwitchParameter;

    /// <summary>The variable an assignment sets, scope and index aside ($global:X, $X['k']), or null.</summary>
    private static string? AssignedVariable(ExpressionAst left) => left switch
    {
        VariableExpressionAst variable => variable.VariablePath.UserPath[(variable.VariablePath.UserPath.LastIndexOf(':') + 1)..],
        IndexExpressionAst { Target: var target } => AssignedVariable(target),
        ConvertExpressionAst { Child: var child } => AssignedVariable(child),
        AttributedExpressionAst { Child: var child } => AssignedVariable(child),
        _ => null,
    };

    /// <summary>Modules whose functions are trusted to honour -WhatIf: PowerShell's own and FrostGuard.</summary>
    private static bool IsTrusted(PSModuleInfo module) =>
        module.Name.Equals("FrostGuard", StringComparison.OrdinalIgnoreCase)
        || module.ModuleBase.StartsWith(PowerShellHome + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private static readonly string PowerShellHome = Path.GetDirectoryName(typeof(PSObject).Assembly.Location) ?? "/nonexistent";

    private static string VerbOf(string name)
    {
        var dash = name.IndexOf('-');
        return dash > 0 ? name[..dash] : "";
    }
}
