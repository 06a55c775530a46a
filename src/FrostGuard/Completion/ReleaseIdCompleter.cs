using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Language;
using FrostGuard.Engine;
using FrostGuard.Engine.Deployments;
using FrostGuard.Engine.Platform;

namespace FrostGuard.Completion;

/// <summary>
/// Completes release ids (Get-FrostRelease -Id, Undo-FrostDeployment -To) from the release
/// history of the configured deployment, newest first, with status and version as the tooltip.
/// </summary>
public sealed class ReleaseIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = SessionPaths.Prefix(wordToComplete);
        try
        {
            using var session = FrostSession.Open(fakeBoundParameters["ConfigPath"] as string, SessionPaths.Location(), Environment.GetEnvironmentVariable);
            return new ReleaseStore(session.StateFolder, session.Config.Project.Name).List()
                .Where(r => r.Id.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .Select(r => new CompletionResult(r.Id, r.Id, CompletionResultType.ParameterValue, Tip(r)))
                .ToList();
        }
        catch (FrostException)
        {
            // Tab completion has no error channel: without a configuration nothing is completed.
            return [];
        }
    }

    private static string Tip(FrostRelease release) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{release.Status}{(release.IsCurrent ? " (current)" : "")}, {release.Created:yyyy-MM-dd HH:mm} UTC{(release.Version is { } v ? ", version " + v : "")}{(release.BackupId is { } b ? ", backup " + b : "")}");
}
