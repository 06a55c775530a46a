using Docker.DotNet.Models;
using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Health;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Database;
using FrostGuard.Engine.Platform.Reporting;
using FrostGuard.Engine.Services;
using Npgsql;

namespace FrostGuard.Engine.Secrets;

/// <summary>
/// What a rotation does to the world (the database role, the containers that read the .env,
/// the health URL), behind one seam so <see cref="SecretRotator"/>'s decisions are tested
/// without a database. The .env, its dated copy, the rotation log and the operation record are
/// files and stay real.
/// </summary>
public interface IRotationWork
{
    /// <summary>The password the deployment uses now (from the .env); never logged.</summary>
    string CurrentPassword { get; }

    /// <summary>Logs in with the password; DatabaseAuthenticationFailed when it does not open the database.</summary>
    Task ProveLoginAsync(string password, string what, CancellationToken cancellationToken);

    /// <summary>Sets the role's password (as a SCRAM verifier), logged in with <paramref name="loginWith"/>.</summary>
    Task SetPasswordAsync(string loginWith, string newValue, CancellationToken cancellationToken);

    /// <summary>The containers that read the .env; SecretInEnvironment when one holds the value in its environment.</summary>
    Task<IReadOnlyList<FrostService>> FindReadersAsync(string envPath, string currentValue, CancellationToken cancellationToken);

    Task RestartAsync(FrostService service, TimeSpan gracePeriod, TimeSpan timeout, IFrostReporter reporter, CancellationToken cancellationToken);

    /// <summary>The health URL answers after the rotation; what was verified, for the result.</summary>
    Task<string> VerifyAsync(IReadOnlyList<FrostService> readers, IFrostReporter reporter, CancellationToken cancellationToken);
}

/// <summary>A rotation's work done for real: Npgsql, the Docker Engine, the health URL.</summary>
public sealed class RotationWork : IRotationWork
{
    private readonly FrostSession _session;
    private readonly TimeProvider _clock;

    public RotationWork(FrostSession session, TimeProvider clock)
    {
        _session = session;
        _clock = clock;
    }

    public string CurrentPassword => _session.DatabasePassword;

    private FrostConfig Config => _session.Config;

    public Task RestartAsync(FrostService service, TimeSpan gracePeriod, TimeSpan timeout, IFrostReporter reporter, CancellationToken cancellationToken) =>
        new ServiceController(_session.Docker, _session.Services, _clock).RestartAsync(service, gracePeriod, timeout, reporter, cancellationToken);

    /// <summary>Sets the role's password from a verifier: the database quotes the role name (%I) and the verifier (%L).</summary>
    public async Task SetPasswordAsync(string loginWith, string newValue, CancellationToken cancellationToken)
    {
        var verifier = ScramVerifier.Create(newValue).ToString();
        await using var connection = await new DatabaseConnector(Config, loginWith).OpenAsync(cancellationToken).ConfigureAwait(false);
        string statement;
        await using (var format = new NpgsqlCommand("SELECT format('ALTER ROLE %I PASSWORD %L', @role::text, @verifier::text)", connection))
        {
            format.Parameters.AddWithValue("role", Config.Database.User);
            format.Parameters.AddWithValue("verifier", verifier);
            statement = (string)(await format.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        await using var alter = new NpgsqlCommand(statement, connection);
        await alter.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task ProveLoginAsync(string password, string what, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await new DatabaseConnector(Config, password).OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (FrostException e) when (e.ErrorId == ErrorIds.DatabaseAuthenticationFailed)
        {
            throw new FrostException(e.ErrorId, e.Kind, $"Login as {Config.Database.User} with {what} failed: {e.Message}", e.Target, e.RecommendedAction, e);
        }
    }

    /// <summary>
    /// The project's containers that read the .env: those with a bind mount of the file or of a
    /// folder holding it. A container that has the value in its environment is refused: a
    /// restart would not change it, and docker inspect shows it to anyone.
    /// </summary>
    public async Task<IReadOnlyList<FrostService>> FindReadersAsync(string envPath, string currentValue, CancellationToken cancellationToken)
    {
        var services = await _session.Services.ListAsync(cancellationToken).ConfigureAwait(false);
        var readers = new List<FrostService>();
        var exposed = new List<string>();
        foreach (var service in services)
        {
            var inspected = await _session.Docker.CallAsync($"inspect {service.Container}",
                (c, ct) => c.Containers.InspectContainerAsync(service.ContainerId, ct), cancellationToken).ConfigureAwait(false);
            if ((inspected.Config?.Env ?? []).Any(e => e.EndsWith("=" + currentValue, StringComparison.Ordinal)))
            {
                exposed.Add(service.Container);
            }

            if ((inspected.Mounts ?? []).Any(m => m.Type == "bind" && Covers(m, envPath)))
            {
                readers.Add(service);
            }
        }

        if (exposed.Count > 0)
        {
            throw new FrostException(ErrorIds.SecretInEnvironment, FailureKind.InvalidConfiguration,
                $"{string.Join(", ", exposed)} {(exposed.Count == 1 ? "has" : "have")} the database password in {(exposed.Count == 1 ? "its" : "their")} environment, where docker inspect shows it and a restart would not change it. Nothing was changed.",
                exposed[0],
                $"Mount the .env as a file instead (as the sandbox's backend does: ./.env:/secrets/deployment.env:ro) and read the key from it, then rotate; see docs/security.md.");
        }

        return readers;
    }

    private static bool Covers(MountPoint mount, string envPath)
    {
        if (string.IsNullOrEmpty(mount.Source))
        {
            return false;
        }

        var source = Path.TrimEndingDirectorySeparator(mount.Source);
        return envPath == source || envPath.StartsWith(source + "/", StringComparison.Ordinal);
    }

    /// <summary>The health URL answers 200 through the proxy (the backend's /health queries the database).</summary>
    public async Task<string> VerifyAsync(IReadOnlyList<FrostService> readers, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var parts = new List<string> { "login with the new password" };
        if (readers.Count > 0)
        {
            parts.Add($"{string.Join(", ", readers.Select(r => r.Service).Distinct())} restarted and healthy");
        }

        if (Config.Health.HealthUrl is null)
        {
            reporter.Warning($"No health.healthUrl in {Config.SourcePath}: the rotation is verified by container health only.");
            return string.Join("; ", parts);
        }

        var context = new HealthContext(Config, new ThresholdSet(DefaultThresholds.All()), _session.StateFolder, reporter, _clock);
        var result = (await new HttpCheck().RunAsync(context, cancellationToken).ConfigureAwait(false)).Single();
        if (result.Status is not (HealthStatus.Ok or HealthStatus.Warning))
        {
            throw new FrostException(ErrorIds.SecretRotationFailed, FailureKind.OperationFailed,
                $"the health check after the rotation is {result.Status}: {result.Message}", result.Target,
                $"Check the health URL by hand (Test-FrostHealth -Check Http), then run Update-FrostSecret again.");
        }

        parts.Add($"{result.Target} answered 200");
        return string.Join("; ", parts);
    }
}
