using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace FrostGuard.Engine.Health;

/// <summary>What one TLS handshake showed: the served certificate, its chain, trust and name match.</summary>
public sealed record CertificateObservation
{
    public required string Domain { get; init; }
    public required int Port { get; init; }
    /// <summary>Why there was no handshake; null when there was one.</summary>
    public string? HandshakeFailure { get; init; }
    public string? Subject { get; init; }
    public string? Issuer { get; init; }
    public DateTime? NotBeforeUtc { get; init; }
    public DateTime? NotAfterUtc { get; init; }
    public string? Thumbprint { get; init; }
    public IReadOnlyList<string> DnsNames { get; init; } = [];
    public IReadOnlyList<string> Chain { get; init; } = [];
    public bool HostnameMatches { get; init; }
    public bool Trusted { get; init; }
    /// <summary>Why the certificate is not trusted (chain, name, none sent); null when trusted.</summary>
    public string? TrustFailure { get; init; }
    public string? Protocol { get; init; }
    public bool SentCertificate => Subject is not null;
}

/// <summary>
/// Connects to domain:port, completes a TLS handshake (SNI = domain) whatever the certificate,
/// and reports what was served; trust is judged by <see cref="TlsTrust"/> (system store plus
/// tls.caFile), never skipped. Shared by the health check and Test-FrostCertificate.
/// </summary>
public static class CertificateProbe
{
    public static async Task<CertificateObservation> ProbeAsync(string domain, int port, TlsTrust trust, CancellationToken cancellationToken)
    {
        X509Certificate2? served = null;
        List<string> chainSubjects = [];
        var trusted = false;
        var nameMismatch = false;
        string? trustFailure = null;
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(domain, port, cancellationToken).ConfigureAwait(false);
            await using var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false, (_, certificate, chain, errors) =>
            {
                served = certificate is null ? null : new X509Certificate2(certificate);
                chainSubjects = chain?.ChainElements.Select(e => e.Certificate.Subject).ToList() ?? [];
                nameMismatch = errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch);
                trusted = trust.Validate(certificate, errors);
                trustFailure = trust.LastFailure;
                // Always finish the handshake: the expiry is worth reporting even when untrusted.
                return true;
            });
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = domain }, cancellationToken).ConfigureAwait(false);
            var protocol = ssl.SslProtocol.ToString();
            if (served is null)
            {
                return new CertificateObservation { Domain = domain, Port = port, Protocol = protocol, TrustFailure = "the server sent no certificate" };
            }

            using (served)
            {
                return new CertificateObservation
                {
                    Domain = domain,
                    Port = port,
                    Protocol = protocol,
                    Subject = served.Subject,
                    Issuer = served.Issuer,
                    NotBeforeUtc = served.NotBefore.ToUniversalTime(),
                    NotAfterUtc = served.NotAfter.ToUniversalTime(),
                    Thumbprint = served.Thumbprint,
                    DnsNames = DnsNamesOf(served),
                    Chain = chainSubjects.Count > 0 ? chainSubjects : [served.Subject],
                    HostnameMatches = !nameMismatch,
                    Trusted = trusted,
                    TrustFailure = trusted ? null : trustFailure,
                };
            }
        }
        catch (Exception e) when (e is SocketException or IOException or AuthenticationException)
        {
            served?.Dispose();
            return new CertificateObservation { Domain = domain, Port = port, HandshakeFailure = e.Message };
        }
    }

    private static IReadOnlyList<string> DnsNamesOf(X509Certificate2 certificate)
    {
        var names = new List<string>();
        foreach (var extension in certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>())
        {
            names.AddRange(extension.EnumerateDnsNames());
            names.AddRange(extension.EnumerateIPAddresses().Select(a => a.ToString()));
        }

        return names;
    }
}
