using FrostGuard.Engine.Platform.Reporting;
namespace FrostGuard.Engine.Health;

/// <summary>
/// Where a health run's thresholds come from: an explicit table file, else the monitoring
/// chapter of the configured manual, else the built-in defaults. A table replaces the built-in
/// lines metric by metric.
/// </summary>
public static class ThresholdSource
{
    public static IReadOnlyList<FrostThreshold> Resolve(string? explicitPath, string? manualPath, IFrostReporter reporter)
    {
        if (explicitPath is not null)
        {
            if (!File.Exists(explicitPath) && !Directory.Exists(explicitPath))
            {
                throw new FrostException(ErrorIds.ThresholdTableNotFound, FailureKind.NotFound,
                    $"No thresholds file at {explicitPath}.", explicitPath, "Pass the path of a Markdown file with a Metric | Warning | Critical table, e.g. runbooks/monitoring.md.");
            }

            var file = ManualThresholdReader.Locate(explicitPath) ?? explicitPath;
            reporter.Verbose($"Thresholds from {file}.");
            return DefaultThresholds.Merge(ManualThresholdReader.Read(file));
        }

        if (ManualThresholdReader.Locate(manualPath) is { } manual)
        {
            reporter.Verbose($"Thresholds from the manual: {manual}.");
            return DefaultThresholds.Merge(ManualThresholdReader.Read(manual));
        }

        reporter.Verbose($"No {ManualThresholdReader.ManualFile} under manualPath ({manualPath ?? "not configured"}): built-in thresholds.");
        return DefaultThresholds.All();
    }
}
