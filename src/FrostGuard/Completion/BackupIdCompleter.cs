using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Language;
using FrostGuard.Engine;
using FrostGuard.Engine.Backups;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Completion;

/// <summary>
/// Completes backup ids (Get-FrostBackup -Id, and any -BackupId) with the catalog of the backup
/// root: -Path on the same command line, else the configured one. Newest first, as listed.
/// </summary>
public sealed class BackupIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = SessionPaths.Prefix(wordToComplete);
        try
        {
            var location = SessionPaths.Location();
            string root;
            if (fakeBoundParameters["Path"] is string path)
            {
                root = System.IO.Path.GetFullPath(path, location);
            }
            else
            {
                using var session = FrostSession.Open(fakeBoundParameters["ConfigPath"] as string, location, Environment.GetEnvironmentVariable);
                root = session.BackupRoot;
            }

            if (!Directory.Exists(root))
            {
                return [];
            }

            return new BackupCatalog(root).List(NullReporter.Instance, withRecoverableRange: false)
                .Select(b => b.Backup)
                .Where(b => b.Id.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .Select(b => new CompletionResult(b.Id, b.Id, CompletionResultType.ParameterValue, Tip(b)))
                .ToList();
        }
        catch (FrostException)
        {
            // Tab completion has no error channel: without a configuration nothing is completed.
            return [];
        }
    }

    private static string Tip(FrostBackup backup) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{backup.Database}, {backup.Created:yyyy-MM-dd HH:mm} UTC{backup.Created:zzz}, {backup.SizeBytes / 1048576.0:F1} MiB{(backup.Verified ? ", verified" : "")}{(backup.Label is { } label ? $", {label}" : "")}");
}
