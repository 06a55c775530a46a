using System.Globalization;

namespace FrostGuard.Engine.Backups;

/// <summary>A backup as retention sees it (only backups with a manifest are ever candidates).</summary>
public sealed record RetentionCandidate(string Id, DateTimeOffset Created, bool Verified);

/// <summary>One retention decision: keep (and why) or remove.</summary>
public sealed record RetentionDecision(RetentionCandidate Backup, bool Keep, IReadOnlyList<string> Reasons);

/// <summary>
/// Grandfather-father-son retention: the newest backup of each of the last <c>daily</c> days,
/// ISO weeks and months that have a backup (UTC), like restic's --keep-daily/weekly/monthly;
/// the newest verified backup is always kept, whatever the numbers say.
/// </summary>
public static class RetentionPolicy
{
    public static IReadOnlyList<RetentionDecision> Decide(IEnumerable<RetentionCandidate> backups, int daily, int weekly, int monthly)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(daily);
        ArgumentOutOfRangeException.ThrowIfNegative(weekly);
        ArgumentOutOfRangeException.ThrowIfNegative(monthly);
        var newestFirst = backups.OrderByDescending(b => b.Created).ThenByDescending(b => b.Id, StringComparer.Ordinal).ToList();
        var reasons = newestFirst.ToDictionary(b => b.Id, _ => new List<string>(), StringComparer.Ordinal);

        Mark(newestFirst, reasons, daily, "daily", b => b.Created.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Mark(newestFirst, reasons, weekly, "weekly", b =>
        {
            var day = b.Created.UtcDateTime;
            return $"{ISOWeek.GetYear(day):D4}-W{ISOWeek.GetWeekOfYear(day):D2}";
        });
        Mark(newestFirst, reasons, monthly, "monthly", b => b.Created.UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture));
        if (newestFirst.FirstOrDefault(b => b.Verified) is { } newestVerified)
        {
            reasons[newestVerified.Id].Add("newest verified");
        }

        return newestFirst.Select(b => new RetentionDecision(b, reasons[b.Id].Count > 0, reasons[b.Id])).ToList();
    }

    /// <summary>Walks newest first; the first backup seen in each new period is that period's keeper, until <paramref name="count"/> periods.</summary>
    private static void Mark(List<RetentionCandidate> newestFirst, Dictionary<string, List<string>> reasons, int count, string name, Func<RetentionCandidate, string> period)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var backup in newestFirst)
        {
            if (seen.Count >= count)
            {
                return;
            }

            var key = period(backup);
            if (seen.Add(key))
            {
                reasons[backup.Id].Add($"{name} {key}");
            }
        }
    }
}
