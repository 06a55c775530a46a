using FrostGuard.Engine.Backups;
using FrostGuard.Engine.Backups.ConfigArchive;
using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Deployments.Recovery;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Deployments;

/// <summary>
/// What a recovery does to the world (the sealed archive, Compose, Docker, the database, the
/// health checks), behind one seam so <see cref="DeploymentRecovery"/>'s decisions (what is
/// refused, what is removed after which failure, what the operation record says, what an
/// interrupted recovery leaves) are tested without Docker; <see cref="RecoveryWork"/> does it for
/// real. The staging and target folders, the .env, the configuration files, the operation record
/// and the deployment lock are files and stay real.
/// </summary>
public interface IRecoveryWork
{
    /// <summary>The manifest of a backup, read and checked.</summary>
    BackupManifest Load(FrostBackup backup);

    /// <summary>Opens the sealed configuration archive into <paramref name="staging"/>; returns the files it wrote.</summary>
    IReadOnlyList<string> Extract(string staging, FrostBackup backup, BackupManifest manifest, ConfigArchiveManifest sealedConfig, ConfigArchiveKey key);

    /// <summary>What Compose makes of the deployment in <paramref name="directory"/> as project <paramref name="project"/>.</summary>
    Task<ComposeRendering> RenderAsync(string directory, string project, IReadOnlyList<string> composeFiles, CancellationToken cancellationToken);

    /// <summary>What the host's other deployments hold: projects, names, mounts, ports.</summary>
    Task<HostUsage> ReadHostAsync(CancellationToken cancellationToken);

    /// <summary>A new database folder initialised as a cluster by the service's image (pulled when absent).</summary>
    Task InitializeDatabaseFolderAsync(FrostSession restored, DatabaseFolderInitializer.Request request, IFrostReporter reporter, CancellationToken cancellationToken);

    /// <summary>Compose up of the restored deployment.</summary>
    Task StartAsync(FrostSession restored, TimeSpan timeout, IFrostReporter reporter, CancellationToken cancellationToken);

    /// <summary>Waits until the restored deployment's containers and health URL are healthy.</summary>
    Task WaitHealthyAsync(FrostSession restored, int progressId, TimeSpan timeout, IFrostReporter reporter, CancellationToken cancellationToken);

    /// <summary>Restores the backup into the restored deployment's database (its deployment lock is held by the caller).</summary>
    Task<FrostRestore> RestoreDatabaseAsync(FrostSession restored, RestoreRequest request, IFrostReporter reporter, CancellationToken cancellationToken);

    /// <summary>The health checks that judge the restored deployment.</summary>
    Task<IReadOnlyList<FrostHealthResult>> VerifyAsync(FrostSession restored, IFrostReporter reporter, CancellationToken cancellationToken);

    /// <summary>Compose down of the project <paramref name="config"/> names, with its volumes when <paramref name="volumes"/>.</summary>
    Task DownAsync(FrostConfig config, bool volumes, IFrostReporter reporter, CancellationToken cancellationToken);
}
