namespace FrostGuard.Sandbox.Backend;

/// <summary>
/// Injected faults for the API routes (never /health or /metrics), so health thresholds can be
/// tested against real traffic: a share of requests answered 500, and added latency.
/// </summary>
public sealed class ChaosSwitch
{
    private volatile ChaosSettings _settings = new(0, 0);

    public ChaosSettings Settings
    {
        get => _settings;
        set => _settings = value.ErrorRate is < 0 or > 1 || value.LatencyMs < 0
            ? throw new ArgumentOutOfRangeException(nameof(value), "errorRate must be 0..1 and latencyMs >= 0")
            : value;
    }

    public bool ShouldFail() => _settings.ErrorRate > 0 && Random.Shared.NextDouble() < _settings.ErrorRate;
}

public sealed record ChaosSettings(double ErrorRate, int LatencyMs);
