using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Health;
using Microsoft.Extensions.Time.Testing;

namespace FrostGuard.Engine.Tests.HealthChecks;

/// <summary>
/// Test-FrostHealth's runner with checks faked (<see cref="IHealthCheck"/>) and its clock fake
/// (<see cref="FakeTimeProvider"/>): which checks run, how many at once, in which order their
/// results come out, and what a check that throws or hangs becomes. The checks themselves have
/// their own tests, and run against the sandbox in Health.Tests.ps1.
/// </summary>
public sealed class HealthRunnerTests : IDisposable
{
    /// <summary>How long a test waits for what should happen at once before it fails instead of hanging.</summary>
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private readonly TempFolder _folder = new();
    private readonly RecordingReporter _reporter = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(new string[0], new[] { "Containers", "Database", "Disk", "Memory", "Cpu", "Http", "ApiMetrics", "Certificate", "BackupFreshness", "WalArchive" })]
    [InlineData(new[] { "disk", "Http" }, new[] { "Disk", "Http" })]
    [InlineData(new[] { "ErrorRate" }, new[] { "ApiMetrics" })] // a result name selects the check that produces it
    public void The_checks_asked_for_by_name_are_the_ones_that_run(string[] asked, string[] run)
    {
        Assert.Equal(run, Engine.Health.HealthChecks.Select(asked).Select(c => c.Name));
    }

    [Fact]
    public async Task Every_check_runs_and_every_result_it_returns_comes_out()
    {
        var results = await Run([Check("A"), Check("B", results: 2), Check("C")]);

        Assert.Equal(["A", "B", "B", "C"], results.Select(r => r.Check).Order(StringComparer.Ordinal));
        Assert.All(results, r => Assert.Equal(HealthStatus.Ok, r.Status));
    }

    [Fact]
    public async Task Results_come_out_as_each_check_finishes_not_in_the_order_given()
    {
        var slowMayFinish = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var written = new List<string>();

        var results = await Run(
            [Check("Slow", waitFor: slowMayFinish.Task), Check("Fast")],
            write: r =>
            {
                written.Add(r.Check);
                if (r.Check == "Fast")
                {
                    slowMayFinish.SetResult();
                }
            });

        Assert.Equal(["Fast", "Slow"], written);
        Assert.Equal(["Fast", "Slow"], results.Select(r => r.Check));
    }

    [Fact]
    public async Task No_more_checks_run_at_once_than_the_throttle_allows()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var twoStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int running = 0, most = 0, started = 0;
        IHealthCheck Counted(string name) => new FakeCheck(name, async (context, ct) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            if (Interlocked.Increment(ref started) == 2)
            {
                twoStarted.SetResult();
            }

            await release.Task.WaitAsync(ct);
            Interlocked.Decrement(ref running);
            return [Ok(context, name)];
        });

        var run = Runner([Counted("A"), Counted("B"), Counted("C"), Counted("D"), Counted("E")]).RunAsync(Context(), TimeSpan.FromMinutes(1), 2, _ => { }, CancellationToken.None);
        await twoStarted.Task.WaitAsync(Guard);
        await Task.Delay(200); // time enough for a third to start, were the throttle not held
        Assert.Equal(2, Volatile.Read(ref started));
        release.SetResult();
        var results = await run.WaitAsync(Guard);

        Assert.Equal(5, results.Count);
        Assert.Equal(2, most);
    }

    [Fact]
    public async Task A_check_that_throws_becomes_an_unknown_result_naming_it_and_the_others_still_report()
    {
        var results = await Run([Check("Fine"), new FakeCheck("Broken", (_, _) => throw new InvalidOperationException("index out of range"))]);

        var broken = Assert.Single(results, r => r.Check == "Broken");
        Assert.Equal(HealthStatus.Unknown, broken.Status);
        Assert.Contains("Broken failed unexpectedly (InvalidOperationException: index out of range)", broken.Message);
        Assert.Equal(HealthStatus.Ok, Assert.Single(results, r => r.Check == "Fine").Status);
        Assert.Contains(_reporter.Warnings, w => w.StartsWith("Broken failed unexpectedly", StringComparison.Ordinal)); // with its stack trace
    }

    [Fact]
    public async Task A_check_that_cannot_look_says_why_against_the_target_it_could_not_reach()
    {
        var results = await Run([new FakeCheck("Database", (_, _) => throw new FrostException(ErrorIds.DatabaseUnreachable, FailureKind.ConnectionFailed,
            "connection refused", "postgres", "Start the database service."))]);

        var result = Assert.Single(results);
        Assert.Equal(HealthStatus.Unknown, result.Status);
        Assert.Equal("postgres", result.Target);
        Assert.Equal("Database could not look: connection refused Start the database service.", result.Message);
    }

    [Fact]
    public async Task A_check_that_outlives_its_timeout_on_the_run_clock_becomes_unknown_and_the_others_still_report()
    {
        var hung = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var fastDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var timeout = TimeSpan.FromMinutes(10);

        var run = Runner([new FakeCheck("Fast", (context, _) =>
        {
            fastDone.SetResult();
            return Task.FromResult<IReadOnlyList<FrostHealthResult>>([Ok(context, "Fast")]);
        }), new FakeCheck("Stuck", async (_, ct) =>
        {
            hung.SetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return [];
        })]).RunAsync(Context(), timeout, 8, _ => { }, CancellationToken.None);
        // The clock moves only once the fast check has answered: its own timeout would fire too.
        await Task.WhenAll(hung.Task, fastDone.Task).WaitAsync(Guard);
        _clock.Advance(timeout);
        var results = await run.WaitAsync(Guard);

        var stuck = Assert.Single(results, r => r.Check == "Stuck");
        Assert.Equal(HealthStatus.Unknown, stuck.Status);
        Assert.Contains("Stuck did not finish within 600 s", stuck.Message);
        Assert.Equal(timeout, stuck.Duration);
        Assert.Equal(_clock.GetUtcNow(), stuck.Timestamp);
        Assert.Equal(HealthStatus.Ok, Assert.Single(results, r => r.Check == "Fast").Status);
    }

    [Fact]
    public async Task A_check_that_blocks_before_its_first_await_does_not_hold_up_the_others()
    {
        using var unblock = new ManualResetEventSlim();
        var fastWritten = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var blocking = new FakeCheck("Blocking", (context, _) =>
        {
            unblock.Wait(Guard);
            return Task.FromResult<IReadOnlyList<FrostHealthResult>>([Ok(context, "Blocking")]);
        });

        var run = Runner([blocking, Check("Fast")]).RunAsync(Context(), TimeSpan.FromMinutes(1), 8, r =>
        {
            if (r.Check == "Fast")
            {
                fastWritten.SetResult();
            }
        }, CancellationToken.None);
        await fastWritten.Task.WaitAsync(Guard);
        unblock.Set();

        Assert.Equal(["Fast", "Blocking"], (await run.WaitAsync(Guard)).Select(r => r.Check));
    }

    [Fact]
    public async Task A_cancelled_run_stops_instead_of_reporting_every_check_unknown_and_closes_its_progress()
    {
        using var cancel = new CancellationTokenSource();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var written = 0;

        var run = Runner([new FakeCheck("Waiting", async (_, ct) =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return [];
        })]).RunAsync(Context(), TimeSpan.FromMinutes(1), 8, _ => written++, cancel.Token);
        await started.Task.WaitAsync(Guard);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(Guard));
        Assert.Equal(0, written);
        Assert.True(_reporter.ProgressUpdates[^1].Completed);
    }

    [Fact]
    public async Task Progress_counts_the_checks_done_and_is_closed_at_the_end()
    {
        await Run([Check("A"), Check("B")]);

        Assert.Equal("0 of 2 checks done", _reporter.ProgressUpdates[0].Status);
        Assert.Contains(_reporter.ProgressUpdates, p => p.Status.StartsWith("2 of 2 checks done", StringComparison.Ordinal) && p.PercentComplete == 100);
        Assert.True(_reporter.ProgressUpdates[^1].Completed);
    }

    private async Task<IReadOnlyList<FrostHealthResult>> Run(IReadOnlyList<IHealthCheck> checks, Action<FrostHealthResult>? write = null) =>
        await Runner(checks).RunAsync(Context(), TimeSpan.FromMinutes(1), 8, write ?? (_ => { }), CancellationToken.None).WaitAsync(Guard);

    private static HealthRunner Runner(IReadOnlyList<IHealthCheck> checks) => new(checks);

    private HealthContext Context()
    {
        var config = new FrostConfig
        {
            Project = new ProjectSection { Name = "unit", Directory = _folder.Path },
            Database = new DatabaseSection { Name = "app", User = "app", Password = new PasswordSource { EnvFileKey = "K" } },
        };
        return new HealthContext(config, new ThresholdSet([]), _folder.Path, _reporter, _clock);
    }

    private static FakeCheck Check(string name, int results = 1, Task? waitFor = null) => new(name, async (context, ct) =>
    {
        if (waitFor is not null)
        {
            await waitFor.WaitAsync(ct);
        }

        return Enumerable.Range(0, results).Select(_ => Ok(context, name)).ToList();
    });

    private static FrostHealthResult Ok(HealthContext context, string name) => context.Result(name, "*", HealthStatus.Ok, $"{name} is fine", "n/a");

    private static void InterlockedMax(ref int target, int value)
    {
        for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, seen) == seen)
            {
                return;
            }
        }
    }

    private sealed class FakeCheck(string name, Func<HealthContext, CancellationToken, Task<IReadOnlyList<FrostHealthResult>>> run) : IHealthCheck
    {
        public string Name => name;
        public IReadOnlyList<string> Produces => [name];
        public Task<IReadOnlyList<FrostHealthResult>> RunAsync(HealthContext context, CancellationToken cancellationToken) => run(context, cancellationToken);
    }
}
