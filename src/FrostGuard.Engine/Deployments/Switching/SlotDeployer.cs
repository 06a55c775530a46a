using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Platform.Durability;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Deployments.Switching;

/// <summary>What moving a release to the other slot did.</summary>
public sealed record SlotMove(SlotSection From, SlotSection To, string Tag, int ConnectionsLeft)
{
    public override string ToString() => $"slot {To.Name} serves {Tag}; slot {From.Name} stopped and kept";
}

/// <summary>
/// The blue-green decisions (docs/updates.md): a release starts in the idle slot beside the
/// serving one and takes users only once it is healthy and the proxy is proven to serve it; the
/// old slot drains and is kept stopped. A failure before the switch leaves users where they
/// were; a slot that is not healthy never takes a request. After a crash, <see cref="ReconcileAsync"/>
/// leaves exactly one healthy slot serving and says what it found.
/// </summary>
public sealed class SlotDeployer
{
    private readonly ISlotWork _work;
    private readonly TimeSpan _drainTimeout;

    public SlotDeployer(ISlotWork work, TimeSpan drainTimeout)
    {
        _work = work;
        _drainTimeout = drainTimeout;
    }

    public SlotSection Other(SlotSection slot) => _work.Slots.First(s => s.Name != slot.Name);

    /// <summary>The serving slot, or a clear error naming what to add to the .env.</summary>
    public SlotSection ServingOrThrow() => _work.Serving() ?? throw new FrostException(ErrorIds.UpdatePreflightFailed, FailureKind.InvalidConfiguration,
        $"The .env names no serving slot: its COMPOSE_PROFILES holds none of {string.Join(", ", _work.Slots.Select(s => s.Service))}. Nothing was changed.",
        ServiceSlotsKey, $"Add COMPOSE_PROFILES={_work.Slots[0].Service} (the slot that runs now) to the .env.");

    private const string ServiceSlotsKey = "COMPOSE_PROFILES";

