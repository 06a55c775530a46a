using System.Text.Json;
using FrostGuard.Engine.Health;

namespace FrostGuard.Engine.Tests.HealthChecks;

public sealed class MonitoringOutputTests
{
    private static FrostHealthResult Result(string check, string target, HealthStatus status, double? observed = null, string? unit = null) => new()
    {
        Check = check, Target = target, Status = status, Observed = observed, Unit = unit,
        Threshold = "Warning > 70%; Critical > 85%", Message = $"{check} said \"{status}\"", Duration = TimeSpan.FromMilliseconds(120),
    };

    [Fact]
    public void Textfile_has_one_series_per_check_and_target_with_escaped_labels()
    {
        var text = TextfileExporter.Render(
        [
            Result("Disk", "/var/lib/docker", HealthStatus.Ok, 16.04, "%"),
            Result("Containers", "odd \"name\"\\x", HealthStatus.Critical, 2, "restarts"),
            Result("Disk", "/var/lib/docker", HealthStatus.Warning, 71, "%"),
            Result("ErrorRate", "http://x/metrics", HealthStatus.Unknown),
        ], DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));

        Assert.Contains("frostguard_health_status{check=\"Disk\",target=\"/var/lib/docker\",status=\"Warning\"} 1\n", text);
        Assert.DoesNotContain("status=\"Ok\"", text);
        Assert.Contains("frostguard_health_status{check=\"Containers\",target=\"odd \\\"name\\\"\\\\x\",status=\"Critical\"} 2\n", text);
        Assert.Contains("frostguard_health_status{check=\"ErrorRate\",target=\"http://x/metrics\",status=\"Unknown\"} 3\n", text);
        Assert.Contains("frostguard_health_observed{check=\"Disk\",target=\"/var/lib/docker\",unit=\"%\"} 71\n", text);
        Assert.DoesNotContain("frostguard_health_observed{check=\"ErrorRate\"", text);
        Assert.Contains("frostguard_health_check_duration_seconds{check=\"Disk\",target=\"/var/lib/docker\"} 0.12\n", text);
        Assert.EndsWith("frostguard_health_last_run_timestamp_seconds 1800000000\n", text);
        // Every sample line is name{labels} value, as the exposition format requires.
        Assert.All(text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')),
            l => Assert.Matches(@"^[a-z_]+(\{.*\})? [-+0-9.eEInf]+$", l));
    }

    [Fact]
    public void Writing_replaces_the_file_whole_and_leaves_no_temporary_file()
    {
        using var folder = new TempFolder();
        var file = Path.Combine(folder.Path, "frostguard.prom");
        File.WriteAllText(file, "old content that is longer than the new one\n");

        TextfileExporter.WriteAtomically(file, "new\n");

        Assert.Equal("new\n", File.ReadAllText(file));
        Assert.Equal([file], Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void Writing_into_a_missing_folder_is_ExportFailed()
    {
        var e = Assert.Throws<FrostException>(() => TextfileExporter.WriteAtomically("/nonexistent-frostguard/x.prom", "x"));
        Assert.Equal(ErrorIds.ExportFailed, e.ErrorId);
        Assert.Contains("/nonexistent-frostguard", e.Message);
    }

    [Fact]
    public void Alert_body_is_slack_shaped_with_a_text_summary_and_a_block_per_result_worst_first()
    {
        var json = AlertMessage.Build([Result("Memory", "host", HealthStatus.Warning), Result("Database", "db:5432", HealthStatus.Critical)], "fg-health");

        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.StartsWith("FrostGuard health of fg-health: 1 Critical, 1 Warning", root.GetProperty("text").GetString());
        var blocks = root.GetProperty("blocks").EnumerateArray().ToList();
        Assert.Equal("header", blocks[0].GetProperty("type").GetString());
        Assert.Equal(3, blocks.Count);
        Assert.Contains("*Critical* Database `db:5432`", blocks[1].GetProperty("text").GetProperty("text").GetString());
        Assert.Equal("mrkdwn", blocks[2].GetProperty("text").GetProperty("type").GetString());
    }

    [Fact]
    public void A_webhook_is_shown_without_its_secret_path()
    {
        Assert.Equal("https://hooks.example.org/…", WebhookSender.Redact(new Uri("https://hooks.example.org/services/T000/B000/XXXX")));
        Assert.Equal("http://127.0.0.1:8123/…", WebhookSender.Redact(new Uri("http://127.0.0.1:8123/hook?token=s3cret")));
    }
}
