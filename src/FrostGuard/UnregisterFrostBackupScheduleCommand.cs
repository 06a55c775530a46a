using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Backups.Scheduling;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>Stops and removes the nightly backup job (Get-FrostBackupSchedule | Unregister-FrostBackupSchedule).</summary>
[Cmdlet(VerbsLifecycle.Unregister, "FrostBackupSchedule", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class UnregisterFrostBackupScheduleCommand : FrostCmdlet
{
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public FrostScheduler Scheduler { get; set; } = FrostScheduler.Systemd;

    /// <summary>The folder the schedule is in: /etc/systemd/system or /etc/cron.d by default.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Folder")]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    protected override void ProcessRecord()
    {
        var folder = Path is null ? BackupScheduleStore.DefaultFolder(Scheduler) : GetUnresolvedProviderPathFromPSPath(Path);
        var store = new BackupScheduleStore(Scheduler, folder, () => DateTimeOffset.Now);
        if (!store.Exists)
        {
            WriteFrostError(new FrostException(ErrorIds.ScheduleNotFound, FailureKind.NotFound, $"There is no {Scheduler} backup schedule in {folder}.", folder,
                "Get-FrostBackupSchedule shows where the schedule is; pass that -Path and -Scheduler."));
            return;
        }

        if (!ShouldProcess(string.Join(", ", store.Files.Where(File.Exists)), "Stop and remove the nightly backup job"))
        {
            return;
        }

        try
        {
            if (Scheduler == FrostScheduler.Systemd)
            {
                SystemdActivation.Stop(folder);
            }

            foreach (var removed in store.Remove())
            {
                WriteVerbose($"Removed {removed}");
            }

            if (Scheduler == FrostScheduler.Systemd)
            {
                SystemdActivation.Reload(folder);
            }
        }
        catch (FrostException e)
        {
            WriteFrostError(e);
        }
    }
}
