using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Backups.Scheduling;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// Writes the nightly backup job: a systemd service and timer (or a cron.d file) that run
/// backup, verification, retention and the backup metric export in a fresh pwsh.
/// </summary>
[Cmdlet(VerbsLifecycle.Register, "FrostBackupSchedule", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(FrostBackupSchedule))]
public sealed class RegisterFrostBackupScheduleCommand : FrostCmdlet
{
    /// <summary>Local time of day, e.g. 02:30.</summary>
    [Parameter(Position = 0)]
    public TimeSpan At { get; set; } = new(2, 30, 0);

    [Parameter]
    [ValidateRange(0, 10000)]
    public int KeepDaily { get; set; } = 7;

    [Parameter]
    [ValidateRange(0, 10000)]
    public int KeepWeekly { get; set; } = 4;

    [Parameter]
    [ValidateRange(0, 10000)]
    public int KeepMonthly { get; set; } = 6;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Label { get; set; } = "scheduled";

    /// <summary>A node_exporter textfile (.prom) the job writes the backup freshness metrics to.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? MetricPath { get; set; }

    [Parameter]
    public FrostScheduler Scheduler { get; set; } = FrostScheduler.Systemd;

    /// <summary>The folder for the files: /etc/systemd/system or /etc/cron.d by default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>The pwsh the job runs; by default this session's own ($PSHOME/pwsh), which needs no PATH or DOTNET_ROOT.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PwshPath { get; set; }

    protected override void EndProcessing()
    {
        if (At < TimeSpan.Zero || At >= TimeSpan.FromDays(1))
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentOutOfRangeException(nameof(At), $"-At {At} is not a time of day: give one from 00:00 to 23:59, such as 02:30."),
                ErrorIds.ScheduleInvalid, ErrorCategory.InvalidArgument, At));
        }

        if (KeepDaily + KeepWeekly + KeepMonthly == 0)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("-KeepDaily, -KeepWeekly and -KeepMonthly are all 0: the nightly retention would refuse them every night."),
                ErrorIds.RetentionPolicyInvalid, ErrorCategory.InvalidArgument, KeepDaily));
        }

        var folder = Path is null ? BackupScheduleStore.DefaultFolder(Scheduler) : GetUnresolvedProviderPathFromPSPath(Path);
        var pwsh = PwshPath is null
            ? System.IO.Path.Combine((string)SessionState.PSVariable.GetValue("PSHOME"), "pwsh")
            : GetUnresolvedProviderPathFromPSPath(PwshPath);
        var jobScript = System.IO.Path.Combine(MyInvocation.MyCommand.Module.ModuleBase, "module", "jobs", "Invoke-FrostScheduledBackup.ps1");
        if (!File.Exists(jobScript))
        {
            ThrowFrostError(new FrostException(ErrorIds.ScheduleWriteFailed, FailureKind.NotFound,
                $"The backup job script {jobScript} is missing from the module.", jobScript, "Reinstall FrostGuard (Install-PSResource FrostGuard -Reinstall, or copy its package folder again): the module ships the job script under module/jobs."));
        }

        var request = new BackupScheduleRequest(Scheduler, folder, new TimeSpan(At.Hours, At.Minutes, 0), KeepDaily, KeepWeekly, KeepMonthly, Label,
            MetricPath is null ? null : GetUnresolvedProviderPathFromPSPath(MetricPath), Session.Config.SourcePath, pwsh, jobScript);
        var store = new BackupScheduleStore(Scheduler, folder, () => DateTimeOffset.Now);
        var target = string.Join(", ", store.Files);
        if (!ShouldProcess(target, $"Write the nightly backup job ({Scheduler}, daily at {request.At:hh\\:mm})"))
        {
            return;
        }

        try
        {
            var schedule = store.Write(request);
            if (Scheduler == FrostScheduler.Systemd)
            {
                SystemdActivation.Start(folder);
            }

            if (schedule.Note is not null)
            {
                WriteWarning(schedule.Note);
            }

            WriteObject(schedule);
        }
        catch (FrostException e)
        {
            ThrowFrostError(e);
        }
    }
}
