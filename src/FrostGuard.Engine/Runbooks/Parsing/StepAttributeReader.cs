using System.Globalization;
using System.Text.RegularExpressions;
using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Runbooks.Parsing;

/// <summary>Turns a step's fence attributes into its settings, reporting unknown names and bad values.</summary>
internal static partial class StepAttributeReader
{
    private static readonly HashSet<string> FrostGuardNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "name", "timeout", "retries", "retry-delay", "confirm", "continue-on-error", "when", "rollback", "cwd",
    };

    // Runme's documented cell options; FrostGuard acts on name and cwd and warns about the rest.
    private static readonly HashSet<string> RunmeNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "id", "interactive", "excludeFromRunAll", "background", "promptEnv", "closeTerminalOnSuccess",
        "mimeType", "terminalRows", "category", "interpreter", "skipPrompts",
    };

    private static readonly HashSet<string> KnownClasses = new(StringComparer.OrdinalIgnoreCase)
    {
        "readonly", "destructive", "rollback", "finally", "check", "example", "noexec",
    };

    public sealed record Settings(
        string? Name, TimeSpan? Timeout, int Retries, TimeSpan RetryDelay, bool Confirm, bool ContinueOnError,
        string? When, string? Rollback, string? WorkingDirectory, string? RunmeId);

    public static Settings Read(FenceAttributes fence, int line, int column, FindingSink findings)
    {
        foreach (var name in fence.Properties.Keys)
        {
            if (FrostGuardNames.Contains(name))
            {
                continue;
            }

            if (RunmeNames.Contains(name))
            {
                if (!name.Equals("id", StringComparison.OrdinalIgnoreCase))
                {
                    findings.Warning(line, column, RuleIds.RunmeAttributeNotActedOn,
                        $"Runme's '{name}' is read but FrostGuard does not act on it.");
                }
            }
            else
            {
                findings.Error(line, column, RuleIds.UnknownAttribute,
                    $"Unknown step attribute '{name}'. Known: {string.Join(", ", FrostGuardNames.Order())}.");
            }
        }

        foreach (var cls in fence.Classes)
        {
            if (KnownClasses.Contains(cls))
            {
                continue;
            }

            findings.Error(line, column, RuleIds.UnknownAttribute,
                $"Unknown step class '.{cls}'. Known: {string.Join(", ", KnownClasses.Order().Select(c => "." + c))}.");
        }

        return new Settings(
            Name: Value(fence, "name"),
            Timeout: Duration(fence, "timeout", line, column, findings),
            Retries: Count(fence, "retries", line, column, findings),
            RetryDelay: Duration(fence, "retry-delay", line, column, findings) ?? TimeSpan.FromSeconds(5),
            Confirm: Flag(fence, "confirm", line, column, findings),
            ContinueOnError: Flag(fence, "continue-on-error", line, column, findings),
            When: Value(fence, "when"),
            Rollback: Value(fence, "rollback"),
            WorkingDirectory: Value(fence, "cwd"),
            RunmeId: Value(fence, "id"));
    }

    public static bool IsIdentifier(string value) => Identifier().IsMatch(value);

    private static string? Value(FenceAttributes fence, string name) =>
        fence.Properties.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

    private static TimeSpan? Duration(FenceAttributes fence, string name, int line, int column, FindingSink findings)
    {
        if (Value(fence, name) is not { } text)
        {
            return null;
        }

        if (Durations.TryParse(text, out var duration) && duration > TimeSpan.Zero)
        {
            return duration;
        }

        findings.Error(line, column, RuleIds.InvalidAttributeValue, $"{name}='{text}' is not a duration (e.g. 30s, 15m, 1h30m).");
        return null;
    }

    private static int Count(FenceAttributes fence, string name, int line, int column, FindingSink findings)
    {
        if (Value(fence, name) is not { } text)
        {
            return 0;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count <= 100)
        {
            return count;
        }

        findings.Error(line, column, RuleIds.InvalidAttributeValue, $"{name}='{text}' is not a whole number from 0 to 100.");
        return 0;
    }

    private static bool Flag(FenceAttributes fence, string name, int line, int column, FindingSink findings)
    {
        if (Value(fence, name) is not { } text)
        {
            return false;
        }

        if (bool.TryParse(text, out var flag))
        {
            return flag;
        }

        findings.Error(line, column, RuleIds.InvalidAttributeValue, $"{name}='{text}' is not true or false.");
        return false;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
    private static partial Regex Identifier();
}
