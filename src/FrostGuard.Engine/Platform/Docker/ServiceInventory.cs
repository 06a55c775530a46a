using System.Globalization;
using Docker.DotNet.Models;

namespace FrostGuard.Engine.Platform.Docker;

/// <summary>
/// The containers of a Compose project, one <see cref="FrostService"/> per container. A service
/// that runs in slots is named as the slots' service (backend), its slot beside it; the idle
/// slot's container is left out unless asked for, so every command naming the service means the
/// serving slot.
/// </summary>
public sealed class ServiceInventory
{
    private readonly DockerGateway _docker;
    private readonly string _project;
    private readonly TimeProvider _clock;
    private readonly ServiceSlots? _slots;

    public ServiceInventory(DockerGateway docker, string project, TimeProvider? clock = null, ServiceSlots? slots = null)
    {
        _docker = docker;
        _project = project;
        _clock = clock ?? TimeProvider.System;
        _slots = slots is { Any: true } ? slots : null;
    }

    /// <summary>The containers, without the idle slot's.</summary>
    public Task<IReadOnlyList<FrostService>> ListAsync(CancellationToken cancellationToken) => ListAsync(false, cancellationToken);

    public async Task<IReadOnlyList<FrostService>> ListAsync(bool includeIdleSlot, CancellationToken cancellationToken)
    {
        var parameters = new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{ComposeLabels.Project}={_project}"] = true },
            },
        };
        var containers = await _docker.CallAsync("list the containers of project " + _project,
            (c, ct) => c.Containers.ListContainersAsync(parameters, ct), cancellationToken).ConfigureAwait(false);

        var services = containers
            .Where(c => !IsOneOff(c.Labels))
            .Select(c => _docker.CallAsync("inspect container " + c.ID[..12],
                (client, ct) => client.Containers.InspectContainerAsync(c.ID, ct), cancellationToken));
        var inspected = await Task.WhenAll(services).ConfigureAwait(false);

        var serving = _slots?.Serving();
        return inspected
            .Select(c => ToService(c, serving))
            .Where(s => includeIdleSlot || !s.IsIdleSlot)
            .OrderBy(s => s.Service, StringComparer.Ordinal)
            .ThenBy(s => s.Slot, StringComparer.Ordinal)
            .ThenBy(s => s.Instance)
            .ToList();
    }

    public FrostService ToService(ContainerInspectResponse container) => ToService(container, _slots?.Serving());

    /// <param name="serving">The serving slot; when unknown, a running slot container counts as serving.</param>
    public FrostService ToService(ContainerInspectResponse container, Configuration.SlotSection? serving)
    {
        var labels = container.Config?.Labels ?? new Dictionary<string, string>();
        var state = container.State;
        var running = state?.Running == true;
        var startedAt = ParseDockerTime(state?.StartedAt);
        var composeService = labels.TryGetValue(ComposeLabels.Service, out var service) ? service : container.Name.TrimStart('/');
        var slot = _slots?.OfComposeService(composeService);
        return new FrostService
        {
            Project = labels.TryGetValue(ComposeLabels.Project, out var project) ? project : _project,
            Service = slot is null ? composeService : _slots!.Logical,
            ComposeService = composeService,
            Slot = slot?.Name,
            IsIdleSlot = slot is not null && (serving is null ? !running : serving.Name != slot.Name),
            Instance = labels.TryGetValue(ComposeLabels.ContainerNumber, out var number) && int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 1,
            Container = container.Name.TrimStart('/'),
            ContainerId = container.ID,
            State = StateOf(state?.Status),
            Health = HealthOf(state?.Health?.Status),
            StartedAt = startedAt,
            Uptime = running && startedAt is { } started ? _clock.GetUtcNow() - started : null,
            RestartCount = (int)container.RestartCount,
            ExitCode = running ? null : (int?)state?.ExitCode,
            OomKilled = state?.OOMKilled == true,
            Image = container.Config?.Image ?? "",
            ImageId = container.Image ?? "",
            MemoryLimit = container.HostConfig?.Memory is > 0 and var memory ? memory : null,
            CpuLimit = container.HostConfig?.NanoCPUs is > 0 and var nano ? nano / 1e9 : null,
            LastProbeOutput = state?.Health?.Log is { Count: > 0 } probes ? probes[^1].Output?.Trim() : null,
        };
    }

    /// <summary>Docker's word for the state, mapped by name: the enum's members are those words.</summary>
    internal static FrostContainerState StateOf(string? status) => status switch
    {
        "created" => FrostContainerState.created,
        "running" => FrostContainerState.running,
        "paused" => FrostContainerState.paused,
        "restarting" => FrostContainerState.restarting,
        "removing" => FrostContainerState.removing,
        "exited" => FrostContainerState.exited,
        "dead" => FrostContainerState.dead,
        _ => FrostContainerState.unknown,
    };

    /// <summary>No health status at all means the service has no healthcheck (Docker says "none" for it too).</summary>
    internal static FrostContainerHealth HealthOf(string? status) => status switch
    {
        null or "" or "none" => FrostContainerHealth.none,
        "starting" => FrostContainerHealth.starting,
        "healthy" => FrostContainerHealth.healthy,
        "unhealthy" => FrostContainerHealth.unhealthy,
        _ => FrostContainerHealth.unknown,
    };

    private static bool IsOneOff(IDictionary<string, string>? labels) =>
        labels is not null && labels.TryGetValue(ComposeLabels.OneOff, out var oneOff) && oneOff.Equals("True", StringComparison.OrdinalIgnoreCase);

    /// <summary>Docker reports never-started containers as 0001-01-01T00:00:00Z.</summary>
    internal static DateTimeOffset? ParseDockerTime(string? value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) && time.Year > 1
            ? time
            : null;
}
