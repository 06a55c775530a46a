using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Health;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Tests.HealthChecks;

/// <summary>The probe and the verdict shared by Test-FrostHealth and Test-FrostCertificate, against a TLS server on 127.0.0.1 in this process.</summary>
public sealed class CertificateProbeTests
{
    private static X509Certificate2 SelfSigned(string name, TimeSpan validFor)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(name);
        request.CertificateExtensions.Add(names.Build());
        var now = DateTimeOffset.UtcNow;
        using var created = request.CreateSelfSigned(now.AddDays(-1), now.Add(validFor));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Serves one TLS handshake with the certificate, then probes it as the deployment would.</summary>
    private static async Task<(CertificateObservation Observation, FrostHealthResult Verdict)> ProbeAsync(X509Certificate2 served, string domain, bool trustIt)
    {
        using var folder = new TempFolder();
        var caFile = folder.Write("ca.pem", served.ExportCertificatePem());
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var server = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            await using var ssl = new SslStream(client.GetStream());
            try
            {
                await ssl.AuthenticateAsServerAsync(served);
            }
            catch (IOException)
            {
                // The client may close as soon as its handshake is done.
            }
        });
        try
        {
            var tls = new TlsSection { Domain = domain, Port = port, CaFile = trustIt ? caFile : null };
            var observation = await CertificateProbe.ProbeAsync(domain, port, new TlsTrust(tls), CancellationToken.None);
            var config = new FrostConfig
            {
                Project = new ProjectSection { Name = "p", Directory = folder.Path },
                Database = new DatabaseSection { Name = "d", User = "u", Password = new PasswordSource { EnvFileKey = "K" } },
                Tls = tls,
            };
            var context = new HealthContext(config, new ThresholdSet(DefaultThresholds.All()), folder.Path, NullReporter.Instance);
            return (observation, CertificateCheck.Judge(context, observation, context.Clock.GetTimestamp()));
        }
        finally
        {
            await server;
            listener.Stop();
        }
    }

    [Fact]
    public async Task ATrustedCertificateWithTwentyDaysLeftIsAWarning()
    {
        using var served = SelfSigned("localhost", TimeSpan.FromDays(20));

        var (observation, verdict) = await ProbeAsync(served, "localhost", trustIt: true);

        Assert.True(observation.Trusted);
        Assert.True(observation.HostnameMatches);
        Assert.Equal(served.Thumbprint, observation.Thumbprint);
        Assert.Contains("localhost", observation.DnsNames);
        Assert.Equal(HealthStatus.Warning, verdict.Status);
        Assert.InRange(verdict.Observed!.Value, 19.9, 20.0);
    }

    [Fact]
    public async Task ANameTheCertificateDoesNotHoldIsCriticalEvenWithItsCaTrusted()
    {
        using var served = SelfSigned("other.example", TimeSpan.FromDays(60));

        var (observation, verdict) = await ProbeAsync(served, "localhost", trustIt: true);

        Assert.False(observation.HostnameMatches);
        Assert.False(observation.Trusted);
        Assert.Equal(HealthStatus.Critical, verdict.Status);
        Assert.Contains("does not name this host", verdict.Message);
        Assert.InRange(verdict.Observed!.Value, 59.9, 60.0);
    }

    [Fact]
    public async Task AnUntrustedCertificateIsCriticalAndItsExpiryIsStillReported()
    {
        using var served = SelfSigned("localhost", TimeSpan.FromDays(5));

        var (observation, verdict) = await ProbeAsync(served, "localhost", trustIt: false);

        Assert.False(observation.Trusted);
        Assert.True(observation.HostnameMatches);
        Assert.Equal(HealthStatus.Critical, verdict.Status);
        Assert.Contains("not trusted", verdict.Message);
        Assert.NotNull(observation.NotAfterUtc);
    }
}
