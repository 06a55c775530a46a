using System.Globalization;

namespace FrostGuard.Engine.Backups;

/// <summary>
/// A backup as retention sees it (only backups with a valid manifest are ever candidates). A
/// pinned backup is kept whatever the counts say, for the reason given.
/// </summary>
public sealed record RetentionCandidate(string Id, DateTimeOffset Created, bool Verified, string Database)
{
    public string? PinnedBecause { get; init; }
}

/// <summary>One retention decision: keep (and why) or remove.</summary>
public sealed record RetentionDecision(RetentionCandidate Backup, bool Keep, IReadOnlyList<string> Reasons);

/// <summary>
/// Grandfather-father-son retention: the newest backup of each of the last <c>daily</c> days,
/// ISO weeks and months that have a backup (UTC), like restic's --keep-daily/weekly/monthly,
/// applied to each database on its own: the backups of one database never push out another's.
/// The newest verified backup of each database is always kept, whatever the numbers say, and
/// counts that are all zero are refused (they would keep only that one, which is never what a
/// schedule means).
/// </summary>
public static class RetentionPolicy
{
    public static IReadOnlyList<RetentionDecision> Decide(IEnumerable<RetentionCandidate> backups, int daily, int weekly, int monthly)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(daily);
        ArgumentOutOfRangeException.ThrowIfNegative(weekly);
        ArgumentOutOfRangeException.ThrowIfNegative(monthly);
        if (daily + weekly + monthly == 0)
        {
            throw new ArgumentException("Every keep count is zero: at least one of daily, weekly and monthly must keep a backup.");
        }

        var newestFirst = backups.OrderByDescending(b => b.Created).ThenByDescending(b => b.Id, StringComparer.Ordinal).ToList();
        var reasons = new Dictionary<RetentionCandidate, List<string>>(ReferenceEqualityComparer.Instance);
        newestFirst.ForEach(b => reasons[b] = []);
        foreach (var database in newestFirst.GroupBy(b => b.Database, StringComparer.Ordinal))
        {
            var group = database.ToList();
            Mark(group, reasons, daily, "daily", b => b.Created.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            Mark(group, reasons, weekly, "weekly", b =>
            {
                var day = b.Created.UtcDateTime;
                return $"{ISOWeek.GetYear(day):D4}-W{ISOWeek.GetWeekOfYear(day):D2}";
            });
            Mark(group, reasons, monthly, "monthly", b => b.Created.UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture));
            if (group.FirstOrDefault(b => b.Verified) is { } newestVerified)
            {
                reasons[newestVerified].Add("newest verified");
            }
        }

        foreach (var pinned in newestFirst.Where(b => b.PinnedBecause is not null))
        {
            reasons[pinned].Add(pinned.PinnedBecause!);
        }

        return newestFirst.Select(b => new RetentionDecision(b, reasons[b].Count > 0, reasons[b])).ToList();
    }

    /// <summary>Walks newest first; the first backup seen in each new period is that period's keeper, until <paramref name="count"/> periods.</summary>
    private static void Mark(List<RetentionCandidate> newestFirst, Dictionary<RetentionCandidate, List<string>> reasons, int count, string name, Func<RetentionCandidate, string> period)
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
                reasons[backup].Add($"{name} {key}");
            }
        }
    }
}
