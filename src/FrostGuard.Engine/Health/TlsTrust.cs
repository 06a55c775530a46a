using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using FrostGuard.Engine.Configuration;

namespace FrostGuard.Engine.Health;

/// <summary>
/// Certificate validation for the deployment's own TLS endpoint: the system store, plus the CA
/// (or self-signed certificate) in tls.caFile when configured, as a custom root for this
/// connection only. Name mismatches always fail; nothing ever turns validation off.
/// </summary>
public sealed class TlsTrust
{
    private readonly X509Certificate2Collection _roots = [];

    public TlsTrust(TlsSection? tls)
    {
        CaFile = tls?.CaFile;
        if (CaFile is null)
        {
            return;
        }

        try
        {
            _roots.ImportFromPemFile(CaFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new FrostException(ErrorIds.ConfigInvalid, FailureKind.InvalidConfiguration,
                $"Cannot read the CA certificate tls.caFile {CaFile}: {e.Message}", CaFile,
                "Point tls.caFile at a readable PEM file holding the CA (or self-signed) certificate of the deployment.", e);
        }
    }

    public string? CaFile { get; }

    /// <summary>Why the last validation failed, for the message.</summary>
    public string? LastFailure { get; private set; }

    public bool Validate(X509Certificate? certificate, SslPolicyErrors errors)
    {
        LastFailure = null;
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            LastFailure = "the server sent no certificate";
            return false;
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            LastFailure = "the certificate does not name this host";
            return false;
        }

        if (_roots.Count == 0)
        {
            LastFailure = "the certificate chain is not trusted by the system store, and no tls.caFile is configured";
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        var valid = chain.Build(certificate as X509Certificate2 ?? new X509Certificate2(certificate));
        if (!valid)
        {
            LastFailure = $"the certificate chain does not lead to the CA in {CaFile}: "
                          + string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Distinct());
        }

        return valid;
    }
}
