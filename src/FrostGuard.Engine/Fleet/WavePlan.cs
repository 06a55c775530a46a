using System.Globalization;

namespace FrostGuard.Engine.Fleet;

/// <summary>
/// Which hosts go in which wave (-Wave 1, 25%, 100%): a number is that many hosts, a percentage
/// is that share of all targeted hosts, rounded up, at least one; each wave takes the next hosts
/// in inventory order, and the last size repeats until every host has a wave (as Ansible's
/// serial does). No -Wave: one wave of all hosts.
/// </summary>
public static class WavePlan
{
    public static IReadOnlyList<IReadOnlyList<T>> Split<T>(IReadOnlyList<T> hosts, IReadOnlyList<string>? sizes)
    {
        var counts = (sizes is null || sizes.Count == 0 ? ["100%"] : sizes).Select(s => SizeOf(s, hosts.Count)).ToList();
        var waves = new List<IReadOnlyList<T>>();
        var next = 0;
        var index = 0;
        while (next < hosts.Count)
        {
            var count = counts[Math.Min(index++, counts.Count - 1)];
            var wave = hosts.Skip(next).Take(count).ToList();
            waves.Add(wave);
            next += wave.Count;
        }

        return waves;
    }

    /// <summary>How many hosts a size names out of <paramref name="total"/>: at least one.</summary>
    public static int SizeOf(string size, int total)
    {
        var text = size.Trim();
        if (text.EndsWith('%'))
        {
            if (!double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var percent) || !double.IsFinite(percent) || percent is <= 0 or > 100)
            {
                throw Invalid(size, "a percentage above 0% and at most 100%");
            }

            return Math.Max(1, (int)Math.Ceiling(total * percent / 100 - 1e-9));
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 1)
        {
            throw Invalid(size, "a number of hosts (1 or more) or a percentage (25%)");
        }

        return count;
    }

    private static FrostException Invalid(string size, string expected) =>
        new(ErrorIds.FleetWaveInvalid, FailureKind.InvalidData, $"The wave size '{size}' is not {expected}.", size,
            "Write -Wave as numbers and percentages of the targeted hosts, e.g. -Wave 1, 25%, 100%.");
}
