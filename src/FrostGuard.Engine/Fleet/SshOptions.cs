namespace FrostGuard.Engine.Fleet;

/// <summary>
/// The ssh client options of every fleet session (New-PSSession -Options): keys only, never a
/// prompt, host keys checked strictly against the inventory's known-hosts file and nothing else,
/// and a dead host noticed instead of waited on forever.
/// </summary>
public static class SshOptions
{
    public static IReadOnlyDictionary<string, string> For(string knownHostsFile, TimeSpan connectTimeout) => new Dictionary<string, string>
    {
        ["BatchMode"] = "yes",
        ["StrictHostKeyChecking"] = "yes",
        ["UserKnownHostsFile"] = knownHostsFile,
        // Only the inventory's file decides; a key trusted system-wide is not trusted here.
        ["GlobalKnownHostsFile"] = "/dev/null",
        ["KnownHostsCommand"] = "none",
        ["CheckHostIP"] = "no",
        ["UpdateHostKeys"] = "no",
        ["PasswordAuthentication"] = "no",
        ["KbdInteractiveAuthentication"] = "no",
        ["PubkeyAuthentication"] = "yes",
        ["IdentitiesOnly"] = "yes",
        ["ConnectTimeout"] = Math.Max(1, (int)connectTimeout.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["ServerAliveInterval"] = "15",
        ["ServerAliveCountMax"] = "3",
        // ssh's own complaints go to the console, not to the error record; FrostGuard diagnoses a
        // refused session itself (HostKeyCheck) and says what to do.
        ["LogLevel"] = "QUIET",
    };
}
