using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Backups;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// Grandfather-father-son retention over the backup catalog: keeps the newest backup of each of
/// the last -KeepDaily days, -KeepWeekly ISO weeks and -KeepMonthly months, and always the
/// newest verified backup; removes the rest (-WhatIf shows what would go).
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "FrostBackupRetention", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
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
        var root = Path is null ? Session.BackupRoot : GetUnresolvedProviderPathFromPSPath(Path);
        var runner = new RetentionRunner(root);
        var plan = Await((reporter, _) => Task.FromResult(runner.Plan(KeepDaily, KeepWeekly, KeepMonthly, reporter)));

        // Every decision is made here on the pipeline thread first; then the removals run.
        var remove = new List<FrostBackup>();
        var results = new List<FrostBackupRetention>();
        foreach (var (decision, backup) in plan)
        {
            var action = "Keep";
            if (!decision.Keep)
            {
                var confirmed = ShouldProcess($"backup {backup.Id} ({backup.Created:u})", "Remove (not kept by the daily/weekly/monthly policy)");
                action = confirmed ? "Remove" : "WouldRemove";
                if (confirmed)
                {
                    remove.Add(backup);
                }
            }

            results.Add(new FrostBackupRetention
            {
                Id = backup.Id, Created = backup.Created, Verified = backup.Verified, Action = action,
                Reasons = decision.Reasons, Backup = backup,
            });
        }

        try
        {
            Await((reporter, _) =>
            {
                runner.Remove(remove, reporter);
                return Task.FromResult(true);
            });
        }
        catch (FrostException e)
        {
            ThrowFrostError(e);
        }

        results.ForEach(WriteObject);
    }
}
