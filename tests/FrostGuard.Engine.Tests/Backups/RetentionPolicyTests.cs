using FrostGuard.Engine.Backups;

namespace FrostGuard.Engine.Tests.Backups;

public sealed class RetentionPolicyTests
{
    private static readonly DateTimeOffset Today = new(2026, 11, 26, 0, 0, 0, TimeSpan.Zero); // a Thursday

    /// <summary>400 days of backups, two a day (02:30 and 14:30 UTC); only one, long ago, verified.</summary>
    private static List<RetentionCandidate> FourHundredDays(string verifiedId, string database = "frostguard")
    {
        var backups = new List<RetentionCandidate>();
        for (var day = 0; day < 400; day++)
        {
            foreach (var time in new[] { new TimeSpan(2, 30, 0), new TimeSpan(14, 30, 0) })
            {
                var created = Today.AddDays(-day) + time;
                var id = Id(created, database);
                backups.Add(new RetentionCandidate(id, created, id == verifiedId, database));
            }
        }

        return backups;
    }

    private static string Id(DateTimeOffset created, string database = "frostguard") => database + "-" + created.UtcDateTime.ToString("yyyyMMdd'T'HHmm", System.Globalization.CultureInfo.InvariantCulture);

    private static string At(int month, int day, int hour = 14) => Id(new DateTimeOffset(2026, month, day, hour, 30, 0, TimeSpan.Zero));

    [Fact]
    public void Keeps_exactly_the_GFS_set_of_a_400_day_catalog_plus_the_newest_verified_backup()
    {
        var verified = At(3, 1, 2);
        var decisions = RetentionPolicy.Decide(FourHundredDays(verified), daily: 7, weekly: 4, monthly: 6);

        // Worked out by hand from a calendar, not from the policy's code:
        string[] expected =
        [
            // daily: the newest of each of the last 7 days
            At(11, 26), At(11, 25), At(11, 24), At(11, 23), At(11, 22), At(11, 21), At(11, 20),
            // weekly (ISO weeks end on Sunday): Nov 23-29 is Nov 26, Nov 16-22 is Sun Nov 22 (already daily), Nov 9-15, Nov 2-8
            At(11, 15), At(11, 8),
            // monthly: November is Nov 26; then the last day of Oct, Sep, Aug, Jul, Jun
            At(10, 31), At(9, 30), At(8, 31), At(7, 31), At(6, 30),
            // the newest verified backup, whatever its age
            verified,
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), decisions.Where(d => d.Keep).Select(d => d.Backup.Id).Order(StringComparer.Ordinal));
        Assert.Equal(800 - expected.Length, decisions.Count(d => !d.Keep));
        Assert.Contains("newest verified", decisions.Single(d => d.Backup.Id == verified).Reasons);
        Assert.Equal(["daily 2026-11-26", "weekly 2026-W48", "monthly 2026-11"], decisions.Single(d => d.Backup.Id == At(11, 26)).Reasons);
    }

    [Fact]
    public void Never_removes_the_newest_verified_backup_whatever_the_counts_keep()
    {
        var verified = At(11, 20, 2);
        var decisions = RetentionPolicy.Decide(FourHundredDays(verified), 1, 0, 0);
        Assert.Equal([At(11, 26), verified], decisions.Where(d => d.Keep).Select(d => d.Backup.Id));
    }

    [Fact]
    public void Counts_that_are_all_zero_are_refused()
    {
        Assert.Throws<ArgumentException>(() => RetentionPolicy.Decide(FourHundredDays(At(11, 20, 2)), 0, 0, 0));
    }

    [Fact]
    public void Each_database_is_weighed_on_its_own_and_keeps_its_newest_verified_backup()
    {
        // The reported fault: a second database's newer backups pushed out every backup of the first.
        var main = new[]
        {
            new RetentionCandidate("frostguard-old", Today.AddDays(-3), true, "frostguard"),
            new RetentionCandidate("frostguard-new", Today.AddDays(-2), false, "frostguard"),
        };
        var other = new[]
        {
            new RetentionCandidate("reports-1", Today.AddDays(-1), false, "reports"),
            new RetentionCandidate("reports-2", Today, true, "reports"),
        };

        var kept = RetentionPolicy.Decide(main.Concat(other), daily: 1, weekly: 0, monthly: 0).Where(d => d.Keep).Select(d => d.Backup.Id).Order();

        Assert.Equal(["frostguard-new", "frostguard-old", "reports-2"], kept);
    }

    [Fact]
    public void A_pinned_backup_is_kept_with_its_reason()
    {
        var backups = new[]
        {
            new RetentionCandidate("a", Today, false, "db"),
            new RetentionCandidate("b", Today.AddDays(-40), false, "db") { PinnedBecause = "shares a file with c" },
        };

        var decision = RetentionPolicy.Decide(backups, daily: 1, weekly: 0, monthly: 0).Single(d => d.Backup.Id == "b");

        Assert.True(decision.Keep);
        Assert.Equal(["shares a file with c"], decision.Reasons);
    }

    [Fact]
    public void Counts_periods_that_have_backups_not_calendar_periods()
    {
        // Three backups months apart: with -KeepDaily 2 the two newest days that have one are kept.
        var backups = new[]
        {
            new RetentionCandidate("a", Today, false, "db"),
            new RetentionCandidate("b", Today.AddDays(-40), false, "db"),
            new RetentionCandidate("c", Today.AddDays(-90), false, "db"),
        };
        var kept = RetentionPolicy.Decide(backups, daily: 2, weekly: 0, monthly: 0).Where(d => d.Keep).Select(d => d.Backup.Id);
        Assert.Equal(["a", "b"], kept);
    }

    [Fact]
    public void An_empty_catalog_decides_nothing() =>
        Assert.Empty(RetentionPolicy.Decide([], 7, 4, 6));
}
