using System.Globalization;
using System.Text;
using FrostGuard.Engine.Platform.Database;
using FrostGuard.Engine.Platform.Docker;
using FrostGuard.Engine.Platform.Os;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Deployments.Recovery;

/// <summary>
/// Makes a recovery's new, empty data folder a PostgreSQL cluster before its stack starts, as the
/// official postgres image's entrypoint does on a first start (images that have none, like the
/// sandbox's, would not start on an empty folder): initdb with the deployment's database user as
/// superuser and its password, then the deployment's database. Both run in short-lived
/// containers of the database service's own image and user, with its read-only mounts, so the
/// cluster is the server's own version; the password reaches initdb as its password file from
/// stdin, never on a command line or in an environment.
/// </summary>
public static class DatabaseFolderInitializer
{
    private const string PasswordFileScript = """
        set -e
        umask 077
        f=$(mktemp /tmp/frostguard-pw.XXXXXXXX)
        IFS= read -r line || true
        printf '%s\n' "$line" > "$f"
        unset line
        exec 3< "$f"
        rm -f "$f"
        exec "$@" --pwfile=/proc/self/fd/3
        """;

    private const string LocateScript = """
        for d in "/usr/lib/postgresql/$1/bin" /usr/local/bin /usr/bin; do
          if [ -x "$d/$2" ]; then echo "$d/$2"; exit 0; fi
        done
        command -v "$2" || exit 127
        """;

    public sealed record Request(ComposeServiceDefinition Service, string Project, string Folder, int ServerMajor, string User, string Database, string Password, string Home);

