using System.Management.Automation;
using System.Management.Automation.Language;
using FrostGuard.Engine.Runbooks;

namespace FrostGuard.Runbooks;

/// <summary>
/// Lints a runbook's PowerShell steps with the PowerShell parser: syntax errors; commands and
/// parameters that do not exist in a session with FrostGuard imported (a cmdlet renamed since
/// the manual was written); and variables used but never set that look like missing parameters.
/// </summary>
internal sealed class PowerShellStepLinter
{
    private static readonly HashSet<string> AutomaticVariables = new(StringComparer.OrdinalIgnoreCase)
    {
        "_", "PSItem", "args", "input", "this", "true", "false", "null", "PSScriptRoot", "PSCommandPath", "MyInvocation",
        "PSBoundParameters", "LASTEXITCODE", "Error", "Host", "HOME", "PWD", "PID", "PSVersionTable", "IsLinux", "IsWindows",
        "IsMacOS", "IsCoreCLR", "ExecutionContext", "Matches", "OFS", "ShellId", "StackTrace", "PSHOME", "foreach", "switch",
        "sender", "EventArgs", "Event", "EventSubscriber", "NestedPromptLevel", "PSCulture", "PSUICulture", "PSEdition",
        "PSDefaultParameterValues", "PSNativeCommandUseErrorActionPreference", "PSStyle", "ConsoleFileName", "PSSenderInfo",
        "PSDebugContext", "LastExitCode", "EnabledExperimentalFeatures", "PSCmdlet",
    };

    private readonly Func<string, CommandInfo?> _resolve;

    public PowerShellStepLinter(Func<string, CommandInfo?> resolve) => _resolve = resolve;

    public IReadOnlyList<RunbookFinding> Lint(FrostRunbook runbook)
    {
        var findings = new List<RunbookFinding>();
        var steps = runbook.Steps.Where(s => s.Language == StepLanguage.PowerShell).ToList();
        var parsed = steps.Select(s => (Step: s, Ast: Parser.ParseInput(s.Code, out _, out var errors), Errors: errors)).ToList();

        // Functions and variables defined in any step are known to all: steps share one runspace.
        var functions = parsed.SelectMany(p => p.Ast.FindAll(a => a is FunctionDefinitionAst, true).Cast<FunctionDefinitionAst>().Select(f => f.Name))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var assigned = parsed.SelectMany(p => AssignedVariables(p.Ast)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var parameters = runbook.Parameters.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);

        foreach (var (step, ast, errors) in parsed)
        {
            foreach (var error in errors)
            {
                findings.Add(Finding(runbook, step, error.Extent, FindingSeverity.Error, RuleIds.PowerShellSyntax, error.Message));
            }

            if (errors.Length > 0)
            {
                continue;
            }

            foreach (var command in ast.FindAll(a => a is CommandAst, true).Cast<CommandAst>())
            {
                CheckCommand(runbook, step, command, functions, findings);
            }

            foreach (var variable in ast.FindAll(a => a is VariableExpressionAst, true).Cast<VariableExpressionAst>())
            {
                var path = variable.VariablePath;
                var name = path.Name();
                if (path.IsDriveQualified || !path.IsUnqualified && !path.IsScript && !path.IsGlobal || variable.Splatted
                    || AutomaticVariables.Contains(name) || name.EndsWith("Preference", StringComparison.OrdinalIgnoreCase)
                    || assigned.Contains(name) || parameters.Contains(name))
                {
                    continue;
                }

                findings.Add(Finding(runbook, step, variable.Extent, FindingSeverity.Warning, RuleIds.UndeclaredVariable,
                    $"${name} is used but never set and is not a runbook parameter; declare it under 'parameters' in the front matter."));
            }
        }

        return findings;
    }

    private void CheckCommand(FrostRunbook runbook, RunbookStep step, CommandAst command, HashSet<string> functions, List<RunbookFinding> findings)
    {
        var name = command.GetCommandName();
        if (name is null || functions.Contains(name))
        {
            return;
        }

        var info = _resolve(name);
        if (info is null)
        {
            findings.Add(Finding(runbook, step, command.CommandElements[0].Extent, FindingSeverity.Error, RuleIds.UnknownCommand,
                $"'{name}' is not a command in this session (renamed, misspelt, or not installed?)."));
            return;
        }

        if (info is not (CmdletInfo or FunctionInfo) || info is FunctionInfo { CmdletBinding: false })
        {
            return;
        }

        IReadOnlyDictionary<string, ParameterMetadata> known;
        try
        {
            known = info.Parameters;
        }
        catch (Exception e) when (e is RuntimeException or InvalidOperationException)
        {
            return; // its metadata cannot be read here; nothing to say about its parameters
        }

        // After `--` every word is an argument, even one that starts with a dash.
        foreach (var parameter in command.CommandElements.OfType<CommandParameterAst>().TakeWhile(p => p.Extent.Text != "--"))
        {
            if (!Matches(parameter.ParameterName, known))
            {
                findings.Add(Finding(runbook, step, parameter.Extent, FindingSeverity.Error, RuleIds.UnknownParameter,
                    $"{info.Name} has no parameter -{parameter.ParameterName}."));
            }
        }
    }

    /// <summary>A parameter name matches as PowerShell binds it: whole, by alias, or by unique prefix.</summary>
    private static bool Matches(string given, IReadOnlyDictionary<string, ParameterMetadata> known)
    {
        if (known.ContainsKey(given) || known.Values.Any(p => p.Aliases.Contains(given, StringComparer.OrdinalIgnoreCase)))
        {
            return true;
        }

        return known.Keys.Count(k => k.StartsWith(given, StringComparison.OrdinalIgnoreCase)) == 1;
    }

    private static IEnumerable<string> AssignedVariables(Ast ast)
    {
        foreach (var node in ast.FindAll(_ => true, true))
        {
            switch (node)
            {
                case AssignmentStatementAst { Left: var left }:
                    foreach (var v in left.FindAll(a => a is VariableExpressionAst, true).Cast<VariableExpressionAst>())
                    {
                        yield return v.VariablePath.Name();
                    }

                    break;
                case ForEachStatementAst loop:
                    yield return loop.Variable.VariablePath.Name();
                    break;
                case ParameterAst parameter:
                    yield return parameter.Name.VariablePath.Name();
                    break;
                case CommandAst command:
                    // -OutVariable / -ErrorVariable / -PipelineVariable set variables too.
                    var elements = command.CommandElements;
                    for (var i = 0; i < elements.Count - 1; i++)
                    {
                        if (elements[i] is CommandParameterAst p && p.ParameterName is "OutVariable" or "ov" or "ErrorVariable" or "ev" or "PipelineVariable" or "pv"
                            && elements[i + 1] is StringConstantExpressionAst target)
                        {
                            yield return target.Value.TrimStart('+');
                        }
                    }

                    break;
            }
        }
    }

    private static RunbookFinding Finding(FrostRunbook runbook, RunbookStep step, IScriptExtent extent, FindingSeverity severity, string rule, string message) => new()
    {
        Severity = severity,
        Path = runbook.Path,
        Line = step.CodeLine + Math.Max(extent.StartLineNumber, 1) - 1,
        Column = step.Column + Math.Max(extent.StartColumnNumber, 1) - 1,
        RuleId = rule,
        Message = $"Step '{step.Id}': {message}",
        StepId = step.Id,
    };
}
