using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Deployments.Switching;

/// <summary>
/// What moving a release between slots does to the world (the .env, Compose, Docker, the proxy),
/// behind one seam so <see cref="SlotDeployer"/>'s decisions (when to switch, what to stop, what
/// a crash left) are unit-tested; <see cref="SlotWork"/> does it for real.
/// </summary>
public interface ISlotWork
{
    IReadOnlyList<SlotSection> Slots { get; }

    /// <summary>The .env key of the slots' service's release (BACKEND_TAG).</summary>
    string ReleaseTagKey { get; }

    /// <summary>The slot the .env's COMPOSE_PROFILES names; null when none.</summary>
    SlotSection? Serving();

    string? TagOf(SlotSection slot);

    /// <summary>Writes the slot's image tag into the .env.</summary>
    void SetTag(SlotSection slot, string tag);

    /// <summary>Makes the slot the serving one in the .env: COMPOSE_PROFILES and the release tag, in one atomic write.</summary>
    void SetServing(SlotSection slot, string tag);

    /// <summary>Compose up of the slot alone (its profile named): created, recreated or only started, as its configuration says.</summary>
    Task StartAsync(SlotSection slot, TimeSpan timeout, IFrostReporter reporter, CancellationToken cancellationToken);

    /// <summary>Waits until the slot's container runs healthy; fails at once when it exits or turns unhealthy.</summary>
    Task WaitHealthyAsync(SlotSection slot, TimeSpan timeout, IFrostReporter reporter, CancellationToken cancellationToken);

    Task<SlotCondition> ConditionAsync(SlotSection slot, CancellationToken cancellationToken);

    /// <summary>Waits until no connection to the slot's port is left (the proxy's old workers finished), at most <paramref name="timeout"/>; returns those left.</summary>
    Task<int> DrainAsync(SlotSection slot, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Stops the slot's container and keeps it (a fast undo starts it again).</summary>
    Task StopAsync(SlotSection slot, IFrostReporter reporter, CancellationToken cancellationToken);

    UpstreamSwitch Switch { get; }
}

/// <summary>A slot's container as Docker sees it now.</summary>
public sealed record SlotCondition(bool Exists, bool Running, bool Healthy, string Describe);
