using System.Globalization;
using System.Text.RegularExpressions;
using FrostGuard.Engine.Services;

namespace FrostGuard.Engine.Health;

/// <summary>One body row of a Markdown table: its cells and the line it is on (1-based).</summary>
public sealed record TableRow(IReadOnlyList<string> Cells, int Line);

/// <summary>
/// Turns a thresholds table (columns Metric, Warning, Critical; others ignored) into typed
/// thresholds. It takes a plain header and rows, so any table reader can feed it (the runbook
/// engine's tables, or <see cref="ManualThresholdReader"/> until then). Cells read like the manual:
/// "&gt; 70% sustained", "&gt; 500ms", "&lt; 7 days", "sustained 10m"; "-" or empty means no line at
/// that level. Anything else is an error naming the file and line.
/// </summary>
public static partial class ThresholdTable
{
    /// <summary>"sustained" with no window.</summary>
    public static readonly TimeSpan DefaultSustainedWindow = TimeSpan.FromMinutes(5);

    public static IReadOnlyList<FrostThreshold> FromTable(IReadOnlyList<string> header, IReadOnlyList<TableRow> rows, string sourceFile, int headerLine = 0)
    {
        var metric = Column(header, "Metric", sourceFile, headerLine);
        var warning = Column(header, "Warning", sourceFile, headerLine);
        var critical = Column(header, "Critical", sourceFile, headerLine);
        var thresholds = new List<FrostThreshold>();
        foreach (var row in rows)
        {
            var name = Cell(row, metric).Trim();
            if (name.Length == 0)
            {
                throw Invalid(sourceFile, row.Line, "the Metric cell is empty");
            }

            var key = MetricKeys.FromName(name)
                      ?? throw Invalid(sourceFile, row.Line, $"unknown metric '{name}'; FrostGuard judges CPU, memory, disk, API error rate, response time (p95), database connections, longest transaction, certificate expiry and replication lag");
            foreach (var (column, level) in new[] { (warning, HealthStatus.Warning), (critical, HealthStatus.Critical) })
            {
                if (ParseCell(Cell(row, column), name, key, level, $"{sourceFile}:{row.Line}") is { } threshold)
                {
                    thresholds.Add(threshold);
                }
            }
        }

        return thresholds;
    }

    /// <summary>One cell; null when it sets no line at this level.</summary>
    public static FrostThreshold? ParseCell(string cell, string metric, string key, HealthStatus level, string source)
    {
        var text = cell.Trim().Replace("**", "").Replace("`", "");
        if (text is "" or "-" or "—" or "–" or "n/a")
        {
            return null;
        }

        var match = CellPattern().Match(text);
        if (!match.Success)
        {
            throw Invalid(source, $"cannot read '{cell.Trim()}' for {metric} ({level}): write it like '> 70%', '> 500ms', '< 7 days' or '> 70% sustained 5m'");
        }

        var comparison = match.Groups["op"].Value switch
        {
            ">" => ThresholdComparison.GreaterThan,
            ">=" or "≥" => ThresholdComparison.GreaterThanOrEqual,
            "<" => ThresholdComparison.LessThan,
            _ => ThresholdComparison.LessThanOrEqual,
        };
        var value = double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
        var unit = match.Groups["unit"].Value.ToLowerInvariant();
        var expected = MetricKeys.Units[key];
        value = Convert(value, unit, expected)
                ?? throw Invalid(source, $"'{cell.Trim()}' for {metric} is in '{(unit.Length == 0 ? "no unit" : unit)}', but {metric} is measured in {expected}");

        TimeSpan? sustained = null;
        if (match.Groups["sustained"].Success)
        {
            var window = match.Groups["window"].Value;
            if (window.Length == 0)
            {
                sustained = DefaultSustainedWindow;
            }
            else if (DurationText.TryParse(window, out var parsed) && parsed > TimeSpan.Zero)
            {
                sustained = parsed;
            }
            else
            {
                throw Invalid(source, $"'{window}' after 'sustained' for {metric} is not a duration (5m, 90s, 1h)");
            }
        }

        return new FrostThreshold
        {
            Metric = metric,
            Key = key,
            Level = level,
            Comparison = comparison,
            Value = value,
            Unit = expected,
            Sustained = sustained,
            Source = source,
        };
    }

    /// <summary>The value in the metric's unit; null when the units do not measure the same thing.</summary>
    private static double? Convert(double value, string unit, string expected)
    {
        if (expected == "%")
        {
            return unit == "%" ? value : null;
        }

        var seconds = unit switch
        {
            "ms" => value / 1000,
            "s" or "sec" or "seconds" => value,
            "min" or "m" or "minutes" => value * 60,
            "h" or "hours" => value * 3600,
            "d" or "day" or "days" => value * 86400,
            "" => (double?)null,
            _ => null,
        };
        if (seconds is null)
        {
            // A bare number is taken in the metric's own unit.
            return unit == "" ? value : null;
        }

        return expected switch
        {
            "ms" => seconds * 1000,
            "s" => seconds,
            "days" => seconds / 86400,
            _ => null,
        };
    }

    private static int Column(IReadOnlyList<string> header, string name, string sourceFile, int headerLine)
    {
        for (var i = 0; i < header.Count; i++)
        {
            if (header[i].Trim().Replace("**", "").Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        throw Invalid(sourceFile, headerLine, $"the thresholds table has no '{name}' column (its columns: {string.Join(", ", header.Select(h => h.Trim()))})");
    }

    private static string Cell(TableRow row, int column) => column < row.Cells.Count ? row.Cells[column] : "";

    private static FrostException Invalid(string file, int line, string what) => Invalid($"{file}:{line}", what);

    private static FrostException Invalid(string source, string what) =>
        new(ErrorIds.ThresholdInvalid, FailureKind.InvalidData, $"{source}: {what}.", source,
            $"Fix that cell of the thresholds table in {source.Split(':')[0]}; Get-FrostThreshold -Path <file> shows what FrostGuard reads.");

    [GeneratedRegex(@"^(?<op>>=|<=|≥|≤|>|<)\s*(?<value>\d+(?:\.\d+)?)\s*(?<unit>%|ms|sec|seconds|s|minutes|min|m|hours|h|days|day|d)?\s*(?<sustained>sustained(?:\s+(?:for\s+)?(?<window>.+?))?)?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex CellPattern();
}
