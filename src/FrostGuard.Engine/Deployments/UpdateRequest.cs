namespace FrostGuard.Engine.Deployments;

/// <summary>What Update-FrostDeployment asks for.</summary>
public sealed record UpdateRequest
{
    /// <summary>The image tag to set for <see cref="Services"/>; null leaves the tags as they are.</summary>
    public string? Version { get; init; }
    /// <summary>The services to update; empty: with a version, every service with a &lt;SERVICE&gt;_TAG key, else all.</summary>
    public IReadOnlyList<string> Services { get; init; } = [];
    public bool SkipBackup { get; init; }
    /// <summary>git pull --ff-only in the deployment directory first.</summary>
    public bool Pull { get; init; }
    /// <summary>How long the updated services may take to be running and healthy.</summary>
    public TimeSpan HealthTimeout { get; init; } = TimeSpan.FromSeconds(120);
}

/// <summary>What Undo-FrostDeployment asks for.</summary>
public sealed record UndoRequest
{
    /// <summary>The release to go back to; the one before the current when null.</summary>
    public string? To { get; init; }
    /// <summary>Also restore the backup recorded with that release.</summary>
    public bool RestoreDatabase { get; init; }
    public TimeSpan HealthTimeout { get; init; } = TimeSpan.FromSeconds(120);
}
