namespace FrostGuard.Engine.Health;

/// <summary>
/// The metrics FrostGuard judges, each with the canonical key the checks use, the unit its
/// values are kept in, and how the manual may name it ("CPU Usage", "Response Time (p95)").
/// </summary>
public static class MetricKeys
{
    public const string Cpu = "cpu";
    public const string Memory = "memory";
    public const string Disk = "disk";
    public const string ErrorRate = "error-rate";
    public const string ResponseTimeP95 = "response-time-p95";
    public const string DatabaseConnections = "database-connections";
    public const string LongestTransaction = "longest-transaction";
    public const string CertificateExpiry = "certificate-expiry";
    public const string ReplicationLag = "replication-lag";
    public const string WalArchiveLag = "wal-archive-lag";

    /// <summary>Key → the unit thresholds are converted to.</summary>
    public static readonly IReadOnlyDictionary<string, string> Units = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Cpu] = "%",
        [Memory] = "%",
        [Disk] = "%",
        [ErrorRate] = "%",
        [ResponseTimeP95] = "ms",
        [DatabaseConnections] = "%",
        [LongestTransaction] = "s",
        [CertificateExpiry] = "days",
        [ReplicationLag] = "s",
        [WalArchiveLag] = "s",
    };

    /// <summary>The key for a metric name as a person writes it; null when FrostGuard does not know it.</summary>
    public static string? FromName(string name)
    {
        var n = name.ToLowerInvariant();
        return n switch
        {
            _ when n.Contains("archiv") => WalArchiveLag,
            _ when n.Contains("replica") || n.Contains("lag") => ReplicationLag,
            _ when n.Contains("cpu") => Cpu,
            _ when n.Contains("memory") => Memory,
            _ when n.Contains("disk") => Disk,
            _ when n.Contains("error") => ErrorRate,
            _ when n.Contains("response") || n.Contains("p95") || n.Contains("latency") => ResponseTimeP95,
            _ when n.Contains("connection") => DatabaseConnections,
            _ when n.Contains("transaction") => LongestTransaction,
            _ when n.Contains("certificate") || n.Contains("tls") => CertificateExpiry,
            _ => null,
        };
    }
}
