namespace FrostGuard;

/// <summary>The TLS certificate a deployment serves, as seen in a real handshake (Test-FrostCertificate).</summary>
public sealed class FrostCertificate
{
    public required string Domain { get; init; }
    public int Port { get; init; }
    public HealthStatus Status { get; init; }
    public string? Subject { get; init; }
    public string? Issuer { get; init; }
    public DateTimeOffset? NotBefore { get; init; }
    public DateTimeOffset? NotAfter { get; init; }
    public double? DaysLeft { get; init; }
    /// <summary>The certificate names the host asked for (subjectAltName, else CN).</summary>
    public bool? HostnameMatches { get; init; }
    /// <summary>The chain leads to a root in the system store or in tls.caFile.</summary>
    public bool? ChainTrusted { get; init; }
    /// <summary>Subjects from the served certificate up to its root.</summary>
    public IReadOnlyList<string> Chain { get; init; } = [];
    public IReadOnlyList<string> DnsNames { get; init; } = [];
    public string? Thumbprint { get; init; }
    public string? Protocol { get; init; }
    /// <summary>The thresholds it was judged by (the health check's certificate-expiry lines).</summary>
    public required string Threshold { get; init; }
    public required string Message { get; init; }

    public override string ToString() => $"{Domain}:{Port}: {Status} — {Message}";
}

/// <summary>One item of Test-FrostSecurity: its verdict and why, and what to do when it is not Ok.</summary>
public sealed class FrostSecurityFinding
{
    /// <summary>Firewall, Fail2ban, Updates, SshPasswordLogin, EnvPermissions, Containers.</summary>
    public required string Check { get; init; }
    public required string Target { get; init; }
    public HealthStatus Status { get; init; }
    public required string Message { get; init; }
    /// <summary>The next step when the item is not Ok (a command, or what to install).</summary>
    public string? Hint { get; init; }
    /// <summary>Where the evidence came from: a command (run here, or recorded), a file, the Docker Engine.</summary>
    public string? Evidence { get; init; }
    /// <summary>Counts where the item has them: banned addresses per jail, pending updates.</summary>
    public IReadOnlyDictionary<string, int> Counts { get; init; } = new Dictionary<string, int>();

    public override string ToString() => $"{Check} {Target}: {Status} — {Message}";
}
