using System.Net;
using System.Text;
using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Fleet;

/// <summary>
/// The report of a fleet run: a hosts × steps grid (one row per host in wave order, one column
/// per main step of the runbook, each cell the step's status on that host as its journal copy
/// says), the run's summary on top. One self-contained HTML file (inline CSS, nothing fetched,
/// no script), or Markdown.
/// </summary>
public static class FleetReportWriter
{
    public static string Html(FrostFleetRun run, IReadOnlyList<(string Id, string Name)> steps)
    {
        var columns = Columns(run, steps);
        var page = new StringBuilder();
        page.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Fleet run ").Append(E(run.FleetRunId)).Append("</title>");
        page.Append("<style>").Append(Stylesheet).Append("</style></head><body>");
        page.Append("<h1>Fleet run ").Append(E(run.FleetRunId)).Append("</h1>");
        page.Append("<p id=\"fleet-status\" data-status=\"").Append(run.Status).Append("\">").Append(E(Path.GetFileName(run.Runbook)))
            .Append(": <strong>").Append(run.Status).Append("</strong></p>");
        page.Append("<ul class=\"summary\">");
        page.Append("<li>Hosts: ").Append(run.Hosts.Count).Append(" in ").Append(run.Waves).Append(" wave(s) (").Append(E(string.Join(", ", run.WaveSizes))).Append("); -MaxFailure ").Append(E(run.MaxFailure)).Append("</li>");
        page.Append("<li>Started ").Append(run.Started.ToString("u")).Append(run.Ended is { } ended ? ", ended " + ended.ToString("u") : ", not ended").Append("</li>");
        foreach (var status in Enum.GetValues<FleetHostStatus>())
        {
            var count = run.Hosts.Count(h => h.Status == status);
            if (count > 0)
            {
                page.Append("<li class=\"count\" data-status=\"").Append(status).Append("\">").Append(status).Append(": ").Append(count).Append("</li>");
            }
        }

        page.Append("</ul>");
        if (run.Message is { Length: > 0 } message)
        {
            page.Append("<p id=\"fleet-message\">").Append(E(message)).Append("</p>");
        }

        page.Append("<table id=\"grid\"><thead><tr><th>Wave</th><th>Host</th><th>Status</th>");
        foreach (var (id, name) in columns)
        {
            page.Append("<th data-step=\"").Append(E(id)).Append("\" title=\"").Append(E(name)).Append("\">").Append(E(id)).Append("</th>");
        }

        page.Append("<th>Run</th><th>Message</th></tr></thead><tbody>");
        foreach (var host in run.Hosts.OrderBy(h => h.Wave))
        {
            page.Append("<tr id=\"host-").Append(E(host.Host)).Append("\" data-status=\"").Append(host.Status).Append("\">");
            page.Append("<td>").Append(host.Wave).Append("</td><th scope=\"row\">").Append(E(host.Host)).Append("</th>");
            page.Append("<td class=\"status\" data-status=\"").Append(host.Status).Append("\">").Append(host.Status).Append("</td>");
            foreach (var (id, _) in columns)
            {
                var cell = CellOf(host, id);
                page.Append("<td id=\"cell-").Append(E(host.Host)).Append('-').Append(E(id)).Append("\" data-status=\"").Append(cell?.ToString() ?? "None").Append("\">")
                    .Append(cell?.ToString() ?? "–").Append("</td>");
            }

            page.Append("<td>").Append(E(host.RunId ?? "")).Append(host.UndoRunId is { } undo ? " (undone by " + E(undo) + ")" : "").Append("</td>");
            page.Append("<td>").Append(E(host.Message ?? "")).Append("</td></tr>");
        }

        page.Append("</tbody></table></body></html>");
        return page.ToString();
    }

    public static string Markdown(FrostFleetRun run, IReadOnlyList<(string Id, string Name)> steps)
    {
        var columns = Columns(run, steps);
        var text = new StringBuilder();
        text.Append("# Fleet run ").Append(run.FleetRunId).Append("\n\n");
        text.Append(Path.GetFileName(run.Runbook)).Append(": **").Append(run.Status).Append("**");
        if (run.Message is { Length: > 0 } message)
        {
            text.Append(" — ").Append(message);
        }

        text.Append("\n\n| Wave | Host | Status |").Append(string.Concat(columns.Select(c => $" {c.Id} |"))).Append('\n');
        text.Append("|---|---|---|").Append(string.Concat(columns.Select(_ => "---|"))).Append('\n');
        foreach (var host in run.Hosts.OrderBy(h => h.Wave))
        {
            text.Append("| ").Append(host.Wave).Append(" | ").Append(host.Host).Append(" | ").Append(host.Status).Append(" | ")
                .Append(string.Join(" | ", columns.Select(c => CellOf(host, c.Id)?.ToString() ?? "–"))).Append(" |\n");
        }

        return text.ToString();
    }

    /// <summary>The runbook's main steps, then any step a host's journal has that the runbook no longer does.</summary>
    private static List<(string Id, string Name)> Columns(FrostFleetRun run, IReadOnlyList<(string Id, string Name)> steps)
    {
        var columns = steps.ToList();
        foreach (var step in run.Hosts.SelectMany(h => h.Steps).Where(s => s.Phase == StepPhase.Main))
        {
            if (!columns.Any(c => c.Id.Equals(step.StepId, StringComparison.OrdinalIgnoreCase)))
            {
                columns.Add((step.StepId, step.StepName));
            }
        }

        return columns;
    }

    /// <summary>A step's status on a host: its rollback's when one ran (an undo's "no rollback" is not one: the effect stays), else its main result; null when it did not run there.</summary>
    private static StepStatus? CellOf(FrostFleetHostRun host, string stepId)
    {
        var results = host.Steps.Where(s => s.StepId.Equals(stepId, StringComparison.OrdinalIgnoreCase) && s.Phase != StepPhase.Finally).ToList();
        return results.LastOrDefault(s => s.Phase == StepPhase.Rollback && s.Status != StepStatus.Skipped)?.Status ?? results.LastOrDefault(s => s.Phase == StepPhase.Main)?.Status;
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private const string Stylesheet = """
        body{font-family:system-ui,sans-serif;margin:2rem;color:#1f2328}
        table{border-collapse:collapse;margin-top:1rem}th,td{border:1px solid #d0d7de;padding:.3rem .6rem;text-align:left;vertical-align:top}
        thead th{background:#f6f8fa}
        [data-status=Succeeded]{background:#dafbe1}[data-status=Failed],[data-status=TimedOut],[data-status=RollbackFailed]{background:#ffebe9}
        [data-status=RolledBack]{background:#fff8c5}[data-status=Unreachable],[data-status=Unhealthy]{background:#ffd8b5}
        [data-status=Pending],[data-status=None],[data-status=Skipped]{color:#656d76}[data-status=Running],[data-status=Incomplete]{background:#ddf4ff}
        .summary li.count{display:inline-block;margin-right:1rem;padding:0 .4rem}
        """;
}
