using FrostGuard.Engine.Backups;
using FrostGuard.Engine.Configuration;

namespace FrostGuard.Engine.Health;

/// <summary>
/// The age of the newest verified backup against the manual's recovery point objective (the
/// "rpo" row of runbooks/disaster-recovery.md, 24 h by default). Unknown until a verified backup
/// exists: no backup is nothing to judge, never Ok.
/// </summary>
public sealed class BackupFreshnessCheck : IHealthCheck
{
    public const string CheckName = "BackupFreshness";

    public string Name => CheckName;
    public IReadOnlyList<string> Produces => [CheckName];

    public Task<IReadOnlyList<FrostHealthResult>> RunAsync(HealthContext context, CancellationToken cancellationToken)
    {
        var started = context.Clock.GetTimestamp();
        var root = context.Session?.BackupRoot ?? StatePaths.BackupRoot(context.Config, Environment.GetEnvironmentVariable);
        var (objective, source) = RecoveryPointObjective(context.Config);
        var rule = $"Critical > {objective.Target} (recovery point objective, {source})";
        var newest = new BackupCatalog(root).List(context.Reporter, withRecoverableRange: false).Select(b => b.Backup).FirstOrDefault(b => b.Verified);
        if (newest is null)
        {
            return Task.FromResult<IReadOnlyList<FrostHealthResult>>([context.Result(CheckName, root, HealthStatus.Unknown,
                $"No verified backup in {root} yet: nothing to judge. Take one: Invoke-FrostBackup -Verify", rule,
                duration: context.Clock.GetElapsedTime(started))]);
        }

        var age = context.Clock.GetUtcNow() - newest.Created;
        var status = age <= objective.Limit ? HealthStatus.Ok : HealthStatus.Critical;
        var message = $"Newest verified backup {newest.Id} is {Describe(age)} old; the recovery point objective is {objective.Target}"
            + (status == HealthStatus.Ok ? "." : ". Take a backup now: Invoke-FrostBackup -Verify");
        return Task.FromResult<IReadOnlyList<FrostHealthResult>>([context.Result(CheckName, root, status, message, rule,
            age.TotalHours, "h", context.Clock.GetElapsedTime(started))]);
    }

    private static (RecoveryObjective Objective, string Source) RecoveryPointObjective(FrostConfig config)
    {
        var manual = string.IsNullOrWhiteSpace(config.ManualPath) ? null : Path.Combine(config.ManualPath, RecoveryObjectives.FileName);
        var defaults = RecoveryObjectives.Defaults.Single(o => o.Id == "rpo");
        if (manual is null || !File.Exists(manual))
        {
            return (defaults, "built-in default");
        }

        var fromManual = RecoveryObjectives.Parse(File.ReadAllText(manual), manual).FirstOrDefault(o => o.Id == "rpo");
        return fromManual is null ? (defaults, "built-in default") : (fromManual, Path.GetFileName(manual));
    }

    private static string Describe(TimeSpan age) =>
        age.TotalDays >= 1 ? $"{age.TotalDays:0.#} days" : age.TotalHours >= 1 ? $"{age.TotalHours:0.#} h" : $"{age.TotalMinutes:0} min";
}
