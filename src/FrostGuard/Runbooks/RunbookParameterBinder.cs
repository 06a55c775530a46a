using System.Collections;
using System.Globalization;
using System.Net;
using System.Security;
using FrostGuard.Engine;
using FrostGuard.Engine.Runbooks.Execution;
using FrostGuard.Engine.Runbooks.Parsing;

namespace FrostGuard.Runbooks;

/// <summary>A runbook parameter's value: typed for PowerShell steps, plain for bash steps.</summary>
internal sealed record BoundParameter(object? PowerShellValue, string PlainValue, bool Secret);

/// <summary>
/// Binds -Parameter values to the parameters a runbook declares: defaults, types, allowed
/// values, and a prompt (or a clear error when no one can answer) for required ones.
/// </summary>
internal static class RunbookParameterBinder
{
    /// <param name="prompt">Asks for a missing required value; returns null when no one can answer.</param>
    public static Dictionary<string, BoundParameter> Bind(FrostRunbook runbook, IDictionary? given, Func<RunbookParameter, object?> prompt)
    {
        var values = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in given ?? new Hashtable())
        {
            var key = entry.Key?.ToString() ?? "";
            if (!runbook.Parameters.Any(p => p.Name.Equals(key, StringComparison.OrdinalIgnoreCase)))
            {
                var declared = runbook.Parameters.Count == 0 ? "none" : string.Join(", ", runbook.Parameters.Select(p => p.Name));
                throw Invalid($"Runbook {runbook.Path} declares no parameter '{key}' (it declares: {declared}).", key);
            }

            values[key] = Unwrap(entry.Value);
        }

        var bound = new Dictionary<string, BoundParameter>(StringComparer.OrdinalIgnoreCase);
        foreach (var parameter in runbook.Parameters)
        {
            var value = values.TryGetValue(parameter.Name, out var v) ? v : parameter.Default;
            if (value is null && parameter.Required)
            {
                value = prompt(parameter) ?? throw new FrostException(ErrorIds.RunbookParameterMissing, FailureKind.InvalidData,
                    $"Runbook {runbook.Path} needs parameter '{parameter.Name}'{(parameter.Description is { } d ? $" ({d})" : "")} and there is no one to ask.",
                    parameter.Name, $"Pass it: -Parameter @{{ {parameter.Name} = ... }}.");
            }

            bound[parameter.Name] = Convert(runbook, parameter, value);
        }

        return bound;
    }

    public static SecretMasker MaskerFor(IReadOnlyDictionary<string, BoundParameter> bound) =>
        new(bound.Values.Where(b => b.Secret).Select(b => b.PlainValue));

    private static BoundParameter Convert(FrostRunbook runbook, RunbookParameter parameter, object? value)
    {
        if (value is null)
        {
            return new BoundParameter(null, "", parameter.Secret);
        }

        if (parameter.Secret)
        {
            var secure = value as SecureString ?? ToSecure(value.ToString() ?? "");
            return new BoundParameter(secure, new NetworkCredential("", secure).Password, true);
        }

        var text = value is SecureString s ? new NetworkCredential("", s).Password : System.Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
        if (parameter.AllowedValues.Count > 0 && !parameter.AllowedValues.Contains(text, StringComparer.OrdinalIgnoreCase))
        {
            throw Invalid($"'{text}' is not an allowed value of parameter '{parameter.Name}' of {runbook.Path}; allowed: {string.Join(", ", parameter.AllowedValues)}.", parameter.Name);
        }

        return parameter.Type switch
        {
            "int" => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
                ? new BoundParameter(number, text, false)
                : throw Invalid($"Parameter '{parameter.Name}' of {runbook.Path} must be a whole number, not '{text}'.", parameter.Name),
            "bool" => bool.TryParse(text, out var flag)
                ? new BoundParameter(flag, flag ? "true" : "false", false)
                : throw Invalid($"Parameter '{parameter.Name}' of {runbook.Path} must be true or false, not '{text}'.", parameter.Name),
            "duration" => Durations.TryParse(text, out var duration)
                ? new BoundParameter(duration, text, false)
                : throw Invalid($"Parameter '{parameter.Name}' of {runbook.Path} must be a duration such as 30s or 15m, not '{text}'.", parameter.Name),
            _ => new BoundParameter(text, text, false),
        };
    }

    private static object? Unwrap(object? value) => value is System.Management.Automation.PSObject pso ? pso.BaseObject : value;

    private static SecureString ToSecure(string text)
    {
        var secure = new SecureString();
        foreach (var c in text)
        {
            secure.AppendChar(c);
        }

        secure.MakeReadOnly();
        return secure;
    }

    private static FrostException Invalid(string message, string target) =>
        new(ErrorIds.RunbookParameterInvalid, FailureKind.InvalidData, message, target, "Read the runbook's parameters with (Get-FrostRunbook <path>).Parameters.");
}
