using System.Diagnostics;
using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Reporting;
using FrostGuard.Engine.Services;

namespace FrostGuard.Engine.Health;

/// <summary>
/// What the checks of one health run share: configuration, thresholds, the state folder, and
/// the container list and resource sample, each taken once however many checks use them.
/// </summary>
public sealed class HealthContext
{
    private readonly Lazy<Task<IReadOnlyList<FrostService>>> _services;
    private readonly Lazy<Task<IReadOnlyDictionary<string, FrostServiceResources>>> _resources;
    private readonly Lazy<Task<IReadOnlyDictionary<string, global::Docker.DotNet.Models.ContainerStatsResponse>>> _firstSample;
    private readonly Lazy<Task<IReadOnlyDictionary<string, global::Docker.DotNet.Models.ContainerStatsResponse>>> _currentSample;

    public HealthContext(FrostSession session, ThresholdSet thresholds, IFrostReporter reporter, TimeProvider? clock = null)
        : this(session.Config, thresholds, session.StateFolder, reporter, clock)
    {
        Session = session;
        _services = new Lazy<Task<IReadOnlyList<FrostService>>>(() => session.Services.ListAsync(CancellationToken.None));
        var sampler = new ResourceSampler(session.Docker);
        _firstSample = new Lazy<Task<IReadOnlyDictionary<string, global::Docker.DotNet.Models.ContainerStatsResponse>>>(async () =>
            await sampler.FirstSampleAsync(await _services.Value.ConfigureAwait(false), CancellationToken.None).ConfigureAwait(false));
        _resources = new Lazy<Task<IReadOnlyDictionary<string, FrostServiceResources>>>(async () =>
            await sampler.SecondSampleAsync(await _services.Value.ConfigureAwait(false), await _firstSample.Value.ConfigureAwait(false), CancellationToken.None).ConfigureAwait(false));
        _currentSample = new Lazy<Task<IReadOnlyDictionary<string, global::Docker.DotNet.Models.ContainerStatsResponse>>>(async () =>
            ReadCgroupsNow(await _services.Value.ConfigureAwait(false)) ?? await _firstSample.Value.ConfigureAwait(false));
    }

    /// <summary>For checks that need neither Docker nor the database (unit tests).</summary>
    public HealthContext(FrostConfig config, ThresholdSet thresholds, string stateFolder, IFrostReporter reporter, TimeProvider? clock = null)
    {
        Config = config;
        Thresholds = thresholds;
        StateFolder = stateFolder;
        Reporter = reporter;
        Clock = clock ?? TimeProvider.System;
        _services = new Lazy<Task<IReadOnlyList<FrostService>>>(() => throw new InvalidOperationException("no Docker session in this context"));
        _resources = new Lazy<Task<IReadOnlyDictionary<string, FrostServiceResources>>>(() => throw new InvalidOperationException("no Docker session in this context"));
        _firstSample = new Lazy<Task<IReadOnlyDictionary<string, global::Docker.DotNet.Models.ContainerStatsResponse>>>(() => throw new InvalidOperationException("no Docker session in this context"));
        _currentSample = _firstSample;
    }

    public FrostSession? Session { get; }
    public FrostConfig Config { get; }
    public ThresholdSet Thresholds { get; }
    public string StateFolder { get; }
    public IFrostReporter Reporter { get; }
    public TimeProvider Clock { get; }

    public FrostSession RequireSession() => Session ?? throw new InvalidOperationException("this check needs a FrostGuard session");

    /// <summary>The project's containers, listed once per run.</summary>
    public Task<IReadOnlyList<FrostService>> ServicesAsync(CancellationToken cancellationToken) => _services.Value.WaitAsync(cancellationToken);

    /// <summary>
    /// How a result names a container: by its service when the service has one container, whatever
    /// its number (a worker started beside the old one during an update is #2); service#number when scaled.
    /// </summary>
    public static string TargetOf(FrostService service, IReadOnlyList<FrostService> all) =>
        all.Count(s => s.Service == service.Service) > 1 ? $"{service.Service}#{service.Instance}" : service.Service;

