using FrostGuard.Engine.Deployments.Switching;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Tests.Deployments.Switching;

public sealed class SlotDeployerTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly FakeSlots _slots;
    private readonly SlotDeployer _deployer;
    private readonly List<string> _noted = [];

    public SlotDeployerTests()
    {
        _slots = new FakeSlots(_folder.Path);
        _deployer = new SlotDeployer(_slots, TimeSpan.FromSeconds(1));
    }

    public void Dispose() => _folder.Dispose();

    private Task<SlotMove> Deploy(string tag) =>
        _deployer.DeployAsync(tag, TimeSpan.FromSeconds(5), (from, to, idle) => _noted.Add($"{from.Name}->{to.Name} idle was {idle}"), () => "Undo-FrostDeployment -To r1 -RestoreDatabase loses the writes since 10:00",
            NullReporter.Instance, CancellationToken.None);

    [Fact]
    public async Task A_good_release_starts_beside_the_serving_slot_and_takes_over_only_once_healthy()
    {
        var move = await Deploy("next");

        Assert.Equal(["tag green=next", "start green", "wait green", "serving green next", "drain blue", "stop blue"], _slots.Calls);
        Assert.Equal("green", _slots.Proxy.Serving);
        Assert.Equal(["test", "reload"], _slots.Proxy.Calls);
        Assert.Equal(("blue", "green"), (move.From.Name, move.To.Name));
        Assert.Equal(["blue->green idle was current"], _noted);
        Assert.False(_slots.Running["blue"]);
        Assert.True(_slots.Exists["blue"]); // kept for a fast undo
    }

    [Fact]
    public async Task A_release_that_never_turns_healthy_never_takes_a_request()
    {
        var error = await Assert.ThrowsAsync<FrostException>(() => Deploy("broken"));

        Assert.Equal(ErrorIds.ServiceNotReady, error.ErrorId);
        Assert.Empty(_slots.Proxy.Calls); // no test, no reload: the proxy was never touched
        Assert.Equal("blue", _slots.Proxy.Serving);
        Assert.Equal("blue", _slots.ServingName);
        Assert.Equal("current", _slots.Tags["green"]); // its tag put back
        Assert.Contains("stop green", _slots.Calls);
        Assert.DoesNotContain("stop blue", _slots.Calls);
    }

    [Fact]
    public async Task Ctrl_C_while_the_new_slot_starts_leaves_the_serving_slot_serving()
    {
        _slots.StartFailure = new OperationCanceledException();

        await Assert.ThrowsAsync<OperationCanceledException>(() => Deploy("next"));

        Assert.Equal("blue", _slots.Proxy.Serving);
        Assert.Equal("current", _slots.Tags["green"]);
        Assert.True(_slots.Running["blue"]);
    }

    [Fact]
    public async Task When_the_old_slot_fails_too_after_the_migration_the_operator_gets_the_restore_command_and_nothing_is_restored()
    {
        _slots.Healthy["blue"] = false; // the old release does not run on the new schema

        var error = await Assert.ThrowsAsync<FrostException>(() => Deploy("broken"));

        Assert.Equal(ErrorIds.SlotsUnhealthyAfterMigration, error.ErrorId);
        Assert.Contains("does not restore the database", error.Message);
        Assert.Contains("Undo-FrostDeployment -To r1 -RestoreDatabase", error.RecommendedAction);
        Assert.Empty(_slots.Proxy.Calls);
    }

    [Fact]
    public async Task A_healthy_new_slot_takes_over_even_when_the_old_one_turned_unhealthy()
    {
        _slots.Healthy["blue"] = false;

        await Deploy("next");

        Assert.Equal("green", _slots.Proxy.Serving);
        Assert.Equal("green", _slots.ServingName);
    }

    [Fact]
    public async Task An_include_the_proxy_refuses_switches_nothing_and_stands_the_new_slot_down()
    {
        _slots.Proxy.TestPasses = false;

        var error = await Assert.ThrowsAsync<FrostException>(() => Deploy("next"));

        Assert.Equal(ErrorIds.ProxyConfigRejected, error.ErrorId);
        Assert.Equal(0, _slots.Proxy.Reloads);
        Assert.Equal("blue", _slots.Switch.Written()!.Name);
        Assert.Equal("blue", _slots.ServingName);
        Assert.False(_slots.Running["green"]);
        Assert.True(_slots.Running["blue"]);
    }

    [Fact]
    public async Task A_reload_that_does_not_take_is_switched_back_and_the_new_slot_stood_down()
    {
        _slots.Proxy.ReloadTakes = false;

        await Assert.ThrowsAsync<FrostException>(() => Deploy("next"));

        Assert.Equal("blue", _slots.Switch.Written()!.Name);
        Assert.Equal("blue", _slots.ServingName);
        Assert.False(_slots.Running["green"]);
    }

    [Fact]
    public async Task Reconcile_after_a_crash_between_the_include_and_the_env_goes_back_to_the_slot_the_env_names()
    {
        await Deploy("next");
        // As update.switched leaves it, seen from the other side: the .env names blue, nginx serves green, both run.
        _slots.ServingName = "blue";
        _slots.Running["blue"] = _slots.Healthy["blue"] = true;
        _slots.Calls.Clear();

        var said = await _deployer.ReconcileAsync(new Dictionary<string, string> { ["green"] = "current" }, NullReporter.Instance, CancellationToken.None);

        Assert.Equal("blue", _slots.Proxy.Serving);
        Assert.Equal("blue", _slots.Switch.Written()!.Name);
        Assert.False(_slots.Running["green"]);
        Assert.Equal("current", _slots.Tags["green"]);
        Assert.Contains("the .env names slot blue", said);
        Assert.Contains("nginx serves green", said);
        Assert.Contains("switched the proxy to slot blue", said);
        Assert.Contains("stopped slot green", said);
    }

    [Fact]
    public async Task Reconcile_keeps_the_healthy_slot_when_the_one_the_env_names_is_not()
    {
        await Deploy("next");
        _slots.ServingName = "blue"; // .env says blue, but blue is stopped
        _slots.Calls.Clear();

        var said = await _deployer.ReconcileAsync(new Dictionary<string, string>(), NullReporter.Instance, CancellationToken.None);

        Assert.Equal("green", _slots.ServingName);
        Assert.Equal("green", _slots.Proxy.Serving);
        Assert.Equal(0, _slots.Proxy.Calls.Count(c => c == "reload") - 1); // no second reload: the proxy already served green
        Assert.Contains("made slot green the serving one", said);
    }

    [Fact]
    public async Task Reconcile_with_nothing_to_do_says_so_and_changes_nothing()
    {
        var said = await _deployer.ReconcileAsync(new Dictionary<string, string>(), NullReporter.Instance, CancellationToken.None);

        Assert.Contains("nothing to change", said);
        Assert.Empty(_slots.Calls);
        Assert.Empty(_slots.Proxy.Calls);
    }

    [Fact]
    public async Task Reconcile_with_no_healthy_slot_changes_nothing_and_says_what_it_found()
    {
        _slots.Healthy["blue"] = false;

        var error = await Assert.ThrowsAsync<FrostException>(() => _deployer.ReconcileAsync(new Dictionary<string, string>(), NullReporter.Instance, CancellationToken.None));

        Assert.Contains("No slot is healthy", error.Message);
        Assert.Empty(_slots.Proxy.Calls);
    }

    [Fact]
    public async Task A_drain_that_times_out_still_stops_the_old_slot()
    {
        _slots.ConnectionsLeft = 3;

        var move = await Deploy("next");

        Assert.Equal(3, move.ConnectionsLeft);
        Assert.False(_slots.Running["blue"]);
    }
}
