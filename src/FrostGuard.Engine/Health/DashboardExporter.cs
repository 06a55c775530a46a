using System.Text.Json;
using System.Text.Json.Nodes;

namespace FrostGuard.Engine.Health;

/// <summary>
/// A Grafana dashboard (JSON model) with one time-series panel per metric of the thresholds
/// table, over the series Export-FrostHealthMetric writes, its warning and critical lines drawn
/// as thresholds (orange, red). "Less than" metrics (certificate days) colour downwards.
/// </summary>
public static class DashboardExporter
{
    public const string WarningColor = "orange";
    public const string CriticalColor = "red";
    public const string OkColor = "green";

    public static string Render(IReadOnlyList<FrostThreshold> thresholds, string project)
    {
        var panels = new JsonArray();
        var id = 1;
        foreach (var group in thresholds.GroupBy(t => t.Key).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var lines = group.ToList();
            var x = (id - 1) % 2 * 12;
            var y = (id - 1) / 2 * 8;
            panels.Add(new JsonObject
            {
                ["id"] = id,
                ["type"] = "timeseries",
                ["title"] = lines[0].Metric,
                ["description"] = "Thresholds: " + string.Join("; ", lines.OrderBy(t => t.Level).Select(t => $"{t} ({t.Source})")),
                ["gridPos"] = new JsonObject { ["h"] = 8, ["w"] = 12, ["x"] = x, ["y"] = y },
                ["datasource"] = new JsonObject { ["type"] = "prometheus", ["uid"] = "${datasource}" },
                ["targets"] = new JsonArray
                {
                    new JsonObject
                    {
                        ["refId"] = "A",
                        ["datasource"] = new JsonObject { ["type"] = "prometheus", ["uid"] = "${datasource}" },
                        ["expr"] = $"frostguard_health_observed{{{AlertRuleExporter.Selectors[group.Key]}}}",
                        ["legendFormat"] = "{{target}}",
                    },
                },
                ["fieldConfig"] = new JsonObject
                {
                    ["defaults"] = new JsonObject
                    {
                        ["unit"] = GrafanaUnit(lines[0].Unit),
                        ["thresholds"] = new JsonObject { ["mode"] = "absolute", ["steps"] = Steps(lines) },
                        ["custom"] = new JsonObject { ["thresholdsStyle"] = new JsonObject { ["mode"] = "line+area" } },
                    },
                    ["overrides"] = new JsonArray(),
                },
                ["options"] = new JsonObject
                {
                    ["legend"] = new JsonObject { ["displayMode"] = "list", ["placement"] = "bottom", ["showLegend"] = true },
                    ["tooltip"] = new JsonObject { ["mode"] = "multi", ["sort"] = "none" },
                },
            });
            id++;
        }

        panels.Add(VerdictPanel(id, "WAL archive verdict",
            "The WalArchive check's verdict per target (slot, archive folder): 0 Ok, 1 Warning (a gap), 2 Critical (slot missing or invalidated, no archiver, a damaged segment).",
            "frostguard_health_status{check=\"WalArchive\",target!=\"archive-lag\"}"));

        var dashboard = new JsonObject
        {
            ["uid"] = "frostguard-health",
            ["title"] = $"FrostGuard health — {project}",
            ["tags"] = new JsonArray("frostguard"),
            ["timezone"] = "browser",
            ["editable"] = true,
            ["graphTooltip"] = 1,
            ["refresh"] = "1m",
            ["schemaVersion"] = 39,
            ["version"] = 1,
            ["time"] = new JsonObject { ["from"] = "now-6h", ["to"] = "now" },
            ["templating"] = new JsonObject
            {
                ["list"] = new JsonArray
                {
                    new JsonObject { ["name"] = "datasource", ["label"] = "Prometheus", ["type"] = "datasource", ["query"] = "prometheus" },
                },
            },
            ["annotations"] = new JsonObject { ["list"] = new JsonArray() },
            ["panels"] = panels,
        };
        return dashboard.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>A time series of a check's verdict (0 Ok … 2 Critical) with the alert rules' colours.</summary>
    private static JsonObject VerdictPanel(int id, string title, string description, string expr) => new()
    {
        ["id"] = id,
        ["type"] = "timeseries",
        ["title"] = title,
        ["description"] = description,
        ["gridPos"] = new JsonObject { ["h"] = 8, ["w"] = 12, ["x"] = (id - 1) % 2 * 12, ["y"] = (id - 1) / 2 * 8 },
        ["datasource"] = new JsonObject { ["type"] = "prometheus", ["uid"] = "${datasource}" },
        ["targets"] = new JsonArray
        {
            new JsonObject
            {
                ["refId"] = "A",
                ["datasource"] = new JsonObject { ["type"] = "prometheus", ["uid"] = "${datasource}" },
                ["expr"] = expr,
                ["legendFormat"] = "{{target}}",
            },
        },
        ["fieldConfig"] = new JsonObject
        {
            ["defaults"] = new JsonObject
            {
                ["unit"] = "none",
                ["min"] = 0,
                ["max"] = 3,
                ["thresholds"] = new JsonObject
                {
                    ["mode"] = "absolute",
                    ["steps"] = new JsonArray(Step(OkColor, null), Step(WarningColor, 1), Step(CriticalColor, 2)),
                },
                ["custom"] = new JsonObject { ["thresholdsStyle"] = new JsonObject { ["mode"] = "line+area" } },
            },
            ["overrides"] = new JsonArray(),
        },
        ["options"] = new JsonObject
        {
            ["legend"] = new JsonObject { ["displayMode"] = "list", ["placement"] = "bottom", ["showLegend"] = true },
            ["tooltip"] = new JsonObject { ["mode"] = "multi", ["sort"] = "none" },
        },
    };

    /// <summary>Grafana's steps start at -∞ (value null) and go up: for "&gt;" lines green, orange, red; for "&lt;" lines red, orange, green.</summary>
    private static JsonArray Steps(List<FrostThreshold> lines)
    {
        var warning = lines.FirstOrDefault(t => t.Level == HealthStatus.Warning);
        var critical = lines.FirstOrDefault(t => t.Level == HealthStatus.Critical);
        var downwards = lines.All(t => t.Comparison is ThresholdComparison.LessThan or ThresholdComparison.LessThanOrEqual);
        var steps = new JsonArray();
        if (downwards)
        {
            steps.Add(Step(critical is null ? (warning is null ? OkColor : WarningColor) : CriticalColor, null));
            if (critical is not null && warning is not null)
            {
                steps.Add(Step(WarningColor, critical.Value));
            }

            if (warning is not null || critical is not null)
            {
                steps.Add(Step(OkColor, (warning ?? critical)!.Value));
            }
        }
        else
        {
            steps.Add(Step(OkColor, null));
            if (warning is not null)
            {
                steps.Add(Step(WarningColor, warning.Value));
            }

            if (critical is not null)
            {
                steps.Add(Step(CriticalColor, critical.Value));
            }
        }

        return steps;
    }

    private static JsonObject Step(string color, double? value) => new() { ["color"] = color, ["value"] = value is { } v ? JsonValue.Create(v) : null };

    private static string GrafanaUnit(string unit) => unit switch
    {
        "%" => "percent",
        "ms" => "ms",
        "s" => "s",
        "days" => "d",
        _ => "none",
    };
}
