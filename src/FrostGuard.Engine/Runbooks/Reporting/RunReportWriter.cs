using System.Globalization;
using System.Text;
using FrostGuard.Engine.Runbooks.Parsing;
using FrostGuard.Runbooks;
using Markdig;
using Markdig.Renderers;
using Markdig.Renderers.Html;

namespace FrostGuard.Engine.Runbooks.Reporting;

/// <summary>
/// A run report people would rather look at than read: the runbook rendered by Markdig, each
/// step annotated with its status, duration and output, failures and rollbacks highlighted,
/// checklist results ticked, the run's summary on top. One self-contained HTML file (inline CSS,
/// no scripts, nothing fetched), or Markdown.
/// </summary>
public static class RunReportWriter
{
    private const int CollapseAbove = 20;

    /// <param name="checks">Checklist outcomes by item text: true passed, false failed; absent when not run.</param>
    public static string Html(FrostRunbookRun run, string markdown, IReadOnlyDictionary<string, bool>? checks = null)
    {
        var runbook = RunbookParser.Parse(markdown, run.Runbook);
        var byStep = run.Steps.GroupBy(s => s.StepId, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.OrdinalIgnoreCase);
        var stepsByLine = runbook.Steps.ToDictionary(s => s.Line);

        var document = Markdig.Markdown.Parse(markdown, RunbookParser.MarkdownPipeline);
        using var body = new StringWriter(CultureInfo.InvariantCulture);
        var renderer = new HtmlRenderer(body);
        RunbookParser.MarkdownPipeline.Setup(renderer);
        renderer.ObjectRenderers.Replace<CodeBlockRenderer>(new AnnotatedCodeBlockRenderer(line =>
            stepsByLine.TryGetValue(line, out var step) && byStep.TryGetValue(step.Id, out var results) ? Annotation(results) : null));
        renderer.Render(document);
        var html = body.ToString();
        if (checks is not null)
        {
            html = TickChecklist(html, runbook, checks);
        }

        var page = new StringBuilder();
        page.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        page.Append(CultureInfo.InvariantCulture, $"<title>{E(runbook.Title)} — run {E(run.RunId)}</title>");
        page.Append("<style>").Append(Stylesheet).Append("</style></head><body>");
        page.Append(Summary(run, runbook, checks));
        page.Append("<main class=\"runbook\">").Append(html).Append("</main></body></html>\n");
        return page.ToString();
    }

