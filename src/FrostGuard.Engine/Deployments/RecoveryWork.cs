using FrostGuard.Engine.Backups;
using FrostGuard.Engine.Backups.ConfigArchive;
using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Deployments.Recovery;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Docker;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Deployments;

/// <summary>A recovery's work done for real: the archive on disk, Compose, Docker through the sessions, the database restorer, the health checks.</summary>
public sealed class RecoveryWork : IRecoveryWork
{
    private readonly FrostSession _source;

    public RecoveryWork(FrostSession source) => _source = source;

    public BackupManifest Load(FrostBackup backup) => BackupCatalog.Load(backup);

    public IReadOnlyList<string> Extract(string staging, FrostBackup backup, BackupManifest manifest, ConfigArchiveManifest sealedConfig, ConfigArchiveKey key)
    {
        var files = DeploymentArchive.Extract(Path.GetDirectoryName(backup.ManifestPath)!, manifest.Id, sealedConfig, key, staging);
        // The WAL archiver writes into the backed-up server's backup root: a recovered deployment
        // enables its own (Enable-FrostWalArchive), never streams into another's.
        if (File.Exists(ComposeOverride.PathIn(staging)))
        {
            var staged = ComposeOverride.Load(staging, null);
            if (staged.Added.Count > 0)
            {
                staged.Added.Keys.Aggregate(staged, (o, name) => o.WithAdded(name, null)).Save(staging);
            }
        }

        return files;
    }

    public Task<ComposeRendering> RenderAsync(string directory, string project, IReadOnlyList<string> composeFiles, CancellationToken cancellationToken) =>
        ComposeRendering.RenderAsync(directory, project, composeFiles, cancellationToken);

    public Task<HostUsage> ReadHostAsync(CancellationToken cancellationToken) => HostUsage.ReadAsync(_source.Docker, cancellationToken);

    public async Task InitializeDatabaseFolderAsync(FrostSession restored, DatabaseFolderInitializer.Request request, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        if (request.Service.Image is { } image && !await ImagePresentAsync(restored.Docker, image, cancellationToken).ConfigureAwait(false))
        {
            await new ComposeCli(restored.Config).PullAsync([request.Service.Name], reporter, cancellationToken).ConfigureAwait(false);
        }

        await DatabaseFolderInitializer.InitializeAsync(restored.Docker, request, reporter, cancellationToken).ConfigureAwait(false);
    }

    public Task StartAsync(FrostSession restored, TimeSpan timeout, IFrostReporter reporter, CancellationToken cancellationToken) =>
        new DeploymentState(restored).Compose.UpAsync([], timeout, reporter, cancellationToken);

    public async Task WaitHealthyAsync(FrostSession restored, int progressId, TimeSpan timeout, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        await using var probe = new AvailabilityProbe(restored.Config);
        await new DeploymentState(restored).WaitHealthyAsync([], probe, 0, timeout, progressId + 1, reporter, cancellationToken, progressId).ConfigureAwait(false);
    }

    public Task<FrostRestore> RestoreDatabaseAsync(FrostSession restored, RestoreRequest request, IFrostReporter reporter, CancellationToken cancellationToken) =>
        new DatabaseRestorer(restored).RestoreHoldingLockAsync(request, reporter, cancellationToken);

    public Task<IReadOnlyList<FrostHealthResult>> VerifyAsync(FrostSession restored, IFrostReporter reporter, CancellationToken cancellationToken) =>
        DeploymentVerification.RunAsync(restored, reporter, cancellationToken);

    public Task DownAsync(FrostConfig config, bool volumes, IFrostReporter reporter, CancellationToken cancellationToken) =>
        new ComposeCli(config).DownAsync(reporter, cancellationToken, volumes);

    private static async Task<bool> ImagePresentAsync(DockerGateway docker, string image, CancellationToken cancellationToken)
    {
        try
        {
            await docker.CallAsync($"inspect image {image}", (c, ct) => c.Images.InspectImageAsync(image, ct), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (FrostException e) when (e.InnerException is global::Docker.DotNet.DockerImageNotFoundException
                                       || e.InnerException is global::Docker.DotNet.DockerApiException { StatusCode: System.Net.HttpStatusCode.NotFound })
        {
            return false;
        }
    }
}
