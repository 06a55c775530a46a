using FrostGuard.Engine.Platform.Os;
using FrostGuard.Engine.Platform.Files;
using FrostGuard.Engine.Secrets;

namespace FrostGuard.Engine.Tests.Secrets;

/// <summary>The atomic replace the rotation writes the .env and its dated copy with (shared with the updater's tag edits).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class AtomicSecretFileTests
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private static string Run(string tool, params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo(tool) { RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return output;
    }

    [Fact]
    public void ReplacingWritesOwnerOnlyKeepsTheOwnerAndLeavesNoTemporaryFile()
    {
        Assert.True(Environment.UserName == "root", "chown to another user needs root; the test suite runs as root here");
        using var folder = new TempFolder();
        var path = folder.Write(".env", "A=old\n");
        File.SetUnixFileMode(path, OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        Run("chown", "10001:10002", path);

        FrostGuard.Engine.Platform.Os.AtomicFile.Write(path, "A=new\n", OwnerOnly, ownerReference: path);

        Assert.Equal("A=new\n", File.ReadAllText(path));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
        Assert.Equal("10001:10002", Run("stat", "-c", "%u:%g", path));
        Assert.Equal([".env"], Directory.GetFiles(folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void ADatedCopyIsOwnerOnlyFromItsFirstByteAndOwnedLikeTheEnv()
    {
        using var folder = new TempFolder();
        var env = folder.Write(".env", "A=old\n");
        Run("chown", "10001:10001", env);
        var copy = env + ".20261126T230000Z";

        FrostGuard.Engine.Platform.Os.AtomicFile.Write(copy, "A=old\n", OwnerOnly, ownerReference: env);

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(copy));
        Assert.Equal("10001:10001", Run("stat", "-c", "%u:%g", copy));
    }

    [Fact]
    public void AFailedRenameLeavesTheTargetAndNoTemporaryFile()
    {
        using var folder = new TempFolder();
        // rename(2) cannot put a file over a non-empty folder: the replace fails at its last step.
        var kept = folder.Write(".env/keep", "kept");
        var target = Path.GetDirectoryName(kept)!;

        Assert.ThrowsAny<Exception>(() => FrostGuard.Engine.Platform.Os.AtomicFile.Write(target, "A=new\n", OwnerOnly));

        Assert.Equal("kept", File.ReadAllText(kept));
        Assert.Equal([".env"], Directory.GetFileSystemEntries(folder.Path).Select(Path.GetFileName));
    }
}

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RotationLogTests
{
    [Fact]
    public void AppendsAndReadsBackSkippingBrokenLines()
    {
        using var folder = new TempFolder();
        var log = new RotationLog(folder.Path);
        var at = new DateTimeOffset(2026, 8, 1, 12, 0, 0, TimeSpan.Zero);
        log.Append(new RotationEntry { Name = "DatabasePassword", At = at, Outcome = RotationOutcome.Rotated, Role = "frostguard" });
        using (var broken = PrivateFiles.Open(log.Path, FileMode.Append))
        {
            broken.Write("not json\n"u8);
        }

        log.Append(new RotationEntry { Name = "DatabasePassword", At = at.AddDays(1), Outcome = RotationOutcome.RolledBack, Reason = "health" });
        var warnings = new List<string>();

        var entries = log.Read(warnings.Add);

        Assert.Equal([RotationOutcome.Rotated, RotationOutcome.RolledBack], entries.Select(e => e.Outcome));
        Assert.Single(warnings);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(log.Path));
    }

    /// <summary>One line of each outcome, exactly as FrostGuard wrote them when the outcome was a string.</summary>
    private const string WrittenLog = """
{"name":"DatabasePassword","at":"2026-08-01T12:00:00+00:00","outcome":"Rotated","role":"frostguard","envFile":"/srv/shop/.env","backupFile":"/srv/shop/.env.20260801T120000Z"}
{"name":"DatabasePassword","at":"2026-08-02T12:00:00+00:00","outcome":"RolledBack","role":"frostguard","envFile":"/srv/shop/.env","reason":"backend did not turn healthy"}
{"name":"DatabasePassword","at":"2026-08-03T12:00:00+00:00","outcome":"RollbackFailed","reason":"the old password was refused"}

""";

    [Fact]
    public void A_log_as_written_before_reads_and_is_appended_again_byte_for_byte()
    {
        using var written = new TempFolder();
        using var rewritten = new TempFolder();
        var old = new RotationLog(written.Path);
        File.WriteAllText(old.Path, WrittenLog);
        var again = new RotationLog(rewritten.Path);
        var warnings = new List<string>();

        var entries = old.Read(warnings.Add);
        foreach (var entry in entries)
        {
            again.Append(entry);
        }

        Assert.Empty(warnings);
        Assert.Equal([RotationOutcome.Rotated, RotationOutcome.RolledBack, RotationOutcome.RollbackFailed], entries.Select(e => e.Outcome));
        Assert.Equal(File.ReadAllBytes(old.Path), File.ReadAllBytes(again.Path));
    }

    [Theory]
    [InlineData("\"Abandoned\"")]
    [InlineData("0")]
    public void A_line_of_an_outcome_FrostGuard_does_not_write_is_reported_and_skipped(string outcome)
    {
        using var folder = new TempFolder();
        var log = new RotationLog(folder.Path);
        File.WriteAllText(log.Path, WrittenLog + $$"""{"name":"DatabasePassword","at":"2026-08-04T12:00:00+00:00","outcome":{{outcome}}}""" + "\n");
        var warnings = new List<string>();

        var entries = log.Read(warnings.Add);

        Assert.Equal(3, entries.Count);
        Assert.Contains(":4 is not a rotation record", Assert.Single(warnings), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(10, HealthStatus.Ok)]
    [InlineData(80, HealthStatus.Warning)]
    [InlineData(91, HealthStatus.Critical)]
    public void AgeIsJudgedAgainstTheQuarterlyPolicy(int daysAgo, HealthStatus expected)
    {
        var now = new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero);
        var age = SecretAgeReader.Judge("DatabasePassword", now.AddDays(-daysAgo), "test", SecretAgeReader.QuarterlyDays, now);
        Assert.Equal(expected, age.Status);
        Assert.Equal(daysAgo, age.AgeDays);
        Assert.Equal(now.AddDays(90 - daysAgo), age.DueAt);
    }

    [Fact]
    public void OnlyThisDeploymentsRotationsCountElseTheEnvFileTimeIsUsed()
    {
        using var state = new TempFolder();
        using var deployment = new TempFolder();
        var env = deployment.Write(".env", "POSTGRES_PASSWORD=x\n");
        var written = new DateTime(2026, 10, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(env, written);
        var config = new FrostGuard.Engine.Configuration.FrostConfig
        {
            Project = new FrostGuard.Engine.Configuration.ProjectSection { Name = "p", Directory = deployment.Path },
            Database = new FrostGuard.Engine.Configuration.DatabaseSection { Name = "d", User = "u", Password = new FrostGuard.Engine.Configuration.PasswordSource { EnvFileKey = "POSTGRES_PASSWORD" } },
        };
        var log = new RotationLog(state.Path);
        var now = new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero);
        log.Append(new RotationEntry { Name = "DatabasePassword", At = now.AddDays(-1), Outcome = RotationOutcome.Rotated, EnvFile = "/elsewhere/.env" });
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(now);

        var fallback = Assert.Single(SecretAgeReader.Read(config, state.Path, 90, clock));
        Assert.Equal(new DateTimeOffset(written), fallback.LastRotated);
        Assert.Contains("modification time", fallback.Source);

        log.Append(new RotationEntry { Name = "DatabasePassword", At = now.AddDays(-3), Outcome = RotationOutcome.Rotated, EnvFile = env });
        log.Append(new RotationEntry { Name = "DatabasePassword", At = now.AddDays(-2), Outcome = RotationOutcome.RolledBack, EnvFile = env });
        var logged = Assert.Single(SecretAgeReader.Read(config, state.Path, 90, clock));
        Assert.Equal(now.AddDays(-3), logged.LastRotated);
        Assert.Contains("rotation log", logged.Source);
    }

    [Fact]
    public void NoDateIsUnknown()
    {
        Assert.Equal(HealthStatus.Unknown, SecretAgeReader.Judge("DatabasePassword", null, "nothing", 90, DateTimeOffset.UtcNow).Status);
    }
}
