using FrostGuard.Engine.Configuration;

namespace FrostGuard.Engine.Secrets;

/// <summary>
/// How old each managed secret is: the last successful rotation in the rotation log, else the
/// .env file's modification time (an upper bound only: any rewrite of the file moves it),
/// judged against the manual's quarterly rotation policy.
/// </summary>
public static class SecretAgeReader
{
    /// <summary>The manual's policy: rotate every quarter.</summary>
    public const int QuarterlyDays = 90;
    /// <summary>Warning this many days before the policy's limit.</summary>
    public const int WarningDays = 14;

    public static IReadOnlyList<FrostSecretAge> Read(FrostConfig config, string stateFolder, int maxAgeDays, TimeProvider clock, Action<string>? warn = null)
    {
        var now = clock.GetUtcNow();
        var entries = new RotationLog(stateFolder).Read(warn);
        var results = new List<FrostSecretAge>();
        foreach (var name in SecretRotator.ManagedSecrets)
        {
            var envPath = config.Project.EnvPath;
            // One state folder may serve several deployments: only this deployment's rotations count.
            var last = entries.LastOrDefault(e => e.Name == name && e.Outcome == RotationOutcome.Rotated && e.EnvFile == envPath);
            DateTimeOffset? when;
            string source;
            if (last is not null)
            {
                when = last.At;
                source = $"rotation log {new RotationLog(stateFolder).Path}";
            }
            else if (config.Database.Password.EnvFileKey is null)
            {
                when = null;
                source = $"environment variable {config.Database.Password.EnvironmentVariable} (not managed by FrostGuard)";
            }
            else if (File.Exists(envPath))
            {
                when = File.GetLastWriteTimeUtc(envPath);
                source = $"modification time of {envPath} (no rotation recorded; the file may have changed for other reasons)";
            }
            else
            {
                when = null;
                source = $"{envPath} does not exist";
            }

            results.Add(Judge(name, when, source, maxAgeDays, now));
        }

        return results;
    }

    public static FrostSecretAge Judge(string name, DateTimeOffset? lastRotated, string source, int maxAgeDays, DateTimeOffset now)
    {
        if (lastRotated is not { } when)
        {
            return new FrostSecretAge
            {
                Name = name, Source = source, MaxAgeDays = maxAgeDays, Status = HealthStatus.Unknown,
                Message = $"No rotation date: {source}. Rotate it with Update-FrostSecret -Name {name}.",
            };
        }

        var age = (now - when).TotalDays;
        var left = maxAgeDays - age;
        var status = left < 0 ? HealthStatus.Critical : left < Math.Min(WarningDays, maxAgeDays / 2.0) ? HealthStatus.Warning : HealthStatus.Ok;
        var message = status switch
        {
            HealthStatus.Critical => $"Last rotated {age:0} days ago, {-left:0} days past the {maxAgeDays}-day policy. Run Update-FrostSecret -Name {name}.",
            HealthStatus.Warning => $"Last rotated {age:0} days ago; due in {left:0} days. Plan Update-FrostSecret -Name {name}.",
            _ => $"Last rotated {age:0} days ago; due in {left:0} days.",
        };
        return new FrostSecretAge
        {
            Name = name,
            LastRotated = when,
            AgeDays = Math.Round(age, 1),
            MaxAgeDays = maxAgeDays,
            DueAt = when.AddDays(maxAgeDays),
            Status = status,
            Source = source,
            Message = message,
        };
    }
}