    /// <summary>
    /// Brings <paramref name="tag"/> up in the idle slot and switches users to it once it is healthy.
    /// <paramref name="noted"/> is told the slots before anything changes (the operation record keeps them).
    /// </summary>
    /// <param name="afterMigration">Says what a database restore would lose, for the error when no slot is healthy any more.</param>
    public async Task<SlotMove> DeployAsync(string tag, TimeSpan healthTimeout, Action<SlotSection, SlotSection, string?> noted, Func<string> afterMigration,
        IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var from = ServingOrThrow();
        var to = Other(from);
        var idleTagBefore = _work.TagOf(to);
        noted(from, to, idleTagBefore);
        try
        {
            if (idleTagBefore != tag)
            {
                _work.SetTag(to, tag);
            }

            reporter.Verbose($"starting {tag} in slot {to.Name} beside slot {from.Name}, which keeps serving");
            await _work.StartAsync(to, healthTimeout + TimeSpan.FromSeconds(60), reporter, cancellationToken).ConfigureAwait(false);
            CrashPoints.Reach(CrashPoints.UpdateSlotStarted);
            await _work.WaitHealthyAsync(to, healthTimeout, reporter, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception failure)
        {
            await StandDownAsync(from, to, idleTagBefore, tag, failure, afterMigration, reporter).ConfigureAwait(false);
            throw;
        }

        var before = await _work.ConditionAsync(from, cancellationToken).ConfigureAwait(false);
        if (!before.Healthy)
        {
            reporter.Warning($"{before.Describe}: the proxy switches to slot {to.Name}, which is healthy.");
        }

        try
        {
            await _work.Switch.SwitchAsync(Target(to), reporter, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception failure)
        {
            await SwitchBackAsync(from, failure, reporter).ConfigureAwait(false);
            await StandDownAsync(from, to, idleTagBefore, tag, failure, afterMigration, reporter).ConfigureAwait(false);
            throw;
        }

        CrashPoints.Reach(CrashPoints.UpdateSwitched);
        // From here the new slot serves: the rest is finished even after Ctrl+C.
        _work.SetServing(to, tag);
        var left = await _work.DrainAsync(from, _drainTimeout, CancellationToken.None).ConfigureAwait(false);
        if (left > 0)
        {
            reporter.Warning($"{left} connection(s) to slot {from.Name} were still open after {_drainTimeout.TotalSeconds:0} s (update.proxy.drainTimeoutSeconds); it is stopped anyway.");
        }

        await _work.StopAsync(from, reporter, CancellationToken.None).ConfigureAwait(false);
        return new SlotMove(from, to, tag, left);
    }

    /// <summary>
    /// Makes the slots consistent after a crash: the slot the .env names serves while it is
    /// healthy, else the healthy one; the include, nginx and the .env are brought to it, the other
    /// slot is stopped, and a slot left idle gets its tag from <paramref name="idleTagsBefore"/> back.
    /// Returns what it found and what it did.
    /// </summary>
    public async Task<string> ReconcileAsync(IReadOnlyDictionary<string, string> idleTagsBefore, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var named = _work.Serving();
        var written = _work.Switch.Written();
        var served = await _work.Switch.ServedAsync(cancellationToken).ConfigureAwait(false);
        var conditions = new Dictionary<string, SlotCondition>();
        foreach (var slot in _work.Slots)
        {
            conditions[slot.Name] = await _work.ConditionAsync(slot, cancellationToken).ConfigureAwait(false);
        }

        var servedName = served?.Target;
        var found = $"the .env names slot {named?.Name ?? "none"}, the proxy's include {written?.Name ?? "no slot FrostGuard wrote"}, nginx serves "
            + (served is null ? "nothing (no answer)" : $"{served.Target ?? "an unnamed upstream"} (status {served.Status})") + "; "
            + string.Join(", ", _work.Slots.Select(s => conditions[s.Name].Describe));
        var target = named is not null && conditions[named.Name].Healthy
            ? named
            : _work.Slots.FirstOrDefault(s => conditions[s.Name].Healthy && s.Name == servedName) ?? _work.Slots.FirstOrDefault(s => conditions[s.Name].Healthy);
        if (target is null)
        {
            throw new FrostException(ErrorIds.ServiceNotReady, FailureKind.OperationFailed,
                $"No slot is healthy, so none can be made to serve: {found}.", _work.Slots[0].Service,
                "Read the slots' logs (docker logs --tail 50 <container>), then Undo-FrostDeployment to a release that worked.");
        }

        var done = new List<string>();
        if (written?.Name != target.Name || servedName != target.Name)
        {
            await _work.Switch.SwitchAsync(Target(target), reporter, cancellationToken).ConfigureAwait(false);
            done.Add($"switched the proxy to slot {target.Name}");
        }

        if (named?.Name != target.Name)
        {
            _work.SetServing(target, _work.TagOf(target) ?? throw new InvalidOperationException($"the .env has no tag for slot {target.Name}"));
            done.Add($"made slot {target.Name} the serving one in the .env");
        }

        var other = Other(target);
        if (conditions[other.Name].Running)
        {
            await _work.DrainAsync(other, _drainTimeout, cancellationToken).ConfigureAwait(false);
            await _work.StopAsync(other, reporter, cancellationToken).ConfigureAwait(false);
            done.Add($"stopped slot {other.Name}");
        }

        if (idleTagsBefore.TryGetValue(other.Name, out var tag) && _work.TagOf(other) != tag)
        {
            _work.SetTag(other, tag);
            done.Add($"put slot {other.Name}'s tag {tag} back");
        }

        return $"Found: {found}. " + (done.Count == 0 ? $"Slot {target.Name} serves; nothing to change." : string.Join("; ", done) + ".");
    }

    public static UpstreamTarget Target(SlotSection slot) => new(slot.Name, [slot.Address]);

    /// <summary>The switch failed: make sure the proxy serves the slot it served (a reload may have happened).</summary>
    private async Task SwitchBackAsync(SlotSection from, Exception failure, IFrostReporter reporter)
    {
        if (failure is FrostException { ErrorId: ErrorIds.ProxyConfigRejected })
        {
            return; // the include was put back and nginx never reloaded
        }

        try
        {
            await _work.Switch.SwitchAsync(Target(from), reporter, CancellationToken.None).ConfigureAwait(false);
        }
        catch (FrostException back)
        {
            throw new FrostException(ErrorIds.RollbackFailed, FailureKind.OperationFailed,
                $"Switching the proxy failed ({failure.Message}) and switching it back to slot {from.Name} failed too: {back.Message}",
                from.Service, $"{back.RecommendedAction} The next Update- or Undo-FrostDeployment makes one healthy slot serve.", new AggregateException(failure, back));
        }
    }

    /// <summary>Before the switch: the new slot is stopped (kept for its log) and its tag put back; when the serving slot is not healthy either, the operator decides.</summary>
    private async Task StandDownAsync(SlotSection from, SlotSection to, string? idleTagBefore, string tag, Exception failure, Func<string> afterMigration, IFrostReporter reporter)
    {
        reporter.Warning($"Slot {to.Name} did not take over ({Describe(failure)}); slot {from.Name} kept serving, no request went to slot {to.Name}.");
        await _work.StopAsync(to, reporter, CancellationToken.None).ConfigureAwait(false);
        if (idleTagBefore is not null && idleTagBefore != tag)
        {
            _work.SetTag(to, idleTagBefore);
        }

        var serving = await _work.ConditionAsync(from, CancellationToken.None).ConfigureAwait(false);
        if (!serving.Healthy)
        {
            throw new FrostException(ErrorIds.SlotsUnhealthyAfterMigration, FailureKind.OperationFailed,
                $"The new release failed in slot {to.Name} ({Describe(failure)}) and {serving.Describe}: it may not run on the schema the new release migrated to. "
                + "FrostGuard does not restore the database by itself: the old release kept writing after the update's backup.",
                from.Service, afterMigration(), failure);
        }
    }

    private static string Describe(Exception failure) => failure switch
    {
        OperationCanceledException => "stopped with Ctrl+C",
        FrostException f => f.Message,
        _ => $"{failure.GetType().Name}: {failure.Message}",
    };
}
