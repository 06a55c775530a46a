using System.Globalization;

namespace FrostGuard.Engine.Health;

/// <summary>The thresholds a health run judges by, looked up per metric key.</summary>
public sealed class ThresholdSet
{
    private readonly IReadOnlyList<FrostThreshold> _all;

    public ThresholdSet(IReadOnlyList<FrostThreshold> thresholds) => _all = thresholds;

    public IReadOnlyList<FrostThreshold> All => _all;

    public IReadOnlyList<FrostThreshold> For(string key) => _all.Where(t => t.Key == key).ToList();

    /// <summary>"Warning > 70% sustained 5m; Critical > 90%", or a reason there is none.</summary>
    public string Describe(string key)
    {
        var lines = For(key);
        return lines.Count == 0 ? "none configured" : string.Join("; ", lines.OrderBy(t => t.Level).Select(t => t.ToString()));
    }

    /// <summary>
    /// The worst level the value reaches. A sustained line counts only when <paramref name="sustainedHeld"/>
    /// says the value stayed across it for the window; otherwise the result notes it.
    /// </summary>
    public Verdict Judge(string key, double observed, Func<FrostThreshold, bool>? sustainedHeld = null)
    {
        var lines = For(key);
        if (lines.Count == 0)
        {
            return new Verdict(HealthStatus.Unknown, $"no threshold for {key} (add a row to the manual's monitoring table)");
        }

        string? note = null;
        foreach (var line in lines.OrderByDescending(t => t.Level))
        {
            if (!line.IsCrossedBy(observed))
            {
                continue;
            }

            if (line.Sustained is { } window && !(sustainedHeld?.Invoke(line) ?? false))
            {
                note = $"{line.Symbol} {line.Value.ToString(CultureInfo.InvariantCulture)}{line.Unit} now, but not yet sustained for {window.TotalMinutes:0.#} min";
                continue;
            }

            return new Verdict(line.Level, null, line);
        }

        return new Verdict(HealthStatus.Ok, note);
    }
}

public sealed record Verdict(HealthStatus Status, string? Note, FrostThreshold? Crossed = null);
