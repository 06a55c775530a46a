using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Health;

namespace FrostGuard.Engine.Tests.HealthChecks;

public sealed class PrometheusQueryTests
{
    private const string Url = "http://127.0.0.1:59093";

    [Fact]
    public void The_queries_name_the_backends_metrics_and_the_window()
    {
        Assert.Equal("(sum(rate(frostguard_http_requests_total{code=~\"5..\"}[5m])) or vector(0)) / sum(rate(frostguard_http_requests_total[5m])) * 100", PrometheusQuery.ErrorRate(new MetricNamesSection(), "5m"));
        Assert.Equal("histogram_quantile(0.95, sum by (le) (rate(frostguard_http_request_duration_seconds_bucket[10m]))) * 1000", PrometheusQuery.P95(new MetricNamesSection(), "10m"));
        Assert.Equal("5m", PrometheusQuery.Window(TimeSpan.FromMinutes(5)));
        Assert.Equal("90s", PrometheusQuery.Window(TimeSpan.FromSeconds(90)));
        Assert.Equal("1h", PrometheusQuery.Window(TimeSpan.FromHours(1)));
    }

    [Fact]
    public void The_queries_name_the_configured_metrics()
    {
        var names = new MetricNamesSection { Requests = "shop_requests_total", RequestDuration = "shop_request_seconds" };
        Assert.Equal("(sum(rate(shop_requests_total{code=~\"5..\"}[5m])) or vector(0)) / sum(rate(shop_requests_total[5m])) * 100", PrometheusQuery.ErrorRate(names, "5m"));
        Assert.Equal("sum(increase(shop_requests_total[5m]))", PrometheusQuery.Requests(names, "5m"));
        Assert.Equal("histogram_quantile(0.95, sum by (le) (rate(shop_request_seconds_bucket[5m]))) * 1000", PrometheusQuery.P95(names, "5m"));
    }

    [Fact]
    public void The_window_is_the_longest_sustained_window_of_the_metrics_lines_else_five_minutes()
    {
        Assert.Equal(TimeSpan.FromMinutes(5), ApiMetricsCheck.PromQlWindow(new ThresholdSet(DefaultThresholds.All()), MetricKeys.ErrorRate));
        var manual = ThresholdTable.FromTable(["Metric", "Warning", "Critical"], [new TableRow(["API Error Rate", "> 1% sustained 10m", "> 5%"], 3)], "m.md", 1);
        Assert.Equal(TimeSpan.FromMinutes(10), ApiMetricsCheck.PromQlWindow(new ThresholdSet(DefaultThresholds.Merge(manual)), MetricKeys.ErrorRate));
    }

    [Fact]
    public void A_vector_with_one_sample_gives_its_value()
    {
        var answer = PrometheusQuery.Parse(Url, "q", """{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1795000000.5,"9.75"]}]}}""");
        Assert.Equal(9.75, answer.Value);
        Assert.Null(answer.Problem);
    }

    [Theory]
    [InlineData("""{"status":"success","data":{"resultType":"vector","result":[]}}""", "has no series")]
    [InlineData("""{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"NaN"]}]}}""", "NaN (no requests in the window)")]
    [InlineData("""{"status":"error","errorType":"bad_data","error":"parse error at char 5"}""", "rejected the query: parse error at char 5")]
    [InlineData("<html>502</html>", "not JSON")]
    public void No_series_NaN_an_error_or_garbage_give_the_reason_and_no_value(string body, string reason)
    {
        var answer = PrometheusQuery.Parse(Url, "q", body);
        Assert.Null(answer.Value);
        Assert.Contains(reason, answer.Problem);
    }

    [Fact]
    public async Task An_unreachable_server_gives_the_reason_and_no_value()
    {
        // A port on 127.0.0.1 that nothing listens on: bound, then released.
        var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var answer = await PrometheusQuery.QueryAsync($"http://127.0.0.1:{port}", "up", CancellationToken.None);
        Assert.Null(answer.Value);
        Assert.Contains("is not reachable", answer.Problem);
    }
}
