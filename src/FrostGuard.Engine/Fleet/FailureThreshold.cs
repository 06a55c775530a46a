using System.Globalization;

namespace FrostGuard.Engine.Fleet;

/// <summary>
/// -MaxFailure: the share of a wave's hosts that may fail (failed, unhealthy or unreachable)
/// before the run stops after that wave. The share must be exceeded, not equalled, to stop:
/// 10% of a wave of 10 tolerates one failure and stops at two; 0% stops at the first failure;
/// 100% never stops.
/// </summary>
public sealed record FailureThreshold(double Percent)
{
    public static readonly FailureThreshold None = new(0);

    public static FailureThreshold Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return None;
        }

        var trimmed = text.Trim().TrimEnd('%');
        if (!double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var percent) || !double.IsFinite(percent) || percent is < 0 or > 100)
        {
            throw new FrostException(ErrorIds.FleetWaveInvalid, FailureKind.InvalidData,
                $"-MaxFailure '{text}' is not a percentage from 0% to 100%.", text, "Write it like -MaxFailure 10% (0% stops at the first failure).");
        }

        return new FailureThreshold(percent);
    }

    /// <summary>True when the wave's failures exceed the threshold: the run stops after this wave.</summary>
    public bool IsExceeded(int failed, int unreachable, int waveSize) =>
        waveSize > 0 && (failed + unreachable) * 100.0 / waveSize > Percent + 1e-9;

    public override string ToString() => Percent.ToString("0.##", CultureInfo.InvariantCulture) + "%";
}
