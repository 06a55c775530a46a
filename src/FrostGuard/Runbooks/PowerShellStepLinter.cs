using System.Management.Automation;
using System.Management.Automation.Language;
using FrostGuard.Engine.Runbooks;

namespace FrostGuard.Runbooks;

/// <summary>
/// Lints a runbook's PowerShell steps with the PowerShell parser: syntax errors; commands and
/// parameters that do not exist in a session with FrostGuard imported (a cmdlet renamed since
/// the manual was written); and variables used but never set that look like missing parameters.
/// A .check block runs inside Pester, so there Pester's commands are known too, and Should's
/// operators are checked against Pester's own (see PesterVocabulary).
/// </summary>
internal sealed class PowerShellStepLinter : IStepLinter
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

        if (step.Role == StepRole.Check && PesterVocabulary.Instance.ParametersOf(name) is { } pesterParameters)
        {
            CheckPesterCommand(runbook, step, command, name, pesterParameters, findings);
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

        var names = known.Values.Select(p => p.Aliases.Prepend(p.Name).ToList()).ToList();
        foreach (var parameter in Parameters(command).Where(p => !Matches(p.ParameterName, names)))
        {
            findings.Add(Finding(runbook, step, parameter.Extent, FindingSeverity.Error, RuleIds.UnknownParameter,
                $"{info.Name} has no parameter -{parameter.ParameterName}."));
        }
    }

    /// <summary>
    /// Pester's commands bind as any command does; Should's operators must be written whole and
    /// one at a time, since an abbreviation that binds today breaks when Pester adds an operator.
    /// </summary>
    private static void CheckPesterCommand(FrostRunbook runbook, RunbookStep step, CommandAst command, string name, IReadOnlySet<string> known, List<RunbookFinding> findings)
    {
        var vocabulary = PesterVocabulary.Instance;
        var isShould = name.Equals("Should", StringComparison.OrdinalIgnoreCase);
        var parameters = Parameters(command).ToList();
        foreach (var parameter in parameters)
        {
            var given = parameter.ParameterName;
            if (isShould ? known.Contains(given) : Matches(given, known.Select(k => new[] { k }).ToList()))
            {
                continue;
            }

            var suggestion = isShould ? Nearest(given, vocabulary.Operators) : null;
            findings.Add(Finding(runbook, step, parameter.Extent, FindingSeverity.Error, RuleIds.UnknownParameter,
                isShould
                    ? $"Should has no operator or parameter -{given} in Pester {vocabulary.Version}{(suggestion is null ? "" : $"; did you mean -{suggestion}?")} (Should's operators are written in full)."
                    : $"{name} has no parameter -{given} in Pester {vocabulary.Version}."));
        }

        if (isShould && !parameters.Any(p => vocabulary.Operators.Contains(p.ParameterName, StringComparer.OrdinalIgnoreCase))
            && parameters.All(p => known.Contains(p.ParameterName)))
        {
            findings.Add(Finding(runbook, step, command.CommandElements[0].Extent, FindingSeverity.Error, RuleIds.UnknownParameter,
                "Should needs an operator, such as -BeTrue or -Be <expected>."));
        }
    }

    /// <summary>The named parameters of a command; after `--` every word is an argument, even one that starts with a dash.</summary>
    private static IEnumerable<CommandParameterAst> Parameters(CommandAst command) =>
        command.CommandElements.OfType<CommandParameterAst>().TakeWhile(p => p.Extent.Text != "--");

    /// <summary>The candidate a misspelling most likely meant: one it begins, else one within two edits.</summary>
    private static string? Nearest(string given, IEnumerable<string> candidates) =>
        candidates.Select(c => (Candidate: c, Distance: c.StartsWith(given, StringComparison.OrdinalIgnoreCase) ? 0 : EditDistance(given, c)))
            .Where(c => c.Distance <= 2)
            .OrderBy(c => c.Distance)
            .Select(c => c.Candidate)
            .FirstOrDefault();

    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = char.ToUpperInvariant(a[i - 1]) == char.ToUpperInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + substitution);
            }

            previous = current;
        }

        return previous[b.Length];
    }

    /// <summary>A parameter name matches as PowerShell binds it: whole (a name or an alias), or the prefix of one parameter only.</summary>
    private static bool Matches(string given, IReadOnlyCollection<IReadOnlyCollection<string>> parameters) =>
        parameters.Any(names => names.Contains(given, StringComparer.OrdinalIgnoreCase))
        || parameters.Count(names => names.Any(n => n.StartsWith(given, StringComparison.OrdinalIgnoreCase))) == 1;

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
