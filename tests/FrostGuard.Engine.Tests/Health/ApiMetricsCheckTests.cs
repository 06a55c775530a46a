using System.Net;
using System.Net.Sockets;
using System.Text;
using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Health;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Tests.HealthChecks;

/// <summary>ErrorRate and ResponseTime from a /metrics endpoint served on 127.0.0.1 in this process.</summary>
public sealed class ApiMetricsCheckTests
{
    /// <summary>
    /// A backend that is not the sandbox's: its own names carry the traffic (10 of 100 requests
    /// 5xx, all under 0.1 s), and series under the sandbox's names say something else entirely.
    /// </summary>
    private const string ShopExposition = """
        # TYPE shop_requests_total counter
        shop_requests_total{code="200"} 90
        shop_requests_total{code="500"} 10
        # TYPE shop_request_seconds histogram
        shop_request_seconds_bucket{le="0.1"} 100
        shop_request_seconds_bucket{le="+Inf"} 100
        shop_request_seconds_count 100
        # TYPE frostguard_http_requests_total counter
        frostguard_http_requests_total{code="200"} 1000
        # TYPE frostguard_http_request_duration_seconds histogram
        frostguard_http_request_duration_seconds_bucket{le="5"} 0
        frostguard_http_request_duration_seconds_bucket{le="+Inf"} 1000
        """;

    [Fact]
    public async Task The_metric_names_configured_in_health_metricNames_are_the_ones_scraped()
    {
        using var folder = new TempFolder();
        using var server = new MetricsServer(ShopExposition);
        var config = ConfigLoader.Load(folder.Write("frostguard.json", $$"""
            {
              "project": { "name": "shop", "directory": "deploy" },
              "database": { "name": "shop", "user": "shop", "password": { "envFileKey": "POSTGRES_PASSWORD" } },
              "health": {
                "metricsUrl": "{{server.Url}}",
                "metricNames": { "requests": "shop_requests_total", "requestDuration": "shop_request_seconds" }
              }
            }
            """));
        // A scrape kept from 30 s ago with no requests yet: the window is this one scrape's counters.
        new StateFile<MetricsScrape.Kept>(folder.Path, "metrics-scrape.json")
            .Write(new MetricsScrape.Kept(DateTimeOffset.UtcNow.AddSeconds(-30), new Dictionary<string, double>(), new Dictionary<string, double>()));
        var context = new HealthContext(config, new ThresholdSet(DefaultThresholds.All()), folder.Path, NullReporter.Instance);

        var results = await new ApiMetricsCheck().RunAsync(context, CancellationToken.None);

        Assert.Equal(10.0, results.Single(r => r.Check == ApiMetricsCheck.ErrorRateName).Observed);
        // p95 of 100 requests all in (0, 0.1]: 0.1 × 95 / 100 s.
        Assert.Equal(95.0, results.Single(r => r.Check == ApiMetricsCheck.ResponseTimeName).Observed);
    }

    /// <summary>Answers every GET with the exposition until disposed.</summary>
    private sealed class MetricsServer : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _serving;

        public MetricsServer(string exposition)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Url = $"http://127.0.0.1:{port}/metrics";
            _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            _listener.Start();
            var body = Encoding.UTF8.GetBytes(exposition.ReplaceLineEndings("\n") + "\n");
            _serving = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext request;
                    try
                    {
                        request = await _listener.GetContextAsync();
                    }
                    catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                    {
                        return; // stopped by Dispose
                    }

                    request.Response.ContentType = "text/plain; version=0.0.4";
                    await request.Response.OutputStream.WriteAsync(body);
                    request.Response.Close();
                }
            });
        }

        public string Url { get; }

        public void Dispose()
        {
            _listener.Stop();
            _serving.Wait(TimeSpan.FromSeconds(5));
            _listener.Close();
        }
    }
}
