using FrostGuard.Engine.Platform.Durability;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Backups;

/// <summary>
/// Invoke-FrostBackupRetention: decides with <see cref="RetentionPolicy"/> over the catalog
/// (valid manifests only; a file without one is neither counted nor touched), asks before each
/// removal, and removes under the backup lock, after reading the catalog again under it.
/// </summary>
public sealed class RetentionRunner
{
    private readonly string _root;

    public RetentionRunner(string root) => _root = root;

    public IReadOnlyList<(RetentionDecision Decision, FrostBackup Backup)> Plan(int daily, int weekly, int monthly, IFrostReporter reporter)
    {
        Validate(daily, weekly, monthly);
        return Decide(new BackupCatalog(_root).List(reporter), daily, weekly, monthly);
    }

    private static IReadOnlyList<(RetentionDecision Decision, FrostBackup Backup)> Decide(IReadOnlyList<CatalogEntry> catalog, int daily, int weekly, int monthly)
    {
        var candidates = new Dictionary<RetentionCandidate, FrostBackup>(ReferenceEqualityComparer.Instance);
        foreach (var entry in catalog)
        {
            var candidate = new RetentionCandidate(entry.Backup.Id, entry.Backup.Created, entry.Backup.Verified, entry.Manifest.Database)
            {
                PinnedBecause = entry.SharesFilesWith.Count > 0 ? $"shares a file with {string.Join(", ", entry.SharesFilesWith)}" : null,
            };
            candidates[candidate] = entry.Backup;
        }

        return RetentionPolicy.Decide(candidates.Keys, daily, weekly, monthly)
            .Select(d => (d, candidates[d.Backup]))
            .ToList();
    }

    /// <summary>The archived WAL older than the oldest base backup the policy keeps, per cluster (read again under the lock by <see cref="PruneWal"/>).</summary>
    public IReadOnlyList<Wal.WalPruner.Pruning> PlanWal(int daily, int weekly, int monthly, IFrostReporter reporter)
    {
        var catalog = new BackupCatalog(_root).List(reporter, withRecoverableRange: false);
        var kept = Decide(catalog, daily, weekly, monthly).Where(d => d.Decision.Keep).Select(d => d.Backup.Id).ToHashSet(StringComparer.Ordinal);
        return Wal.WalPruner.Plan(_root, catalog.Where(e => kept.Contains(e.Manifest.Id)).Select(e => e.Manifest));
    }

    /// <summary>
    /// Removes the archived WAL no kept base backup needs from the <paramref name="folders"/> the
    /// operator agreed to, under the lock and decided again over the catalog as it is now; returns
    /// how many files went.
    /// </summary>
    public int PruneWal(int daily, int weekly, int monthly, IReadOnlySet<string> folders, IFrostReporter reporter)
    {
        using var retentionLock = BackupLock.Acquire(_root, "WAL retention");
        var removed = 0;
        foreach (var pruning in PlanWal(daily, weekly, monthly, reporter).Where(p => p.Expired.Count > 0 && folders.Contains(p.Folder)))
        {
            removed += Wal.WalPruner.Remove(pruning);
            reporter.Verbose($"{pruning.Folder}: removed {pruning.Expired.Count} WAL file(s) before {pruning.KeptFrom}, the start of the oldest base backup kept");
        }

        return removed;
    }

    /// <summary>Refuses counts that would keep nothing by the policy (the engine's own guard; the cmdlet checks first).</summary>
    public static void Validate(int daily, int weekly, int monthly)
    {
        if (daily < 0 || weekly < 0 || monthly < 0 || daily + weekly + monthly == 0)
        {
            throw new FrostException(ErrorIds.RetentionPolicyInvalid, FailureKind.InvalidConfiguration,
                $"Keep counts daily {daily}, weekly {weekly}, monthly {monthly} keep no backup by the policy; retention refuses them and removes nothing.", "KeepDaily",
                "Give at least one count above zero, such as -KeepDaily 7 -KeepWeekly 4 -KeepMonthly 6 (the defaults).");
        }
    }

    /// <summary>
    /// Removes the planned backups under the lock, after deciding again over the catalog as it is
    /// now (a backup removed or added since the plan changes what the policy keeps); returns the
    /// ids it removed. One the policy now keeps stays, with a warning.
    /// </summary>
    public IReadOnlySet<string> Remove(IReadOnlyList<FrostBackup> backups, int daily, int weekly, int monthly, IFrostReporter reporter)
    {
        var removed = new HashSet<string>(StringComparer.Ordinal);
        if (backups.Count == 0)
        {
            return removed;
        }

        using var retentionLock = BackupLock.Acquire(_root, "retention");
        BackupIntent.Resolve(_root, reporter);
        var current = new BackupCatalog(_root).List(reporter, withRecoverableRange: false);
        var keptNow = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (decision, backup) in Decide(current, daily, weekly, monthly).Where(d => d.Decision.Keep))
        {
            keptNow.TryAdd(backup.Id, decision.Reasons);
        }

        foreach (var backup in backups)
        {
            if (keptNow.TryGetValue(backup.Id, out var reasons))
            {
                reporter.Warning($"Keeping backup {backup.Id}: the catalog changed since the plan, and the policy now keeps it ({string.Join(", ", reasons)}).");
                continue;
            }

            BackupRemover.RemoveLocked(backup, current, reporter);
            removed.Add(backup.Id);
            if (removed.Count == 1)
            {
                CrashPoints.Reach(CrashPoints.RetentionOneRemoved);
            }
        }

        return removed;
    }
}
