using FrostGuard.Engine.Backups;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Deployments;

/// <summary>
/// What an update or undo does to the world (Compose, Docker, git, the .env, the database, the
/// health checks), behind one seam so <see cref="DeploymentUpdater"/>'s decisions (what runs
/// after which failure, what is rolled back, which release is current) are tested without a
/// deployment; <see cref="DeploymentWork"/> does it for real. Release records, operation records
/// and the deployment lock are files in the state folder and stay real.
/// </summary>
public interface IDeploymentWork
{
    /// <summary>The deployment's .env, for messages.</summary>
    string EnvPath { get; }

    /// <summary>Starts polling the health URL for this command.</summary>
    IAvailability OpenAvailability();

    /// <summary>Checks what an update needs before anything changes; returns the services whose tag it sets (or the services asked for, without a version).</summary>
    Task<IReadOnlyList<string>> PreflightAsync(UpdateRequest request, IAvailability availability, IFrostReporter reporter, CancellationToken cancellationToken);

    /// <summary>A verified backup of the database, taken now.</summary>
    Task<FrostBackup> BackupAsync(string label, IFrostReporter reporter, CancellationToken cancellationToken);

    /// <summary>The deployment as it runs now, as a release (a new id).</summary>
    Task<FrostRelease> CaptureAsync(string? version, FrostReleaseStatus status, string note, CancellationToken cancellationToken);

    IReadOnlyDictionary<string, string> ReadTags();

    void WriteTags(IReadOnlyDictionary<string, string> tags);

    /// <summary>The hash of the compose files as they are now.</summary>
    string ComposeHash();

    Task PullAsync(IFrostReporter reporter, CancellationToken cancellationToken);

    Task<string?> GitHeadAsync(CancellationToken cancellationToken);

    Task GitResetAsync(string commit, IFrostReporter reporter, CancellationToken cancellationToken);

    /// <summary>Compose up of the services (all when empty).</summary>
    Task UpAsync(IReadOnlyList<string> services, TimeSpan timeout, IFrostReporter reporter, CancellationToken cancellationToken);

    /// <summary>Waits until the services run healthy and the health URL answers after the timestamp.</summary>
    Task WaitHealthyAsync(IReadOnlyList<string> services, IAvailability availability, long since, TimeSpan timeout, IFrostReporter reporter, CancellationToken cancellationToken);

    /// <summary>The checks that verify a change (containers, database, HTTP).</summary>
    Task<IReadOnlyList<FrostHealthResult>> HealthChecksAsync(IFrostReporter reporter, CancellationToken cancellationToken);

    /// <summary>Restores a backup while the caller holds the deployment lock.</summary>
    Task<FrostRestore> RestoreAsync(RestoreRequest request, IFrostReporter reporter, CancellationToken cancellationToken);

    /// <summary>The backups in the backup root.</summary>
    IReadOnlyList<FrostBackup> Backups(IFrostReporter reporter);

    /// <summary>The backend's slots when updates switch between them (update.strategy blueGreen); null otherwise.</summary>
    Switching.ISlotWork? Slots { get; }

    /// <summary>The services that have containers now (the slots' service once).</summary>
    Task<IReadOnlyList<string>> ServiceNamesAsync(CancellationToken cancellationToken);

    /// <summary>Each service's new containers (as many as run now) start beside the old ones and turn healthy before the old ones are stopped and removed (a worker has no port to share).</summary>
    Task UpOverlappingAsync(IReadOnlyList<string> services, TimeSpan timeout, IFrostReporter reporter, CancellationToken cancellationToken);
}
