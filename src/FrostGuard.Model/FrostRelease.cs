namespace FrostGuard;

/// <summary>What became of a release.</summary>
public enum FrostReleaseStatus
{
    /// <summary>Deployed and verified healthy (or the state found running before an update).</summary>
    Deployed,
    /// <summary>Applied, failed its health checks, and rolled back to the release before it.</summary>
    RolledBack,
    /// <summary>Failed, and the rollback failed too: the deployment needs a hand.</summary>
    Failed,
}

/// <summary>One service of a release: the image it ran, by reference and by id.</summary>
public sealed class FrostReleaseService
{
    public required string Service { get; init; }
    /// <summary>The image reference (repository:tag) the containers were created from.</summary>
    public required string Image { get; init; }
    /// <summary>The image id (sha256:…), which a tag that moves later does not change.</summary>
    public required string ImageId { get; init; }
    public int Replicas { get; init; }
}

/// <summary>
/// A release record: what the deployment ran at one point, enough to go back to it — image tag
/// and id per service, the version keys of the .env, the compose files' hash, the deployment
/// directory's git commit, and the backup taken just before it was left.
/// </summary>
public sealed class FrostRelease
{
    public required string Id { get; init; }
    public required string Project { get; init; }
    public DateTimeOffset Created { get; init; }
    public FrostReleaseStatus Status { get; set; }
    /// <summary>True for the release the deployment runs now.</summary>
    public bool IsCurrent { get; set; }
    /// <summary>The version asked for (-Version), or null when the tags were left as they were.</summary>
    public string? Version { get; init; }
    public required IReadOnlyList<FrostReleaseService> Services { get; init; }
    /// <summary>The image tag keys of the .env (e.g. BACKEND_TAG) and their values; never secrets.</summary>
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
    /// <summary>SHA-256 over the compose files (and FrostGuard's override file), in order.</summary>
    public required string ComposeHash { get; init; }
    /// <summary>HEAD of the deployment directory when it is a git checkout.</summary>
    public string? GitCommit { get; init; }
    /// <summary>The backend slot that served this release (blue, green), in a deployment with slots.</summary>
    public string? Slot { get; init; }
    /// <summary>The backup taken just before this release was left (Undo-FrostDeployment -RestoreDatabase restores it).</summary>
    public string? BackupId { get; set; }
    /// <summary>How the release came about, and for a failed one why it failed.</summary>
    public string? Note { get; set; }
    /// <summary>The JSON file of the record.</summary>
    public string? Path { get; set; }

    public override string ToString() => $"{Id} ({string.Join(", ", Tags.Select(t => $"{t.Key}={t.Value}"))}){(IsCurrent ? " current" : "")}";
}
