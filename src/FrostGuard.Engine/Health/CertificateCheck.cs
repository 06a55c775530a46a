namespace FrostGuard.Engine.Health;

/// <summary>Days until the TLS certificate served for tls.domain:tls.port expires; an untrusted certificate is Critical.</summary>
public sealed class CertificateCheck : IHealthCheck
{
    public const string CheckName = "Certificate";

    public string Name => CheckName;
    public IReadOnlyList<string> Produces => [CheckName];

    public async Task<IReadOnlyList<FrostHealthResult>> RunAsync(HealthContext context, CancellationToken cancellationToken)
    {
        var started = context.Clock.GetTimestamp();
        if (context.Config.Tls is not { } tls)
        {
            return [context.Result(CheckName, "tls", HealthStatus.Unknown, $"No tls section in {context.Config.SourcePath}: no certificate to judge.",
                context.Thresholds.Describe(MetricKeys.CertificateExpiry))];
        }

        var observation = await CertificateProbe.ProbeAsync(tls.Domain, tls.Port, new TlsTrust(tls), cancellationToken).ConfigureAwait(false);
        return [Judge(context, observation, started)];
    }

    /// <summary>The verdict on one handshake: days left against the certificate-expiry thresholds; no handshake, no certificate or no trust is Critical.</summary>
    public static FrostHealthResult Judge(HealthContext context, CertificateObservation observation, long started)
    {
        var rule = context.Thresholds.Describe(MetricKeys.CertificateExpiry);
        var target = $"{observation.Domain}:{observation.Port}";
        if (observation.HandshakeFailure is { } failure)
        {
            return context.Result(CheckName, target, HealthStatus.Critical, $"No TLS handshake with {target}: {failure}. Check the proxy: Get-FrostService proxy", rule,
                duration: context.Clock.GetElapsedTime(started));
        }

        if (!observation.SentCertificate)
        {
            return context.Result(CheckName, target, HealthStatus.Critical, $"{target} sent no certificate.", rule, duration: context.Clock.GetElapsedTime(started));
        }

        var notAfter = observation.NotAfterUtc!.Value;
        var days = (notAfter - context.Clock.GetUtcNow().UtcDateTime).TotalDays;
        var result = context.Judge(CheckName, target, MetricKeys.CertificateExpiry, days,
            $"{observation.Subject} expires {notAfter:yyyy-MM-dd HH:mm} UTC, in", started);
        if (!observation.Trusted)
        {
            return context.Result(CheckName, target, HealthStatus.Critical, $"{result.Message}; and it is not trusted: {observation.TrustFailure}.", rule,
                result.Observed, result.Unit, result.Duration);
        }

        return result;
    }
}
