using System.Text;

namespace FrostGuard.Engine.Platform.Database;

/// <summary>
/// How pg_dump and pg_restore inside the container get the database password without it ever
/// being on a command line or in an environment (where `docker inspect` or `ps e` would show
/// it): the first line of the exec's stdin is a .pgpass line. A shell writes it to a 0600 file
/// in the container's /tmp, opens it as descriptor 3, deletes it, and execs the tool with
/// PGPASSFILE=/proc/self/fd/3, so the file is gone before the tool even starts and the exec's
/// process is the tool itself (its PID is the one to signal on cancellation). Whatever follows
/// the first line on stdin (an archive for pg_restore) reaches the tool untouched.
/// </summary>
public static class PgPassWrapper
{
    public const string Script = """
        set -e
        umask 077
        f=$(mktemp /tmp/frostguard-pgpass.XXXXXXXX)
        IFS= read -r line || true
        printf '%s\n' "$line" > "$f"
        unset line
        exec 3< "$f"
        rm -f "$f"
        PGPASSFILE=/proc/self/fd/3
        export PGPASSFILE
        exec "$@"
        """;

    public static IReadOnlyList<string> Wrap(IEnumerable<string> command) =>
        ["/bin/sh", "-c", Script.Replace("\r", "", StringComparison.Ordinal), "frostguard", .. command];

    /// <summary>A .pgpass line matching any host, port, database and user; ':' and '\' escaped.</summary>
    public static byte[] PasswordLine(string password)
    {
        if (password.Contains('\n', StringComparison.Ordinal) || password.Contains('\r', StringComparison.Ordinal))
        {
            throw new FrostException(ErrorIds.DatabasePasswordUnavailable, FailureKind.InvalidConfiguration,
                "The database password contains a line break, which pg_dump's password file cannot hold.", "database.password",
                "Set a password without line breaks (ALTER ROLE ... PASSWORD) and update the password source.");
        }

        var escaped = password.Replace(@"\", @"\\", StringComparison.Ordinal).Replace(":", @"\:", StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes("*:*:*:*:" + escaped + "\n");
    }
}
