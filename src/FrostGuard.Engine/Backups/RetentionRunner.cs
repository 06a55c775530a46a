using FrostGuard.Engine.Reporting;

namespace FrostGuard.Engine.Backups;

/// <summary>
/// Invoke-FrostBackupRetention: decides with <see cref="RetentionPolicy"/> over the catalog
/// (manifests only; a file without one is neither counted nor touched), asks before each
/// removal, and removes under the backup lock.
/// </summary>
public sealed class RetentionRunner
{
    private readonly string _root;

    public RetentionRunner(string root) => _root = root;

    public IReadOnlyList<(RetentionDecision Decision, FrostBackup Backup)> Plan(int daily, int weekly, int monthly, IFrostReporter reporter)
    {
        var catalog = new BackupCatalog(_root).List(reporter);
        var byId = catalog.ToDictionary(c => c.Backup.Id, c => c.Backup, StringComparer.Ordinal);
        return RetentionPolicy.Decide(catalog.Select(c => new RetentionCandidate(c.Backup.Id, c.Backup.Created, c.Backup.Verified)), daily, weekly, monthly)
            .Select(d => (d, byId[d.Backup.Id]))
            .ToList();
    }

    public void Remove(IReadOnlyList<FrostBackup> backups, IFrostReporter reporter)
    {
        if (backups.Count == 0)
        {
            return;
        }

        using var retentionLock = BackupLock.Acquire(_root, "retention");
        foreach (var backup in backups)
        {
            BackupRemover.RemoveLocked(backup, reporter);
        }
    }
}
