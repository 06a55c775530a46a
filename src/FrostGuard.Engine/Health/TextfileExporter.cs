using System.Globalization;
using System.Text;

namespace FrostGuard.Engine.Health;

/// <summary>
/// Health results in the Prometheus text format for node_exporter's textfile collector, written
/// atomically: a temporary file in the same folder (not ending in .prom, so the collector never
/// reads it half-written), then a rename over the target.
/// </summary>
public static class TextfileExporter
{
    public static string Render(IEnumerable<FrostHealthResult> results, DateTimeOffset now)
    {
        // One series per check and target: a repeated pair (which the collector would reject) keeps the last.
        var unique = results.GroupBy(r => (r.Check, r.Target)).Select(g => g.Last()).OrderBy(r => r.Check, StringComparer.Ordinal).ThenBy(r => r.Target, StringComparer.Ordinal).ToList();
        var text = new StringBuilder();
        text.Append("# HELP frostguard_health_status Verdict of a FrostGuard health check: 0 Ok, 1 Warning, 2 Critical, 3 Unknown.\n");
        text.Append("# TYPE frostguard_health_status gauge\n");
        foreach (var r in unique)
        {
            text.Append(CultureInfo.InvariantCulture, $"frostguard_health_status{{check=\"{Escape(r.Check)}\",target=\"{Escape(r.Target)}\",status=\"{r.Status}\"}} {(int)r.Status}\n");
        }

        text.Append("# HELP frostguard_health_observed The value a FrostGuard health check observed, in the unit label.\n");
        text.Append("# TYPE frostguard_health_observed gauge\n");
        foreach (var r in unique.Where(r => r.Observed is not null))
        {
            text.Append(CultureInfo.InvariantCulture, $"frostguard_health_observed{{check=\"{Escape(r.Check)}\",target=\"{Escape(r.Target)}\",unit=\"{Escape(r.Unit ?? "")}\"}} {Number(r.Observed!.Value)}\n");
        }

        text.Append("# HELP frostguard_health_check_duration_seconds How long the health check took.\n");
        text.Append("# TYPE frostguard_health_check_duration_seconds gauge\n");
        foreach (var r in unique)
        {
            text.Append(CultureInfo.InvariantCulture, $"frostguard_health_check_duration_seconds{{check=\"{Escape(r.Check)}\",target=\"{Escape(r.Target)}\"}} {Number(r.Duration.TotalSeconds)}\n");
        }

        text.Append("# HELP frostguard_health_last_run_timestamp_seconds When these results were written (Unix time).\n");
        text.Append("# TYPE frostguard_health_last_run_timestamp_seconds gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"frostguard_health_last_run_timestamp_seconds {now.ToUnixTimeMilliseconds() / 1000.0:0.###}\n");
        return text.ToString();
    }

    public static void WriteAtomically(string path, string content)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full) ?? "/";
        if (!Directory.Exists(folder))
        {
            throw new FrostException(ErrorIds.ExportFailed, FailureKind.NotFound, $"Cannot write {full}: the folder {folder} does not exist.", full,
                "Create the folder (for node_exporter, its --collector.textfile.directory) or pass another -Path.");
        }

        var temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                var bytes = new UTF8Encoding(false).GetBytes(content);
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(temp);
            throw new FrostException(ErrorIds.ExportFailed, FailureKind.PermissionDenied, $"Cannot write {full}: {e.Message}", full,
                "Check that this user may write to the folder, and that there is space on its filesystem.", e);
        }
    }

    /// <summary>Label values escape backslash, double quote and line feed (exposition format 0.0.4).</summary>
    public static string Escape(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

    private static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : double.IsNaN(value) ? "NaN" : value.ToString("R", CultureInfo.InvariantCulture);
}
