using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Health;

namespace FrostGuard.Engine.Tests.HealthChecks;

public sealed class MetricsScrapeTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-11-26T21:00:00Z");

    private const string TwoBackends = """
        frostguard_http_requests_total{code="200"} 1000
        frostguard_http_request_duration_seconds_bucket{le="+Inf"} 1000
        shop_requests_total{method="GET",code="200"} 7
        shop_requests_total{method="POST",code="200"} 2
        shop_requests_total{method="GET",code="503"} 1
        shop_request_seconds_bucket{le="0.25"} 6
        shop_request_seconds_bucket{le="+Inf"} 10
        """;

    [Fact]
    public void The_sandbox_backends_names_are_read_by_default()
    {
        var scrape = MetricsScrape.Parse(TwoBackends, T0, new MetricNamesSection());

        Assert.Equal(1000, scrape.TotalRequests);
        Assert.Equal(1000, scrape.Buckets[double.PositiveInfinity]);
    }

    [Fact]
    public void A_configured_name_is_the_one_scraped_and_the_default_names_are_then_ignored()
    {
        var scrape = MetricsScrape.Parse(TwoBackends, T0, new MetricNamesSection { Requests = "shop_requests_total", RequestDuration = "shop_request_seconds" });

        Assert.Equal(10, scrape.TotalRequests); // series of one code but other labels add up
        Assert.Equal(1, scrape.ServerErrors);
        Assert.Equal([0.25, double.PositiveInfinity], scrape.Buckets.Keys);
        Assert.Equal(10, scrape.Buckets[double.PositiveInfinity]);
    }
}
