using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Health;

/// <summary>
/// Runs health checks concurrently (up to a throttle), each under its own timeout, and hands
/// each check's results out as soon as that check is done. A check that throws or runs out of
/// time yields an Unknown result for itself; it never hides the others. Time is the context's
/// clock (<see cref="HealthContext.Clock"/>), so a test can run it on a fake one.
/// </summary>
public sealed class HealthRunner
{
    private const int ProgressId = 4400;

    private readonly IReadOnlyList<IHealthCheck> _checks;

    public HealthRunner(IReadOnlyList<IHealthCheck> checks) => _checks = checks;

    public async Task<IReadOnlyList<FrostHealthResult>> RunAsync(HealthContext context, TimeSpan timeoutPerCheck, int throttle,
        Action<FrostHealthResult> write, CancellationToken cancellationToken)
    {
        using var gate = new SemaphoreSlim(Math.Max(1, throttle));
        var all = new List<FrostHealthResult>();
        var done = 0;
        var reporter = context.Reporter;
        reporter.Progress(new ProgressUpdate(ProgressId, "Test-FrostHealth", $"0 of {_checks.Count} checks done", 0));
        try
        {
            var running = _checks.Select(async check =>
            {
                await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                IReadOnlyList<FrostHealthResult> results;
                try
                {
                    results = await RunOneAsync(check, context, timeoutPerCheck, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    gate.Release();
                }

                lock (all)
                {
                    all.AddRange(results);
                    done++;
                    reporter.Progress(new ProgressUpdate(ProgressId, "Test-FrostHealth", $"{done} of {_checks.Count} checks done ({check.Name})", done * 100 / _checks.Count));
                    foreach (var result in results)
                    {
                        write(result);
                    }
                }
            }).ToList();
            await Task.WhenAll(running).ConfigureAwait(false);
        }
        finally
        {
            reporter.Progress(new ProgressUpdate(ProgressId, "Test-FrostHealth", "done", 100, Completed: true));
        }

        return all;
    }

    private static async Task<IReadOnlyList<FrostHealthResult>> RunOneAsync(IHealthCheck check, HealthContext context, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = context.Clock.GetTimestamp();
        // The timeout runs on the run's clock, as the results' durations and timestamps do.
        using var expiry = new CancellationTokenSource(timeout, context.Clock);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, expiry.Token);
        try
        {
            // Task.Run: a check that blocks before its first await must not hold up the others.
            var results = await Task.Run(() => check.RunAsync(context, limit.Token), limit.Token).WaitAsync(limit.Token).ConfigureAwait(false);
            context.Reporter.Verbose($"{check.Name}: {results.Count} result(s) in {context.Clock.GetElapsedTime(started).TotalMilliseconds:F0} ms.");
            return results;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return [context.Result(check.Name, "*", HealthStatus.Unknown,
                $"{check.Name} did not finish within {timeout.TotalSeconds:0.#} s; nothing could be judged (raise -TimeoutSeconds, or run Test-FrostHealth -Check {check.Name} -Verbose).",
                "n/a", duration: context.Clock.GetElapsedTime(started))];
        }
        catch (FrostException e)
        {
            return [context.Result(check.Name, e.Target?.ToString() ?? "*", HealthStatus.Unknown,
                $"{check.Name} could not look: {e.Message} {e.RecommendedAction}", "n/a", duration: context.Clock.GetElapsedTime(started))];
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A defect in a check must not hide the other checks; it is reported, not swallowed.
            context.Reporter.Warning($"{check.Name} failed unexpectedly: {e}");
            return [context.Result(check.Name, "*", HealthStatus.Unknown,
                $"{check.Name} failed unexpectedly ({e.GetType().Name}: {e.Message}); see the warning for the stack trace.", "n/a",
                duration: context.Clock.GetElapsedTime(started))];
        }
    }
}
