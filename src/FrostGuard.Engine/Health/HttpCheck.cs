using System.Net;

namespace FrostGuard.Engine.Health;

/// <summary>
/// The health URL (through the TLS proxy) answers 200; its answer time is judged by the response
/// time lines. The certificate is validated against the system store and tls.caFile.
/// </summary>
public sealed class HttpCheck : IHealthCheck
{
    public const string CheckName = "Http";
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(8);

    public string Name => CheckName;
    public IReadOnlyList<string> Produces => [CheckName];

    public async Task<IReadOnlyList<FrostHealthResult>> RunAsync(HealthContext context, CancellationToken cancellationToken)
    {
        var started = context.Clock.GetTimestamp();
        var url = context.Config.Health.HealthUrl;
        var rule = "200 OK; " + string.Join("; ", context.Thresholds.For(MetricKeys.ResponseTimeP95).Where(t => t.Level == HealthStatus.Critical));
        if (url is null)
        {
            return [context.Result(CheckName, "health URL", HealthStatus.Unknown,
                $"No health.healthUrl in {context.Config.SourcePath}: nothing to ask.", rule)];
        }

        var trust = new TlsTrust(context.Config.Tls);
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, errors) => trust.Validate(certificate, errors),
            AllowAutoRedirect = false,
        };
        using var client = new HttpClient(handler) { Timeout = RequestTimeout };
        try
        {
            using var response = await client.GetAsync(url, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            var elapsed = context.Clock.GetElapsedTime(started);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                return [context.Result(CheckName, url, HealthStatus.Critical,
                    $"{url} answered {(int)response.StatusCode} {response.ReasonPhrase} in {elapsed.TotalMilliseconds:F0} ms: {Shorten(body)}. Read Get-FrostLog -Name backend -Tail 50",
                    rule, elapsed.TotalMilliseconds, "ms", elapsed)];
            }

            // One request is not a p95: it is judged by the Critical line only (connection set-up
            // and a cold process make single answers noisy); ResponseTime judges the p95 line.
            var critical = context.Thresholds.For(MetricKeys.ResponseTimeP95).Where(t => t.Level == HealthStatus.Critical).ToList();
            var crossed = critical.FirstOrDefault(t => t.IsCrossedBy(elapsed.TotalMilliseconds));
            return [context.Result(CheckName, url, crossed is null ? HealthStatus.Ok : HealthStatus.Critical,
                $"200 OK in {elapsed.TotalMilliseconds:F0} ms" + (crossed is null ? "." : $", {crossed.Symbol} {crossed.Value:0} ms ({crossed.Source})."),
                "200 OK; " + (critical.Count == 0 ? "no time limit" : string.Join("; ", critical)), elapsed.TotalMilliseconds, "ms", elapsed)];
        }
        catch (HttpRequestException e)
        {
            var why = trust.LastFailure is { } tls ? $"TLS: {tls}" : Innermost(e).Message;
            return [context.Result(CheckName, url, HealthStatus.Critical, $"{url} did not answer: {why}.", rule,
                duration: context.Clock.GetElapsedTime(started))];
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return [context.Result(CheckName, url, HealthStatus.Critical, $"{url} did not answer within {RequestTimeout.TotalSeconds:F0} s.", rule,
                duration: context.Clock.GetElapsedTime(started))];
        }
    }

    private static string Shorten(string body)
    {
        var flat = body.ReplaceLineEndings(" ").Trim();
        return flat.Length > 200 ? flat[..200] + "…" : flat;
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }
}
