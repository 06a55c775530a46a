using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using FrostGuard.Engine.Health;

namespace FrostGuard.Completion;

/// <summary>
/// Completes Test-FrostHealth -Check with the names the engine's checks answer to (a check's
/// own name and the result names it produces), each with what it checks as the tooltip.
/// </summary>
public sealed class HealthCheckCompleter : IArgumentCompleter
{
    private static readonly Dictionary<string, string> Tips = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Containers"] = "Each container running, healthy, not OOM-killed, not restarting",
        ["Database"] = "PostgreSQL reachable; connections in use; longest running transaction",
        ["Disk"] = "Disk usage of the Docker data root, the database data and the backup root",
        ["Memory"] = "Memory use of the host and of each container",
        ["Cpu"] = "CPU use of the host and of each container (sustained from kept samples)",
        ["Http"] = "The health URL through the TLS proxy answers 200 in time",
        ["ApiMetrics"] = "ErrorRate and ResponseTime, from the API's Prometheus metrics",
        ["ErrorRate"] = "Share of 5xx responses since the previous scrape",
        ["ResponseTime"] = "p95 response time since the previous scrape",
        ["Certificate"] = "Days until the TLS certificate expires; trusted",
        ["BackupFreshness"] = "Age of the newest verified backup against the recovery point objective",
        ["WalArchive"] = "Continuous WAL archiving: the slot and its archiver, the archive's segments and gaps, the achieved recovery point",
    };

    /// <summary>Every name -Check takes, in the engine's order.</summary>
    public static IReadOnlyList<string> Names =>
        HealthChecks.All().SelectMany(c => new[] { c.Name }.Concat(c.Produces)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = SessionPaths.Prefix(wordToComplete);
        return Names
            .Where(n => n.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, Tips.GetValueOrDefault(n, $"The {n} health check")))
            .ToList();
    }
}

/// <summary>
/// Validates -Check against the same names the completer offers (the engine's catalogue), so
/// the list lives in one place. (A [ValidateSet] would also take over tab completion and drop
/// the tooltips.)
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ValidateHealthCheckAttribute : ValidateEnumeratedArgumentsAttribute
{
    protected override void ValidateElement(object element)
    {
        var name = element is PSObject wrapped ? wrapped.BaseObject : element;
        if (name is not string text || !HealthCheckCompleter.Names.Contains(text, StringComparer.OrdinalIgnoreCase))
        {
            throw new ValidationMetadataException(
                $"'{name}' is not a health check. The checks are: {string.Join(", ", HealthCheckCompleter.Names)}.");
        }
    }
}
