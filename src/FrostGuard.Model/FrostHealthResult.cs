namespace FrostGuard;

/// <summary>One health check's verdict on one target, with the value it saw and the line it was judged by.</summary>
public sealed class FrostHealthResult
{
    /// <summary>Containers, Database, Disk, Memory, Cpu, Http, ErrorRate, ResponseTime, Certificate.</summary>
    /// <summary>The fleet host this came from (-Target); empty on the host itself.</summary>
    public string? Host { get; init; }
    public required string Check { get; init; }
    public required string Target { get; init; }
    public HealthStatus Status { get; init; }
    public double? Observed { get; init; }
    /// <summary>The unit of <see cref="Observed"/>: %, ms, s, days, bytes, count.</summary>
    public string? Unit { get; init; }
    /// <summary>The thresholds the value was judged by, e.g. "Warning > 70% sustained 5m; Critical > 90%", or why there were none.</summary>
    public required string Threshold { get; init; }
    public required string Message { get; init; }
    public TimeSpan Duration { get; init; }
    public DateTimeOffset Timestamp { get; init; }

    public override string ToString() => $"{Check} {Target}: {Status} — {Message}";
}
