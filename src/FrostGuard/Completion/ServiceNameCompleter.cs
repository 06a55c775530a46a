using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using FrostGuard.Engine;
using FrostGuard.Engine.Platform;

namespace FrostGuard.Completion;

/// <summary>Completes -Name with the services the Docker Engine reports for the configured project.</summary>
public sealed class ServiceNameCompleter : IArgumentCompleter
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(2);

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var configPath = fakeBoundParameters["ConfigPath"] as string;
        var prefix = wordToComplete.Trim('\'', '"');
        try
        {
            using var session = FrostSession.Open(configPath, SessionPaths.Location(), Environment.GetEnvironmentVariable);
            using var timeout = new CancellationTokenSource(Budget);
            var services = session.Services.ListAsync(timeout.Token).GetAwaiter().GetResult();
            return services
                .Select(s => s.Service)
                .Distinct(StringComparer.Ordinal)
                .Where(s => s.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .Select(s => new CompletionResult(s, s, CompletionResultType.ParameterValue, $"Compose service {s}"))
                .ToList();
        }
        catch (Exception e) when (e is FrostException or OperationCanceledException)
        {
            // Tab completion has no error channel: an unreachable engine just completes nothing.
            return [];
        }
    }
}