    public static async Task InitializeAsync(DockerGateway docker, Request request, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var service = request.Service;
        var image = service.Image ?? throw new FrostException(ErrorIds.DeploymentRecoveryFailed, FailureKind.InvalidConfiguration,
            $"The database service {service.Name} names no image, so its data folder cannot be initialised.", service.Name, "Give the service an image in the compose file.");
        var tmpfs = service.Tmpfs.Select(t => t.Split(':', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "", StringComparer.Ordinal);
        var readOnly = service.Volumes.Where(v => v.IsBind && v.ReadOnly).Select(v => $"{v.Source}:{v.Target}:ro");
        var job = JobContainer.FromDefinition(docker, $"{request.Project}-{service.Name}", image, "0:0", readOnly, tmpfs);

        var owner = NumericUser(service.User) ?? await ResolveUserAsync(job, service.User ?? "postgres", request.Home, cancellationToken).ConfigureAwait(false);
        PrivateFiles.CreateFolder(request.Folder);
        Posix.Chown(request.Folder, owner.Uid, owner.Gid);
        var asOwner = $"{owner.Uid.ToString(CultureInfo.InvariantCulture)}:{owner.Gid.ToString(CultureInfo.InvariantCulture)}";
        var mount = new JobMount(request.Folder, ReadOnly: false);
        var major = request.ServerMajor.ToString(CultureInfo.InvariantCulture);

        var initdb = await LocateAsync(job, major, "initdb", asOwner, request.Home, cancellationToken).ConfigureAwait(false);
        reporter.Verbose($"initdb from {image} as {asOwner} into {request.Folder}");
        var password = PasswordLine(request.Password);
        var initialised = await job.RunAsync("initdb", request.Home,
            ["/bin/sh", "-c", PasswordFileScript.Replace("\r", "", StringComparison.Ordinal), "frostguard", initdb, "-D", request.Folder,
             "--username=" + request.User, "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C"],
            [mount], password, (_, _) => ValueTask.CompletedTask, cancellationToken, asOwner, passwordFile: false).ConfigureAwait(false);
        Fail(initialised, "initdb", request);

        if (request.Database == "postgres")
        {
            return; // initdb made it
        }

        var postgres = await LocateAsync(job, major, "postgres", asOwner, request.Home, cancellationToken).ConfigureAwait(false);
        var create = Encoding.UTF8.GetBytes($"CREATE DATABASE {QuoteIdentifier(request.Database)};\n");
        var created = await job.RunAsync("createdb", request.Home, [postgres, "--single", "-D", request.Folder, "postgres"],
            [mount], create, (_, _) => ValueTask.CompletedTask, cancellationToken, asOwner, passwordFile: false).ConfigureAwait(false);
        Fail(created, "CREATE DATABASE", request);
        reporter.Verbose($"initialised {request.Folder}: superuser {request.User}, database {request.Database}");
    }

    /// <summary>An identifier as PostgreSQL quotes it: in double quotes, inner quotes doubled (single-user mode has no parameters).</summary>
    public static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static byte[] PasswordLine(string password)
    {
        if (password.Contains('\n', StringComparison.Ordinal) || password.Contains('\r', StringComparison.Ordinal))
        {
            throw new FrostException(ErrorIds.DatabasePasswordUnavailable, FailureKind.InvalidConfiguration,
                "The database password contains a line break, which initdb's password file cannot hold.", "database.password",
                "Set a password without line breaks in the restored .env.");
        }

        return Encoding.UTF8.GetBytes(password + "\n");
    }

    private static (int Uid, int Gid)? NumericUser(string? user)
    {
        if (user is null)
        {
            return null;
        }

        var parts = user.Split(':');
        return int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var uid)
            ? (uid, parts.Length > 1 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var gid) ? gid : uid)
            : null;
    }

    private static async Task<(int Uid, int Gid)> ResolveUserAsync(JobContainer job, string name, string home, CancellationToken cancellationToken)
    {
        var output = new StringBuilder();
        var result = await job.RunAsync("id", home, ["/bin/sh", "-c", "id -u \"$1\" && id -g \"$1\"", "frostguard", name], [], null,
            (chunk, _) => { output.Append(Encoding.UTF8.GetString(chunk.Span)); return ValueTask.CompletedTask; }, cancellationToken).ConfigureAwait(false);
        var ids = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (!result.Succeeded || ids.Length < 2)
        {
            throw new FrostException(ErrorIds.DeploymentRecoveryFailed, FailureKind.InvalidConfiguration,
                $"The image of the database service has no user {name} to own its data folder: {result.StandardError}", name,
                "Set `user: \"<uid>:<gid>\"` for the database service in the compose file.");
        }

        return (int.Parse(ids[0], CultureInfo.InvariantCulture), int.Parse(ids[1], CultureInfo.InvariantCulture));
    }

    private static async Task<string> LocateAsync(JobContainer job, string major, string tool, string user, string home, CancellationToken cancellationToken)
    {
        var output = new StringBuilder();
        var result = await job.RunAsync("locate-" + tool, home, ["/bin/sh", "-c", LocateScript, "locate", major, tool], [], null,
            (chunk, _) => { output.Append(Encoding.UTF8.GetString(chunk.Span)); return ValueTask.CompletedTask; }, cancellationToken, user).ConfigureAwait(false);
        var path = output.ToString().Trim();
        if (!result.Succeeded || path.Length == 0)
        {
            throw new FrostException(ErrorIds.BackupToolMissing, FailureKind.NotFound,
                $"The image of the database service has no {tool} for PostgreSQL {major} (looked in /usr/lib/postgresql/{major}/bin, /usr/local/bin, /usr/bin and PATH).", tool,
                "Use an official postgres image (it has the server tools), or initialise the data folder yourself and pass it with -Environment.");
        }

        return path;
    }

    private static void Fail(ExecResult result, string step, Request request)
    {
        if (!result.Succeeded)
        {
            throw new FrostException(ErrorIds.DeploymentRecoveryFailed, FailureKind.OperationFailed,
                $"{step} for the new data folder {request.Folder} failed (exit {result.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "unknown"}): {result.StandardError}", request.Folder,
                $"Read the message above; the folder is left as it is for inspection (remove it before trying again).");
        }
    }
}
