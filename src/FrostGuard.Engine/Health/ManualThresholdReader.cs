using FrostGuard.Engine.Runbooks.Parsing;

namespace FrostGuard.Engine.Health;

/// <summary>
/// Finds the thresholds table (columns Metric, Warning, Critical) among the tables the runbook
/// parser keeps from a chapter of the manual, and hands its header and rows to
/// <see cref="ThresholdTable"/>.
/// </summary>
public static class ManualThresholdReader
{
    public const string ManualFile = "monitoring.md";

    /// <summary>The monitoring chapter under the configured manual path (a folder or the file itself), if it exists.</summary>
    public static string? Locate(string? manualPath)
    {
        if (string.IsNullOrWhiteSpace(manualPath))
        {
            return null;
        }

        var file = Directory.Exists(manualPath) ? Path.Combine(manualPath, ManualFile) : manualPath;
        return File.Exists(file) ? file : null;
    }

    public static IReadOnlyList<FrostThreshold> Read(string path)
    {
        string markdown;
        try
        {
            markdown = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FrostException(ErrorIds.ThresholdTableNotFound, FailureKind.NotFound,
                $"Cannot read the thresholds from {path}: {e.Message}", path,
                "Check the path (-Path, or manualPath in the configuration); without a manual the built-in thresholds apply.", e);
        }

        foreach (var table in RunbookParser.Parse(markdown, path).Tables)
        {
            if (!table.Header.Any(h => h.Equals("Metric", StringComparison.OrdinalIgnoreCase))
                || !table.Header.Any(h => h.Equals("Warning", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            var body = table.Rows.Select((cells, i) => new TableRow(cells.ToList(), table.RowLines[i])).ToList();
            return ThresholdTable.FromTable(table.Header.ToList(), body, path, table.Line);
        }

        throw new FrostException(ErrorIds.ThresholdTableNotFound, FailureKind.NotFound,
            $"{path} has no thresholds table (a pipe table with the columns Metric, Warning and Critical).", path,
            "Add the table to the file (see runbooks/monitoring.md in FrostGuard), or point -Path or manualPath elsewhere.");
    }
}
