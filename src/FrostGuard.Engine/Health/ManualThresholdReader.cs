using Markdig;
using Markdig.Syntax;
using Markdig.Extensions.Tables;
using MarkdigRow = Markdig.Extensions.Tables.TableRow;

namespace FrostGuard.Engine.Health;

/// <summary>
/// Finds the thresholds table (columns Metric, Warning, Critical) in a Markdown file of the
/// manual and hands its header and rows to <see cref="ThresholdTable"/>. A stand-in until the
/// runbook engine (FrostGuard.Engine.Runbooks, being written on main) exposes each section's
/// tables: only this file changes when it does.
/// </summary>
public static class ManualThresholdReader
{
    public const string ManualFile = "monitoring.md";

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UsePipeTables().UseYamlFrontMatter().Build();

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

        var document = Markdown.Parse(markdown, Pipeline);
        foreach (var table in document.Descendants<Table>())
        {
            var rows = table.OfType<MarkdigRow>().ToList();
            var headerRow = rows.FirstOrDefault(r => r.IsHeader);
            if (headerRow is null)
            {
                continue;
            }

            var header = Cells(markdown, headerRow);
            if (!header.Any(h => h.Equals("Metric", StringComparison.OrdinalIgnoreCase))
                || !header.Any(h => h.Equals("Warning", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            var body = rows.Where(r => !r.IsHeader).Select(r => new TableRow(Cells(markdown, r), r.Line + 1)).ToList();
            return ThresholdTable.FromTable(header, body, path, headerRow.Line + 1);
        }

        throw new FrostException(ErrorIds.ThresholdTableNotFound, FailureKind.NotFound,
            $"{path} has no thresholds table (a pipe table with the columns Metric, Warning and Critical).", path,
            "Add the table to the file (see runbooks/monitoring.md in FrostGuard), or point -Path or manualPath elsewhere.");
    }

    private static List<string> Cells(string markdown, MarkdigRow row) =>
        row.OfType<TableCell>().Select(c => markdown.Substring(c.Span.Start, c.Span.Length).Trim().Trim('|').Trim()).ToList();
}
