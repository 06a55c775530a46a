using System.Diagnostics;
using System.Net;
using FrostGuard.Engine.Health;

namespace FrostGuard.Engine.Deployments;

/// <summary>
/// Asks the deployment's health URL (through the TLS proxy, as users reach it) every 200 ms
/// while an update runs, so downtime is measured, not estimated: the time between a failed
/// answer and the next good one is counted as down.
/// </summary>
public sealed class AvailabilityProbe : IAvailability
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(2);

    private readonly List<(long Time, bool Up)> _samples = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly HttpClient? _client;
    private readonly HttpClientHandler? _handler;

    public AvailabilityProbe(Configuration.FrostConfig config)
    {
        Url = config.Health.HealthUrl;
        if (Url is null)
        {
            _loop = Task.CompletedTask;
            return;
        }

        var trust = new TlsTrust(config.Tls);
        _handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, errors) => trust.Validate(certificate, errors),
            AllowAutoRedirect = false,
        };
        _client = new HttpClient(_handler) { Timeout = RequestTimeout };
        _loop = Task.Run(() => LoopAsync(_stop.Token));
    }

    /// <summary>The URL asked; null when the configuration has no health.healthUrl (nothing is measured).</summary>
    public string? Url { get; }

    public bool Measures => Url is not null;

    /// <summary>Whether the latest answer was a 200 (false before the first answer).</summary>
    public bool IsUp
    {
        get
        {
            lock (_samples)
            {
                return _samples.Count > 0 && _samples[^1].Up;
            }
        }
    }

    /// <summary>Down time from <paramref name="since"/> (a Stopwatch timestamp) until now.</summary>
    public TimeSpan Downtime(long since = 0)
    {
        lock (_samples)
        {
            return DowntimeOf(_samples, since, Stopwatch.GetTimestamp());
        }
    }

    /// <summary>From <paramref name="since"/> to the first good answer after it; null when none came yet.</summary>
    public TimeSpan? UntilUp(long since)
    {
        lock (_samples)
        {
            foreach (var (time, up) in _samples)
            {
                if (time >= since && up)
                {
                    return Stopwatch.GetElapsedTime(since, time);
                }
            }
        }

        return null;
    }

    /// <summary>Waits for a good answer that came after <paramref name="since"/>, up to the timeout; false if none did.</summary>
    public async Task<bool> WaitUpAsync(long since, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!Measures)
        {
            return true;
        }

        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (UntilUp(since) is null)
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                return false;
            }

            await Task.Delay(Interval / 2, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>Sum of the intervals that start with a failed answer, within [since, now].</summary>
    public static TimeSpan DowntimeOf(IReadOnlyList<(long Time, bool Up)> samples, long since, long now)
    {
        long down = 0;
        for (var i = 0; i < samples.Count; i++)
        {
            if (samples[i].Up)
            {
                continue;
            }

            var start = Math.Max(samples[i].Time, since);
            var end = i + 1 < samples.Count ? samples[i + 1].Time : now;
            if (end > start)
            {
                down += end - start;
            }
        }

        return TimeSpan.FromSeconds(down / (double)Stopwatch.Frequency);
    }

    private async Task LoopAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            bool up;
            try
            {
                using var response = await _client!.GetAsync(Url, HttpCompletionOption.ResponseHeadersRead, stop).ConfigureAwait(false);
                up = response.StatusCode == HttpStatusCode.OK;
            }
            catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !stop.IsCancellationRequested))
            {
                up = false; // no answer is the very thing measured
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }

            lock (_samples)
            {
                _samples.Add((Stopwatch.GetTimestamp(), up));
            }
        }
        while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false));
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // the loop ends by cancellation
        }

        _client?.Dispose();
        _handler?.Dispose();
        _stop.Dispose();
    }
}