    /// <summary>One stats sample per running container id (one collector tick), taken once per run.</summary>
    public Task<IReadOnlyDictionary<string, global::Docker.DotNet.Models.ContainerStatsResponse>> FirstSampleAsync(CancellationToken cancellationToken) =>
        _firstSample.Value.WaitAsync(cancellationToken);

    /// <summary>
    /// The counters of every running container now: read from their cgroups on this host when
    /// they are all there (milliseconds), else one Engine API sample (<see cref="FirstSampleAsync"/>,
    /// up to a collector tick). For what needs no second sample: memory, and CPU since a kept sample.
    /// </summary>
    public Task<IReadOnlyDictionary<string, global::Docker.DotNet.Models.ContainerStatsResponse>> CurrentSampleAsync(CancellationToken cancellationToken) =>
        _currentSample.Value.WaitAsync(cancellationToken);

    /// <summary>The running containers' counters read from their cgroups now (not cached); null when any of them cannot be read there.</summary>
    public IReadOnlyDictionary<string, global::Docker.DotNet.Models.ContainerStatsResponse>? ReadCgroupsNow(IReadOnlyList<FrostService> services)
    {
        try
        {
            var procStat = File.ReadAllText("/proc/stat");
            var meminfo = File.ReadAllText("/proc/meminfo");
            var now = Clock.GetUtcNow().UtcDateTime;
            var samples = new Dictionary<string, global::Docker.DotNet.Models.ContainerStatsResponse>(StringComparer.Ordinal);
            foreach (var service in services.Where(s => s.IsRunning))
            {
                if (CgroupCounters.Read(service.ContainerId, procStat, meminfo, now) is not { } sample)
                {
                    Reporter.Verbose($"No cgroup of {service.Container} under {CgroupCounters.DefaultRoot}: asking the Docker Engine for stats (up to one collector tick).");
                    return null;
                }

                samples[service.ContainerId] = sample;
            }

            return samples;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            Reporter.Verbose($"Reading the containers' cgroups failed ({e.GetType().Name}: {e.Message}): asking the Docker Engine for stats instead.");
            return null;
        }
    }

    /// <summary>Live resources per container id, sampled once per run (two stats collector ticks).</summary>
    public Task<IReadOnlyDictionary<string, FrostServiceResources>> ResourcesAsync(CancellationToken cancellationToken) => _resources.Value.WaitAsync(cancellationToken);

    /// <summary>A result stamped with the run's clock.</summary>
    public FrostHealthResult Result(string check, string target, HealthStatus status, string message, string threshold,
        double? observed = null, string? unit = null, TimeSpan duration = default) => new()
    {
        Check = check,
        Target = target,
        Status = status,
        Message = message,
        Threshold = threshold,
        Observed = observed is { } v ? Math.Round(v, 3) : null,
        Unit = unit,
        Duration = duration,
        Timestamp = Clock.GetUtcNow(),
    };

    /// <summary>Judges a value against a metric's thresholds and words the result.</summary>
    public FrostHealthResult Judge(string check, string target, string key, double observed, string what, long started,
        Func<FrostThreshold, bool>? sustainedHeld = null)
    {
        var unit = MetricKeys.Units[key];
        var verdict = Thresholds.Judge(key, observed, sustainedHeld);
        var shown = unit == "%" ? $"{observed:0.##}%" : $"{observed:0.##} {unit}";
        var message = verdict.Crossed is { } line
            ? $"{what} {shown}, {line.Symbol} {line.Value:0.##}{(unit == "%" ? "%" : " " + unit)} ({line.Level}, {line.Source})"
            : $"{what} {shown}" + (verdict.Note is { } note ? $" ({note})" : "");
        return Result(check, target, verdict.Status, message, Thresholds.Describe(key), observed, unit, Clock.GetElapsedTime(started));
    }

    public static long Now() => Stopwatch.GetTimestamp();
}
