using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

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
        var rule = context.Thresholds.Describe(MetricKeys.CertificateExpiry);
        if (context.Config.Tls is not { } tls)
        {
            return [context.Result(CheckName, "tls", HealthStatus.Unknown, $"No tls section in {context.Config.SourcePath}: no certificate to judge.", rule)];
        }

        var target = $"{tls.Domain}:{tls.Port}";
        var trust = new TlsTrust(tls);
        X509Certificate2? served = null;
        var trusted = false;
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(tls.Domain, tls.Port, cancellationToken).ConfigureAwait(false);
            await using var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false, (_, certificate, _, errors) =>
            {
                served = certificate is null ? null : new X509Certificate2(certificate);
                trusted = trust.Validate(certificate, errors);
                // Always finish the handshake: the expiry is worth reporting even when untrusted.
                return true;
            });
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = tls.Domain }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException or System.Security.Authentication.AuthenticationException)
        {
            return [context.Result(CheckName, target, HealthStatus.Critical, $"No TLS handshake with {target}: {e.Message}. Check the proxy: Get-FrostService proxy", rule,
                duration: context.Clock.GetElapsedTime(started))];
        }

        if (served is null)
        {
            return [context.Result(CheckName, target, HealthStatus.Critical, $"{target} sent no certificate.", rule, duration: context.Clock.GetElapsedTime(started))];
        }

        using (served)
        {
            var days = (served.NotAfter.ToUniversalTime() - context.Clock.GetUtcNow().UtcDateTime).TotalDays;
            var result = context.Judge(CheckName, target, MetricKeys.CertificateExpiry, days,
                $"{served.Subject} expires {served.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC, in", started);
            if (!trusted)
            {
                return [context.Result(CheckName, target, HealthStatus.Critical, $"{result.Message}; and it is not trusted: {trust.LastFailure}.", rule,
                    result.Observed, result.Unit, result.Duration)];
            }

            return [result];
        }
    }
}
