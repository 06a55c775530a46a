using System.Security.Cryptography;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Files;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Deployments;

/// <summary>
/// What a deployment runs now, read from Docker, the .env, the compose files and git, as a
/// release record; and waiting until the deployment is running and healthy again.
/// </summary>
public sealed class DeploymentState
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private readonly FrostSession _session;

    public DeploymentState(FrostSession session) => _session = session;

    public string Directory => _session.Config.Project.Directory;

    public string EnvPath => _session.Config.Project.EnvPath;

    public ComposeCli Compose => new(_session.Config);

    public IReadOnlyDictionary<string, string> ReadTags() => Tags(File.ReadAllText(EnvPath));

    /// <summary>The keys whose name ends in _TAG, with their values (image tags are never secrets).</summary>
    public static IReadOnlyDictionary<string, string> Tags(string envText)
    {
        var env = EnvFile.Parse(envText);
        var tags = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in env.Keys.Where(k => k.EndsWith("_TAG", StringComparison.Ordinal)))
        {
            env.TryGet(key, out var value);
            tags[key] = value;
        }

        return tags;
    }

    /// <summary>Sets image tags in the .env (atomically, mode and owner kept); a value that is no tag is refused first.</summary>
    public void WriteTags(IReadOnlyDictionary<string, string> tags)
    {
        CheckTags(tags);
        EnvFile.Set(EnvPath, tags);
    }

    public static void CheckTags(IReadOnlyDictionary<string, string> tags)
    {
        foreach (var (key, value) in tags.Where(t => !EnvFile.IsPlain(t.Value)))
        {
            throw new FrostException(ErrorIds.UpdateInvalidVersion, FailureKind.InvalidData,
                $"'{value}' is not a valid image tag for {key}.", value, "Pass a tag of letters, digits, '.', '_' and '-' only.");
        }
    }

    public static string TagKey(string service) => service.ToUpperInvariant().Replace('-', '_').Replace('.', '_') + "_TAG";

    public async Task<FrostRelease> CaptureAsync(string id, string? version, FrostReleaseStatus status, string note, CancellationToken cancellationToken)
    {
        var containers = await _session.Services.ListAsync(cancellationToken).ConfigureAwait(false);
        var services = containers.GroupBy(c => c.Service, StringComparer.Ordinal)
            .Select(g => new FrostReleaseService
            {
                Service = g.Key,
                Image = g.First().Image,
                ImageId = g.First().ImageId,
                Replicas = g.Count(),
            })
            .OrderBy(s => s.Service, StringComparer.Ordinal)
            .ToList();
        return new FrostRelease
        {
            Id = id,
            Project = _session.Config.Project.Name,
            Created = DateTimeOffset.UtcNow,
            Status = status,
            Version = version,
            Services = services,
            Tags = ReadTags(),
            ComposeHash = HashFiles(Compose.Files()),
            GitCommit = await new GitCheckout(Directory).HeadAsync(cancellationToken).ConfigureAwait(false),
            Slot = _session.Slots.Serving()?.Name,
            Note = note,
        };
    }

    /// <summary>The same deployed state: tags, images, compose files and commit.</summary>
    public static bool SameState(FrostRelease a, FrostRelease b) =>
        a.ComposeHash == b.ComposeHash
        && a.GitCommit == b.GitCommit
        && a.Tags.Count == b.Tags.Count && a.Tags.All(t => b.Tags.TryGetValue(t.Key, out var v) && v == t.Value)
        && a.Services.Count == b.Services.Count
        && a.Services.All(s => b.Services.Any(o => o.Service == s.Service && o.ImageId == s.ImageId));

    /// <summary>SHA-256 over each file's name and content, in order.</summary>
    public static string HashFiles(IEnumerable<string> files)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files)
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetFileName(file) + "\0"));
            hash.AppendData(File.ReadAllBytes(file));
            hash.AppendData(new byte[] { 0 });
        }

        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }

    /// <summary>
    /// Waits until every container of <paramref name="services"/> (all when empty) is running
    /// and healthy (or has no healthcheck) and the health URL answers 200 after <paramref name="since"/>.
    /// A container that exits or turns unhealthy fails at once, not at the timeout.
    /// </summary>
    /// <param name="probe">The health URL's probe; null: the containers alone decide.</param>
    /// <param name="except">Containers (ids) that do not count: the old ones a new container starts beside.</param>
    public async Task WaitHealthyAsync(IReadOnlyCollection<string> services, AvailabilityProbe? probe, long since, TimeSpan timeout,
        int progressId, IFrostReporter reporter, CancellationToken cancellationToken, int parentProgressId = -1, IReadOnlySet<string>? except = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var activity = new ProgressUpdate(progressId, "Waiting for the deployment to be healthy", "", ParentActivityId: parentProgressId);
        try
        {
            while (true)
            {
                var all = await _session.Services.ListAsync(cancellationToken).ConfigureAwait(false);
                var watched = all.Where(s => (services.Count == 0 || services.Contains(s.Service)) && except?.Contains(s.ContainerId) != true).ToList();
                var failed = watched.FirstOrDefault(s => s.State is FrostContainerState.exited or FrostContainerState.dead || s.Health == FrostContainerHealth.unhealthy);
                if (failed is not null)
                {
                    throw new FrostException(ErrorIds.ServiceNotReady, FailureKind.OperationFailed,
                        $"{failed.Container} is {failed.State}/{failed.Health} instead of running and healthy"
                        + (failed.LastProbeOutput is { Length: > 0 } p ? $"; last health probe: {p.Trim()}" : ""),
                        failed.Service, $"Read its log: Get-FrostLog -Name {failed.Service} -Tail 50");
                }

                var waiting = watched.Where(s => !(s.IsRunning && s.Health is FrostContainerHealth.healthy or FrostContainerHealth.none)).ToList();
                var missing = services.Where(n => watched.All(s => s.Service != n)).ToList();
                var urlUp = probe is null || !probe.Measures || probe.UntilUp(since) is not null;
                if (waiting.Count == 0 && missing.Count == 0 && urlUp)
                {
                    reporter.Verbose($"healthy after {clock.Elapsed.TotalSeconds:F1} s");
                    return;
                }

                var what = string.Join(", ", waiting.Select(w => $"{w} {w.State}/{w.Health}" + (w.LastProbeOutput is { Length: > 0 } probeOutput ? $" (last health probe: {Shorten(probeOutput)})" : "")).Concat(missing.Select(m => $"{m} has no container"))
                    .Concat(urlUp ? [] : [$"{probe!.Url} not answering 200"]));
                if (clock.Elapsed > timeout)
                {
                    throw new FrostException(ErrorIds.UpdateHealthTimeout, FailureKind.OperationFailed,
                        $"The deployment was not healthy within {timeout.TotalSeconds:0} s: {what}.", string.Join(",", waiting.Select(w => w.Service).Concat(missing)),
                        $"Read the logs (Get-FrostLog -Name {waiting.Concat(all).FirstOrDefault()?.Service ?? "backend"} -Tail 50), or allow longer with -HealthTimeoutSeconds.");
                }

                reporter.Progress(activity with
                {
                    Status = $"{what} ({clock.Elapsed.TotalSeconds:0} of {timeout.TotalSeconds:0} s)",
                    PercentComplete = (int)Math.Min(99, clock.Elapsed.TotalSeconds * 100 / timeout.TotalSeconds),
                });
                await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            reporter.Progress(activity with { Completed = true });
        }
    }

    private static string Shorten(string text)
    {
        var flat = text.ReplaceLineEndings(" ").Trim();
        return flat.Length > 160 ? flat[..160] + "…" : flat;
    }
}
