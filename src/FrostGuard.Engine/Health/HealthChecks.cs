namespace FrostGuard.Engine.Health;

/// <summary>The catalogue of checks, and selection by the names -Check takes (a check's own name or a result name it produces).</summary>
public static class HealthChecks
{
    public static IReadOnlyList<IHealthCheck> All() =>
    [
        new ContainersCheck(),
        new DatabaseCheck(),
        new DiskCheck(),
        new MemoryCheck(),
        new CpuCheck(),
        new HttpCheck(),
        new ApiMetricsCheck(),
        new CertificateCheck(),
        new BackupFreshnessCheck(),
        new WalArchiveCheck(),
    ];

    public static IReadOnlyList<string> Names => All().SelectMany(c => c.Produces).ToList();

    public static IReadOnlyList<IHealthCheck> Select(IReadOnlyCollection<string>? names) =>
        names is null || names.Count == 0
            ? All()
            : All().Where(c => names.Any(n => n.Equals(c.Name, StringComparison.OrdinalIgnoreCase)
                                               || c.Produces.Any(p => p.Equals(n, StringComparison.OrdinalIgnoreCase)))).ToList();
}
