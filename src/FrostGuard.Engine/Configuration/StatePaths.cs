namespace FrostGuard.Engine.Configuration;

/// <summary>
/// Where FrostGuard keeps its own state (runs, releases, locks) and backups:
/// $env:FROSTGUARD_STATE, else the configured stateFolder, else ~/.local/state/frostguard.
/// </summary>
public static class StatePaths
{
    public const string StateVariable = "FROSTGUARD_STATE";

    /// <param name="config">The deployment's configuration; null when a command needs no deployment (a runbook run).</param>
    public static string StateFolder(FrostConfig? config, Func<string, string?> getEnvironment)
    {
        if (getEnvironment(StateVariable) is { Length: > 0 } fromEnvironment)
        {
            return Path.GetFullPath(fromEnvironment);
        }

        if (!string.IsNullOrWhiteSpace(config?.StateFolder))
        {
            return config.StateFolder;
        }

        var stateHome = getEnvironment("XDG_STATE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        return Path.Combine(stateHome, "frostguard");
    }

    public static string BackupRoot(FrostConfig config, Func<string, string?> getEnvironment) =>
        string.IsNullOrWhiteSpace(config.BackupRoot)
            ? Path.Combine(StateFolder(config, getEnvironment), "backups")
            : config.BackupRoot;
}