    public static string MarkdownText(FrostRunbookRun run, IReadOnlyDictionary<string, bool>? checks = null)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"# Run {run.RunId}: {run.Status}\n\n");
        text.Append(CultureInfo.InvariantCulture, $"- Runbook: `{run.Runbook}`\n- Started: {run.Started:u}\n- Duration: {run.Duration?.TotalSeconds:0.0} s\n");
        if (run.ResumedFrom is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"- Resumed from: {run.ResumedFrom}\n");
        }

        text.Append("\n| Step | Phase | Status | Duration | Detail |\n|------|-------|--------|----------|--------|\n");
        foreach (var step in run.Steps)
        {
            var detail = (step.Error ?? step.Message ?? "").Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
            text.Append(CultureInfo.InvariantCulture, $"| {step.StepId} | {step.Phase} | **{step.Status}** | {step.Duration.TotalSeconds:0.0} s | {detail} |\n");
        }

        if (checks is { Count: > 0 })
        {
            text.Append("\n## Checklist\n\n");
            foreach (var (item, passed) in checks)
            {
                text.Append(CultureInfo.InvariantCulture, $"- [{(passed ? "x" : " ")}] {item}{(passed ? "" : " — **failed**")}\n");
            }
        }

        foreach (var step in run.Steps.Where(s => s.Output.Length > 0))
        {
            text.Append(CultureInfo.InvariantCulture, $"\n## {step.StepId} ({step.Phase}, {step.Status})\n\n```text\n{step.Output.TrimEnd()}\n```\n");
        }

        return text.ToString();
    }

    private static string Summary(FrostRunbookRun run, FrostRunbook runbook, IReadOnlyDictionary<string, bool>? checks)
    {
        var counts = run.Steps.GroupBy(s => s.Status).OrderBy(g => g.Key).Select(g => $"<span class=\"pill {Css(g.Key)}\">{g.Count()} {g.Key}</span>");
        var failed = run.Steps.FirstOrDefault(s => s.Phase == StepPhase.Main && s.Status is StepStatus.Failed or StepStatus.TimedOut);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"<header class=\"summary run-{run.Status.ToString().ToLowerInvariant()}\">");
        text.Append(CultureInfo.InvariantCulture, $"<h1>{E(runbook.Title)}</h1><p class=\"status\" id=\"run-status\">Run {E(run.RunId)}: <strong>{run.Status}</strong></p>");
        text.Append(CultureInfo.InvariantCulture, $"<p>{E(run.Runbook)} · started {run.Started:yyyy-MM-dd HH:mm:ss} UTC · {run.Duration?.TotalSeconds:0.0} s{(run.WhatIf ? " · dry run (-WhatIf)" : "")}</p>");
        text.Append("<p>").Append(string.Join(" ", counts)).Append("</p>");
        if (failed is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"<p class=\"failure\">Failed at <a href=\"#step-{E(failed.StepId)}\">{E(failed.StepId)}</a>: {E(failed.Error)}</p>");
        }

        var rolledBack = run.Steps.Where(s => s.Status == StepStatus.RolledBack).Select(s => E(s.StepId)).ToList();
        if (rolledBack.Count > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"<p class=\"rollback\">Rolled back: {string.Join(", ", rolledBack)}</p>");
        }

        if (checks is { Count: > 0 })
        {
            text.Append(CultureInfo.InvariantCulture, $"<p>Checklist: {checks.Count(c => c.Value)} of {checks.Count} passed</p>");
        }

        text.Append("</header>");
        return text.ToString();
    }

    private static string Annotation(IReadOnlyList<FrostStepResult> results)
    {
        var html = new StringBuilder();
        foreach (var result in results)
        {
            var css = Css(result.Status);
            html.Append(CultureInfo.InvariantCulture, $"<div class=\"result {css}\" id=\"step-{E(result.StepId)}{(result.Phase == StepPhase.Main ? "" : "-" + result.Phase.ToString().ToLowerInvariant())}\" data-status=\"{result.Status}\">");
            html.Append(CultureInfo.InvariantCulture, $"<span class=\"pill {css}\">{result.Status}</span> <code>{E(result.StepId)}</code>");
            html.Append(CultureInfo.InvariantCulture, $" · {result.Phase.ToString().ToLowerInvariant()} · {result.Duration.TotalSeconds:0.00} s");
            if (result.Attempts > 1)
            {
                html.Append(CultureInfo.InvariantCulture, $" · {result.Attempts} tries");
            }

            if ((result.Error ?? result.Message) is { } detail)
            {
                html.Append(CultureInfo.InvariantCulture, $"<div class=\"detail\">{E(detail)}</div>");
            }

            if (result.Output.Length > 0)
            {
                var lines = result.Output.Count(c => c == '\n');
                var open = lines <= CollapseAbove ? " open" : "";
                html.Append(CultureInfo.InvariantCulture, $"<details{open}><summary>Output ({lines} lines)</summary><pre class=\"output\">{E(result.Output)}</pre></details>");
            }

            html.Append("</div>");
        }

        return html.ToString();
    }

    /// <summary>Markdig renders task items as disabled checkboxes; tick them by the checklist's outcome.</summary>
    private static string TickChecklist(string html, FrostRunbook runbook, IReadOnlyDictionary<string, bool> checks)
    {
        foreach (var item in runbook.Checklist)
        {
            if (!checks.TryGetValue(item.Text, out var passed))
            {
                continue;
            }

            var marker = E(item.Text.Split(' ')[0]);
            var at = html.IndexOf("<input disabled=\"disabled\" type=\"checkbox\"", StringComparison.Ordinal);
            while (at >= 0)
            {
                var end = html.IndexOf("</li>", at, StringComparison.Ordinal);
                if (end > at && html.AsSpan(at, end - at).IndexOf(marker, StringComparison.Ordinal) >= 0)
                {
                    var close = html.IndexOf('>', at);
                    var tick = $"<input disabled=\"disabled\" type=\"checkbox\"{(passed ? " checked=\"checked\"" : "")} class=\"{(passed ? "check-passed" : "check-failed")}\" data-check=\"{(passed ? "passed" : "failed")}\" />";
                    html = html[..at] + tick + html[(close + 1)..];
                    break;
                }

                at = html.IndexOf("<input disabled=\"disabled\" type=\"checkbox\"", at + 1, StringComparison.Ordinal);
            }
        }

        return html;
    }

    private static string Css(StepStatus status) => status switch
    {
        StepStatus.Succeeded => "ok",
        StepStatus.Failed or StepStatus.TimedOut => "failed",
        StepStatus.RolledBack => "rolledback",
        StepStatus.Cancelled => "cancelled",
        _ => "neutral",
    };

    private static string E(string? text) => AnnotatedCodeBlockRenderer.Encode(text);

    private const string Stylesheet = """
        body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
        header.summary{padding:1.2em 2em;background:#fff;border-bottom:4px solid #8a94a6}
        header.run-succeeded{border-color:#2e9d5b}header.run-failed{border-color:#d0343b}header.run-cancelled,header.run-incomplete{border-color:#d99a1c}header.run-whatif{border-color:#3c7bd6}
        header h1{margin:0 0 .2em;font-size:1.5em}.status strong{font-size:1.1em}
        p.failure{color:#a3151c;font-weight:600}p.rollback{color:#7a2b8f;font-weight:600}
        main.runbook{max-width:60em;margin:1.5em auto;padding:0 2em;background:#fff;border-radius:6px;padding:1em 2em}
        pre{background:#1e2430;color:#e7ebf2;padding:.8em 1em;border-radius:4px;overflow-x:auto}
        .step{margin:1em 0}.result{margin:.3em 0 1em;padding:.5em .8em;border-left:4px solid #8a94a6;background:#f3f5f8;border-radius:0 4px 4px 0}
        .result.ok{border-color:#2e9d5b}.result.failed{border-color:#d0343b;background:#fdf0f0}.result.rolledback{border-color:#7a2b8f;background:#f7effa}.result.cancelled{border-color:#d99a1c}.result.neutral{border-color:#3c7bd6}
        .pill{display:inline-block;padding:0 .6em;border-radius:1em;color:#fff;font-size:.85em;font-weight:600;background:#8a94a6}
        .pill.ok{background:#2e9d5b}.pill.failed{background:#d0343b}.pill.rolledback{background:#7a2b8f}.pill.cancelled{background:#d99a1c}.pill.neutral{background:#3c7bd6}
        .detail{margin-top:.3em}pre.output{max-height:30em;margin:.4em 0 0;font-size:.85em;white-space:pre-wrap}
        table{border-collapse:collapse}td,th{border:1px solid #d5dae3;padding:.2em .6em}
        input.check-passed{accent-color:#2e9d5b}input.check-failed{outline:2px solid #d0343b}
        """;
}
