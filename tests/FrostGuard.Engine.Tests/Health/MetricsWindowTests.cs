using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Health;

namespace FrostGuard.Engine.Tests.HealthChecks;

public sealed class MetricsWindowTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-11-26T21:00:00Z");
    private static readonly MetricNamesSection SandboxNames = new();

    private static string Exposition(int ok, int errors, params (string Le, int Count)[] buckets) =>
        "# HELP frostguard_http_requests_total HTTP requests served by the API, by status code.\n"
        + "# TYPE frostguard_http_requests_total counter\n"
        + $"frostguard_http_requests_total{{code=\"201\"}} {ok}\n"
        + (errors > 0 ? $"frostguard_http_requests_total{{code=\"500\"}} {errors}\n" : "")
        + "# TYPE frostguard_http_request_duration_seconds histogram\n"
        + string.Concat(buckets.Select(b => $"frostguard_http_request_duration_seconds_bucket{{le=\"{b.Le}\"}} {b.Count}\n"))
        + $"frostguard_http_request_duration_seconds_count {ok + errors}\n";

    [Fact]
    public void Error_rate_is_the_5xx_share_of_the_requests_between_two_scrapes()
    {
        var before = MetricsScrape.Parse(Exposition(1000, 5, ("0.5", 1005), ("+Inf", 1005)), T0, SandboxNames);
        var after = MetricsScrape.Parse(Exposition(1180, 25, ("0.5", 1205), ("+Inf", 1205)), T0.AddSeconds(60), SandboxNames);

        var window = MetricsWindow.Between(before, after)!;

        Assert.Equal(200, window.Requests);
        Assert.Equal(20, window.Errors);
        Assert.Equal(10.0, window.ErrorRatePercent, 6);
        Assert.Equal(TimeSpan.FromSeconds(60), window.Length);
    }

    [Fact]
    public void P95_interpolates_inside_the_bucket_holding_the_rank_like_histogram_quantile()
    {
        // 100 new requests: 50 under 0.1 s, 40 in (0.1, 0.5], 10 in (0.5, 1].
        var before = MetricsScrape.Parse(Exposition(0, 0, ("0.1", 0), ("0.5", 0), ("1", 0), ("+Inf", 0)), T0, SandboxNames);
        var after = MetricsScrape.Parse(Exposition(100, 0, ("0.1", 50), ("0.5", 90), ("1", 100), ("+Inf", 100)), T0.AddSeconds(1), SandboxNames);

        var window = MetricsWindow.Between(before, after)!;

        // rank 95 lies in (0.5, 1]: 0.5 + 0.5 × (95 - 90) / 10 = 0.75 s.
        Assert.Equal(0.75, window.Quantile(0.95)!.Value, 9);
        Assert.Equal(0.1, window.Quantile(0.5)!.Value, 9);
    }

    [Fact]
    public void A_rank_in_the_infinite_bucket_gives_the_highest_finite_bound_and_no_requests_give_none()
    {
        var before = MetricsScrape.Parse(Exposition(0, 0, ("1", 0), ("+Inf", 0)), T0, SandboxNames);
        var slow = MetricsScrape.Parse(Exposition(10, 0, ("1", 1), ("+Inf", 10)), T0.AddSeconds(1), SandboxNames);

        Assert.Equal(1, MetricsWindow.Between(before, slow)!.Quantile(0.95));
        Assert.Null(MetricsWindow.Between(before, before)!.Quantile(0.95));
    }

    [Fact]
    public void A_counter_that_went_backwards_means_a_restart_and_no_window()
    {
        var before = MetricsScrape.Parse(Exposition(1000, 0, ("+Inf", 1000)), T0, SandboxNames);
        var restarted = MetricsScrape.Parse(Exposition(12, 0, ("+Inf", 12)), T0.AddSeconds(30), SandboxNames);

        Assert.Null(MetricsWindow.Between(before, restarted));
    }

    [Fact]
    public void A_scrape_survives_the_round_trip_through_the_state_folder()
    {
        using var folder = new TempFolder();
        var scrape = MetricsScrape.Parse(Exposition(7, 1, ("0.5", 8), ("+Inf", 8)), T0, SandboxNames);
        var file = new StateFile<MetricsScrape.Kept>(folder.Path, "scrape.json");

        file.Write(scrape.ToKept());
        var back = MetricsScrape.FromKept(file.Read()!);

        Assert.Equal(scrape.Time, back.Time);
        Assert.Equal(scrape.RequestsByCode, back.RequestsByCode);
        Assert.Equal(scrape.Buckets, back.Buckets);
    }
}
