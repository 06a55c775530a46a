using System.Globalization;
using System.Text.RegularExpressions;

namespace FrostGuard.Engine.Services;

/// <summary>Durations as operators write them: 90s, 15m, 1h, 2d, 1h30m (also plain TimeSpan text).</summary>
public static partial class DurationText
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim();
        var match = Pattern().Match(trimmed);
        if (match.Success && match.Groups["part"].Captures.Count > 0)
        {
            for (var i = 0; i < match.Groups["number"].Captures.Count; i++)
            {
                var number = double.Parse(match.Groups["number"].Captures[i].Value, CultureInfo.InvariantCulture);
                duration += match.Groups["unit"].Captures[i].Value.ToLowerInvariant() switch
                {
                    "ms" => TimeSpan.FromMilliseconds(number),
                    "s" => TimeSpan.FromSeconds(number),
                    "m" or "min" => TimeSpan.FromMinutes(number),
                    "h" => TimeSpan.FromHours(number),
                    _ => TimeSpan.FromDays(number),
                };
            }

            return true;
        }

        return TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out duration);
    }

    [GeneratedRegex(@"^(?<part>(?<number>\d+(?:\.\d+)?)\s*(?<unit>ms|min|s|m|h|d)\s*)+$", RegexOptions.IgnoreCase)]
    private static partial Regex Pattern();
}
