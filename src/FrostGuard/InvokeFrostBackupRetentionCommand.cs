using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Backups;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// Grandfather-father-son retention over the backup catalog, for each database on its own: keeps
/// the newest backup of each of the last -KeepDaily days, -KeepWeekly ISO weeks and -KeepMonthly
/// months, and always each database's newest verified backup; removes the rest (-WhatIf shows
/// what would go). Counts that are all zero are refused.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "FrostBackupRetention", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(FrostBackupRetention))]
public sealed class InvokeFrostBackupRetentionCommand : FrostCmdlet
{
    [Parameter]
    [ValidateRange(0, 10000)]
    public int KeepDaily { get; set; } = 7;

    [Parameter]
    [ValidateRange(0, 10000)]
    public int KeepWeekly { get; set; } = 4;

    [Parameter]
    [ValidateRange(0, 10000)]
    public int KeepMonthly { get; set; } = 6;

    /// <summary>The folder to apply retention to; the configured backupRoot by default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    protected override void EndProcessing()
    {
        if (KeepDaily + KeepWeekly + KeepMonthly == 0)
        {
            ThrowTerminatingError(FrostErrors.Create(
                new ArgumentException("-KeepDaily, -KeepWeekly and -KeepMonthly are all 0: that keeps no backup by the policy, so retention refuses it and removes nothing."),
                ErrorIds.RetentionPolicyInvalid, ErrorCategory.InvalidArgument, "KeepDaily",
                "Give at least one count above zero, such as -KeepDaily 7 -KeepWeekly 4 -KeepMonthly 6 (the defaults)."));
        }

        var root = Path is null ? Session.BackupRoot : GetUnresolvedProviderPathFromPSPath(Path);
        var runner = new RetentionRunner(root);
        var plan = Await((reporter, _) => Task.FromResult(runner.Plan(KeepDaily, KeepWeekly, KeepMonthly, reporter)));

        // Every decision is made here on the pipeline thread first; then the removals run.
        var remove = new List<FrostBackup>();
        var results = new List<FrostBackupRetention>();
        foreach (var (decision, backup) in plan)
        {
            var action = FrostRetentionAction.Keep;
            if (!decision.Keep)
            {
                var confirmed = ShouldProcess($"backup {backup.Id} of database {backup.Database} ({backup.Created:u})", "Remove (not kept by the daily/weekly/monthly policy)");
                action = confirmed ? FrostRetentionAction.Remove : FrostRetentionAction.WouldRemove;
                if (confirmed)
                {
                    remove.Add(backup);
                }
            }

            results.Add(new FrostBackupRetention
            {
                Id = backup.Id, Database = backup.Database, Created = backup.Created, Verified = backup.Verified, Action = action,
                Reasons = decision.Reasons, Backup = backup,
            });
        }

        IReadOnlySet<string> removed = new HashSet<string>();
        try
        {
            removed = Await((reporter, _) => Task.FromResult(runner.Remove(remove, KeepDaily, KeepWeekly, KeepMonthly, reporter)));
        }
        catch (FrostException e)
        {
            ThrowFrostError(e);
        }

        // The archived WAL goes only once the base backups that need it are gone: from the start of the oldest one kept.
        try
        {
            var prunings = Await((reporter, _) => Task.FromResult(runner.PlanWal(KeepDaily, KeepWeekly, KeepMonthly, reporter)));
            var agreed = prunings.Where(p => p.Expired.Count > 0)
                .Where(p => ShouldProcess($"WAL archive {p.Folder}", $"Remove {p.Expired.Count} WAL file(s) before {p.KeptFrom}, the start of the oldest base backup kept"))
                .Select(p => p.Folder).ToHashSet(StringComparer.Ordinal);
            if (agreed.Count > 0)
            {
                // One pass under the lock prunes the agreed clusters as decided again there.
                Await((reporter, _) => Task.FromResult(runner.PruneWal(KeepDaily, KeepWeekly, KeepMonthly, agreed, reporter)));
            }
        }
        catch (FrostException e)
        {
            ThrowFrostError(e);
        }

        // A backup the policy keeps after all, once decided again under the lock, is reported as kept.
        results.Select(r => r.Action == FrostRetentionAction.Remove && !removed.Contains(r.Id)
                ? new FrostBackupRetention { Id = r.Id, Database = r.Database, Created = r.Created, Verified = r.Verified, Action = FrostRetentionAction.Keep, Reasons = ["kept by the policy when decided again under the lock"], Backup = r.Backup }
                : r)
            .ToList().ForEach(WriteObject);
    }
}
