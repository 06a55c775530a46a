using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Health;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// A real TLS handshake with the deployment's endpoint: the served certificate, its chain, trust
/// (system store plus tls.caFile), hostname match, expiry and days left, judged by the same
/// certificate-expiry thresholds as Test-FrostHealth's Certificate check.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "FrostCertificate")]
[OutputType(typeof(FrostCertificate))]
public sealed class TestFrostCertificateCommand : FrostCmdlet
{
    /// <summary>The host name to connect to and expect in the certificate; default tls.domain.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Domain { get; set; }

    /// <summary>The TLS port; default tls.port (443 when the configuration has no tls section).</summary>
    [Parameter(Position = 1)]
    [ValidateRange(1, 65535)]
    public int Port { get; set; }

    protected override void EndProcessing()
    {
        var session = Session;
        var configured = session.Config.Tls;
        var domain = Domain ?? configured?.Domain;
        if (domain is null)
        {
            ThrowFrostError(new FrostException(ErrorIds.CertificateTargetMissing, FailureKind.InvalidConfiguration,
                $"No -Domain given and no tls section in {session.Config.SourcePath}: there is no endpoint to test.", session.Config.SourcePath,
                "Pass -Domain (and -Port), or add \"tls\": { \"domain\": …, \"port\": … } to the configuration."));
            return;
        }

        var tls = new TlsSection { Domain = domain, Port = MyInvocation.BoundParameters.ContainsKey(nameof(Port)) ? Port : configured?.Port ?? 443, CaFile = configured?.CaFile };
        try
        {
            var report = Await(async (reporter, ct) =>
            {
                var thresholds = new ThresholdSet(ThresholdSource.Resolve(null, session.Config.ManualPath, reporter));
                var context = new HealthContext(session.Config with { Tls = tls }, thresholds, session.StateFolder, reporter);
                var started = context.Clock.GetTimestamp();
                reporter.Verbose($"TLS handshake with {tls.Domain}:{tls.Port}{(tls.CaFile is null ? "" : $", trusting also {tls.CaFile}")}.");
                var observation = await CertificateProbe.ProbeAsync(tls.Domain, tls.Port, new TlsTrust(tls), ct).ConfigureAwait(false);
                var verdict = CertificateCheck.Judge(context, observation, started);
                return new FrostCertificate
                {
                    Domain = tls.Domain,
                    Port = tls.Port,
                    Status = verdict.Status,
                    Subject = observation.Subject,
                    Issuer = observation.Issuer,
                    NotBefore = observation.NotBeforeUtc is { } nb ? new DateTimeOffset(nb, TimeSpan.Zero) : null,
                    NotAfter = observation.NotAfterUtc is { } na ? new DateTimeOffset(na, TimeSpan.Zero) : null,
                    DaysLeft = verdict.Observed,
                    HostnameMatches = observation.SentCertificate ? observation.HostnameMatches : null,
                    ChainTrusted = observation.SentCertificate ? observation.Trusted : null,
                    Chain = observation.Chain,
                    DnsNames = observation.DnsNames,
                    Thumbprint = observation.Thumbprint,
                    Protocol = observation.Protocol,
                    Threshold = verdict.Threshold,
                    Message = verdict.Message,
                };
            });
            WriteObject(report);
        }
        catch (FrostException e)
        {
            ThrowFrostError(e);
        }
    }
}
