using System.Text.Json;
using System.Text.Json.Nodes;

namespace FrostGuard.Engine.Health;

/// <summary>
/// The webhook body for non-Ok health results, in Slack's incoming-webhook shape: a plain "text"
/// summary (what any Slack-compatible receiver shows) and one mrkdwn section block per result.
/// </summary>
public static class AlertMessage
{
    /// <summary>Slack rejects messages with more than 50 blocks.</summary>
    private const int MaxBlocks = 50;

    public static string Build(IReadOnlyList<FrostHealthResult> alerts, string deployment)
    {
        var counts = alerts.GroupBy(a => a.Status).OrderByDescending(g => g.Key == HealthStatus.Critical).ThenBy(g => g.Key)
            .Select(g => $"{g.Count()} {g.Key}");
        var summary = $"FrostGuard health of {deployment}: {string.Join(", ", counts)}";
        var blocks = new JsonArray
        {
            new JsonObject { ["type"] = "header", ["text"] = new JsonObject { ["type"] = "plain_text", ["text"] = Truncate(summary, 150) } },
        };
        foreach (var alert in alerts.OrderBy(a => Rank(a.Status)).Take(MaxBlocks - 2))
        {
            blocks.Add(new JsonObject
            {
                ["type"] = "section",
                ["text"] = new JsonObject
                {
                    ["type"] = "mrkdwn",
                    ["text"] = Truncate($"{Icon(alert.Status)} *{alert.Status}* {alert.Check} `{alert.Target}`\n{alert.Message}\n_threshold: {alert.Threshold}_", 3000),
                },
            });
        }

        if (alerts.Count > MaxBlocks - 2)
        {
            blocks.Add(new JsonObject { ["type"] = "context", ["elements"] = new JsonArray { new JsonObject { ["type"] = "mrkdwn", ["text"] = $"…and {alerts.Count - (MaxBlocks - 2)} more." } } });
        }

        var body = new JsonObject
        {
            ["text"] = summary + "\n" + string.Join("\n", alerts.OrderBy(a => Rank(a.Status)).Select(a => $"{a.Status}: {a.Check} {a.Target} — {a.Message}")),
            ["blocks"] = blocks,
        };
        return body.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }

    private static int Rank(HealthStatus status) => status switch { HealthStatus.Critical => 0, HealthStatus.Warning => 1, HealthStatus.Unknown => 2, _ => 3 };

    private static string Icon(HealthStatus status) => status switch
    {
        HealthStatus.Critical => ":red_circle:",
        HealthStatus.Warning => ":large_yellow_circle:",
        _ => ":white_circle:",
    };

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
