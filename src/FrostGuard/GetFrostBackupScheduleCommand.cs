using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Backups.Scheduling;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>The nightly backup schedule as written on disk: when, what it keeps, the exact command, whether it is enabled.</summary>
[Cmdlet(VerbsCommon.Get, "FrostBackupSchedule")]
[OutputType(typeof(FrostBackupSchedule))]
public sealed class GetFrostBackupScheduleCommand : FrostCmdlet
{
    /// <summary>Which schedulers to look at; both by default.</summary>
    [Parameter]
    public FrostScheduler[] Scheduler { get; set; } = [FrostScheduler.Systemd, FrostScheduler.Cron];

    /// <summary>The folder to look in instead of /etc/systemd/system and /etc/cron.d.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    protected override void EndProcessing()
    {
        foreach (var scheduler in Scheduler.Distinct())
        {
            var folder = Path is null ? BackupScheduleStore.DefaultFolder(scheduler) : GetUnresolvedProviderPathFromPSPath(Path);
            try
            {
                if (new BackupScheduleStore(scheduler, folder, () => DateTimeOffset.Now).Read() is { } schedule)
                {
                    WriteObject(schedule);
                }
            }
            catch (FrostException e)
            {
                WriteFrostError(e);
            }
        }
    }
}
