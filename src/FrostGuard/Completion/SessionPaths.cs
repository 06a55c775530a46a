using System.Management.Automation;

namespace FrostGuard.Completion;

/// <summary>What completers share: the session's location, and the words typed so far.</summary>
internal static class SessionPaths
{
    /// <summary>
    /// The session's location, not the process's (they differ after Set-Location). Completion
    /// runs inside a pipeline, so ask through a nested pipeline on the current runspace.
    /// </summary>
    public static string Location()
    {
        if (System.Management.Automation.Runspaces.Runspace.DefaultRunspace is null)
        {
            return Environment.CurrentDirectory;
        }

        using var shell = PowerShell.Create(RunspaceMode.CurrentRunspace);
        var location = shell.AddCommand("Get-Location").Invoke<PathInfo>();
        return location.Count > 0 ? location[0].ProviderPath : Environment.CurrentDirectory;
    }

    /// <summary>The word being completed without its quotes.</summary>
    public static string Prefix(string wordToComplete) => wordToComplete.Trim('\'', '"');

}
