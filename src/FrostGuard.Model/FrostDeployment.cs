namespace FrostGuard;

/// <summary>The resolved configuration of a deployment and what the Docker Engine says about it.</summary>
public sealed class FrostDeployment
{
    public required string Project { get; init; }
    public required string Directory { get; init; }
    public required IReadOnlyList<string> ComposeFiles { get; init; }
    public required string ConfigPath { get; init; }
    public required string DockerEndpoint { get; init; }
    public required string DockerVersion { get; init; }
    public required string DockerApiVersion { get; init; }
    public required string Database { get; init; }
    public required string BackupRoot { get; init; }
    public required string StateFolder { get; init; }
    public string? HealthUrl { get; init; }
    public string? MetricsUrl { get; init; }
    public string? PrometheusUrl { get; init; }
    public string? TlsEndpoint { get; init; }
    public string? ManualPath { get; init; }
    public required IReadOnlyList<string> Services { get; init; }
    /// <summary>How updates change the backend: blueGreen (a switch between two slots) or stopThenStart.</summary>
    public string UpdateStrategy { get; init; } = "stopThenStart";
    /// <summary>The backend's slots, serving first ("blue serving backend:next", "green idle backend:current exited"); empty without slots.</summary>
    public IReadOnlyList<string> Slots { get; init; } = [];
    public int ContainersRunning { get; init; }
    public int ContainersTotal { get; init; }
    /// <summary>Versions of the engine and the libraries loaded in FrostGuard's private load context.</summary>
    public required IReadOnlyDictionary<string, string> Components { get; init; }
}
