using System.Text.Json.Serialization;

namespace FrostGuard.Engine.Configuration;

/// <summary>
/// frostguard.json. Keys are camelCase; unknown keys are rejected so a typo never passes
/// silently. Relative paths are relative to the file's folder.
/// </summary>
public sealed record FrostConfig
{
    public required ProjectSection Project { get; init; }
    public DockerSection Docker { get; init; } = new();
    public required DatabaseSection Database { get; init; }
    public string? BackupRoot { get; init; }
    public string? StateFolder { get; init; }
    public HealthSection Health { get; init; } = new();
    public TlsSection? Tls { get; init; }
    public string? ManualPath { get; init; }
    public AlertSection Alerts { get; init; } = new();
    public UpdateSection Update { get; init; } = new();
    public WalArchiveSection WalArchive { get; init; } = new();

    /// <summary>The file this configuration was read from.</summary>
    [JsonIgnore]
    public string SourcePath { get; init; } = "";
}

public sealed record ProjectSection
{
    /// <summary>The Compose project name (the com.docker.compose.project label).</summary>
    public required string Name { get; init; }
    /// <summary>The deployment directory holding the compose files and .env.</summary>
    public required string Directory { get; init; }
    public IReadOnlyList<string> ComposeFiles { get; init; } = ["docker-compose.yml"];
    public string EnvFile { get; init; } = ".env";

    /// <summary>The full path of the deployment's .env: the one place it is built.</summary>
    [JsonIgnore]
    public string EnvPath => EnvPathIn(Directory);

    /// <summary>Where this project's .env is in a copy of its directory (a recovery's staging folder).</summary>
    public string EnvPathIn(string directory) => Path.GetFullPath(Path.Combine(directory, EnvFile));
}

public sealed record DockerSection
{
    public string Endpoint { get; init; } = "unix:///var/run/docker.sock";
    public int TimeoutSeconds { get; init; } = 10;
}

public sealed record DatabaseSection
{
    /// <summary>The Compose service that runs PostgreSQL.</summary>
    public string Service { get; init; } = "postgres";
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 5432;
    public required string Name { get; init; }
    public required string User { get; init; }
    public required PasswordSource Password { get; init; }
    public int ConnectTimeoutSeconds { get; init; } = 5;
    /// <summary>
    /// How pg_dump's archive leaves the database container: "auto" (a FIFO in its /tmp read from
    /// the host, where that is possible, else the exec's stdout) or "stdout" (always the exec's stdout).
    /// </summary>
    public string DumpOutput { get; init; } = DumpOutputs.Auto;
}

public static class DumpOutputs
{
    public const string Auto = "auto";
    public const string Stdout = "stdout";
}

/// <summary>Where the database password comes from; exactly one of the two is set.</summary>
public sealed record PasswordSource
{
    /// <summary>A key of the deployment's .env file.</summary>
    public string? EnvFileKey { get; init; }
    /// <summary>An environment variable of the FrostGuard process.</summary>
    public string? EnvironmentVariable { get; init; }
}

public sealed record HealthSection
{
    public string? HealthUrl { get; init; }
    public string? MetricsUrl { get; init; }
    public string? PrometheusUrl { get; init; }
    public MetricNamesSection MetricNames { get; init; } = new();
}

/// <summary>
/// The names under which the backend exposes its request metrics (Prometheus text format); the
/// defaults are the FrostGuard sandbox backend's, so a configuration without them reads it as before.
/// </summary>
public sealed record MetricNamesSection
{
    /// <summary>The request counter, one series per HTTP status code (label <c>code</c>).</summary>
    public string Requests { get; init; } = "frostguard_http_requests_total";

    /// <summary>The request-duration histogram, in seconds, as its <c># TYPE</c> line names it.</summary>
    public string RequestDuration { get; init; } = "frostguard_http_request_duration_seconds";

    /// <summary>The histogram's cumulative bucket series (label <c>le</c>): what is scraped and queried.</summary>
    [JsonIgnore]
    public string RequestDurationBuckets => RequestDuration + "_bucket";
}

public sealed record TlsSection
{
    public required string Domain { get; init; }
    public int Port { get; init; } = 443;
    /// <summary>PEM file of the CA (or the self-signed certificate itself) the deployment's TLS
    /// certificate is validated against, in addition to the system store; never "skip validation".</summary>
    public string? CaFile { get; init; }
}

public sealed record AlertSection
{
    public IReadOnlyList<string> Webhooks { get; init; } = [];
}
