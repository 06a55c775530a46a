namespace FrostGuard;

/// <summary>How an observed value is compared with a threshold's value.</summary>
public enum ThresholdComparison
{
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
}

/// <summary>
/// One line of the monitoring table: for <see cref="Metric"/>, the <see cref="Level"/> reached when
/// the observed value compares to <see cref="Value"/> (in <see cref="Unit"/>), optionally only when
/// it does so for the whole <see cref="Sustained"/> window.
/// </summary>
public sealed class FrostThreshold
{
    /// <summary>The metric as the manual names it ("CPU Usage").</summary>
    public required string Metric { get; init; }
    /// <summary>The canonical key checks look it up by (cpu, memory, disk, error-rate, response-time-p95, ...).</summary>
    public required string Key { get; init; }
    /// <summary>Warning or Critical.</summary>
    public HealthStatus Level { get; init; }
    public ThresholdComparison Comparison { get; init; }
    public double Value { get; init; }
    /// <summary>%, ms, s, days.</summary>
    public required string Unit { get; init; }
    public TimeSpan? Sustained { get; init; }
    /// <summary>file:line of the table row, or "built-in".</summary>
    public required string Source { get; init; }

    public bool IsCrossedBy(double observed) => Comparison switch
    {
        ThresholdComparison.GreaterThan => observed > Value,
        ThresholdComparison.GreaterThanOrEqual => observed >= Value,
        ThresholdComparison.LessThan => observed < Value,
        _ => observed <= Value,
    };

    public string Symbol => Comparison switch
    {
        ThresholdComparison.GreaterThan => ">",
        ThresholdComparison.GreaterThanOrEqual => ">=",
        ThresholdComparison.LessThan => "<",
        _ => "<=",
    };

    public override string ToString() =>
        $"{Level} {Symbol} {Value.ToString(System.Globalization.CultureInfo.InvariantCulture)}{(Unit == "%" ? "%" : " " + Unit)}"
        + (Sustained is { } window ? $" sustained {FormatWindow(window)}" : "");

    private static string FormatWindow(TimeSpan window) =>
        window.TotalHours >= 1 && window.TotalHours == Math.Floor(window.TotalHours) ? $"{window.TotalHours:0}h"
        : window.TotalMinutes >= 1 && window.TotalMinutes == Math.Floor(window.TotalMinutes) ? $"{window.TotalMinutes:0}m"
        : $"{window.TotalSeconds:0}s";
}
