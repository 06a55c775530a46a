using System.Text.RegularExpressions;
using FrostGuard.Engine.Fleet;
using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Tests.Fleet;

public sealed class FleetReportWriterTests
{
    private static readonly DateTimeOffset Noon = new(2025, 3, 3, 12, 0, 0, TimeSpan.Zero);

    private static readonly IReadOnlyList<(string Id, string Name)> Steps = [("backup", "Back up the database"), ("patch", "Apply the patch")];

    private static FrostStepResult Step(string id, StepStatus status, StepPhase phase = StepPhase.Main) =>
        new() { RunId = "r", Runbook = "/runbooks/patch.md", StepId = id, StepName = "Step " + id, Status = status, Phase = phase };

    private static FrostFleetHostRun Host(string name, int wave, FleetHostStatus status, params FrostStepResult[] steps) =>
        new() { Host = name, Wave = wave, Status = status, Steps = steps, RunId = steps.Length > 0 ? "run-" + name : null };

    private static FrostFleetRun Run(params FrostFleetHostRun[] hosts) => RunOf(hosts);

    private static FrostFleetRun RunOf(IReadOnlyList<FrostFleetHostRun> hosts, string runbook = "/runbooks/patch.md", string message = "wave 2 exceeded -MaxFailure 10%") => new()
    {
        FleetRunId = "fleet-20250303-120000-abcdef",
        Runbook = runbook,
        ContentHash = "abc",
        Targets = ["app"],
        WaveSizes = ["1", "100%"],
        MaxFailure = "10%",
        Parameters = new Dictionary<string, string>(),
        Inventory = "/fleet/inventory.md",
        Status = FleetRunStatus.Stopped,
        Started = Noon,
        Ended = Noon.AddMinutes(4),
        Message = message,
        Hosts = hosts,
    };

    private static FrostFleetRun Mixed() => Run(
        Host("app1", 2, FleetHostStatus.Failed, Step("backup", StepStatus.Succeeded), Step("patch", StepStatus.Failed)),
        Host("db", 1, FleetHostStatus.Succeeded, Step("backup", StepStatus.Succeeded), Step("patch", StepStatus.Succeeded)),
        Host("app2", 2, FleetHostStatus.Unreachable),
        Host("app3", 3, FleetHostStatus.Pending));

    private static string Cell(string html, string host, string step)
    {
        var match = Regex.Match(html, $"<td id=\"cell-{Regex.Escape(host)}-{Regex.Escape(step)}\" data-status=\"([^\"]*)\">([^<]*)</td>");
        Assert.True(match.Success, $"no cell for {host}/{step}");
        return $"{match.Groups[1].Value}:{match.Groups[2].Value}";
    }

    [Fact]
    public void Html_is_one_self_contained_file_without_script_or_anything_fetched()
    {
        var html = FleetReportWriter.Html(Mixed(), Steps);

        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.EndsWith("</html>", html);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(new Regex(@"(src|href)\s*=\s*[""']?\s*(https?:)?//", RegexOptions.IgnoreCase), html);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<style>", html);
    }

    [Fact]
    public void Html_has_one_row_per_host_in_wave_order_with_its_status()
    {
        var html = FleetReportWriter.Html(Mixed(), Steps);

        var rows = Regex.Matches(html, "<tr id=\"host-([^\"]+)\" data-status=\"([^\"]+)\">").Select(m => $"{m.Groups[1].Value}:{m.Groups[2].Value}");
        Assert.Equal(["db:Succeeded", "app1:Failed", "app2:Unreachable", "app3:Pending"], rows);
    }

    [Fact]
    public void Html_cells_carry_each_steps_status_on_each_host()
    {
        var html = FleetReportWriter.Html(Mixed(), Steps);

        Assert.Equal("Succeeded:Succeeded", Cell(html, "db", "backup"));
        Assert.Equal("Succeeded:Succeeded", Cell(html, "db", "patch"));
        Assert.Equal("Succeeded:Succeeded", Cell(html, "app1", "backup"));
        Assert.Equal("Failed:Failed", Cell(html, "app1", "patch"));
    }

    [Fact]
    public void Html_shows_a_step_that_did_not_run_on_a_host_as_none()
    {
        var html = FleetReportWriter.Html(Mixed(), Steps);

        Assert.Equal("None:–", Cell(html, "app2", "backup"));
        Assert.Equal("None:–", Cell(html, "app3", "patch"));
    }

    [Fact]
    public void Html_shows_a_rolled_back_step_as_rolled_back()
    {
        var run = Run(Host("db", 1, FleetHostStatus.RolledBack,
            Step("backup", StepStatus.Succeeded), Step("patch", StepStatus.Succeeded), Step("patch", StepStatus.RolledBack, StepPhase.Rollback)));

        var html = FleetReportWriter.Html(run, Steps);

        Assert.Equal("RolledBack:RolledBack", Cell(html, "db", "patch"));
        Assert.Equal("Succeeded:Succeeded", Cell(html, "db", "backup"));
    }

    [Fact]
    public void Html_shows_a_failed_rollback_as_failed()
    {
        var run = Run(Host("db", 1, FleetHostStatus.RollbackFailed,
            Step("patch", StepStatus.Succeeded), Step("patch", StepStatus.Failed, StepPhase.Rollback)));

        Assert.Equal("Failed:Failed", Cell(FleetReportWriter.Html(run, Steps), "db", "patch"));
    }

    [Fact]
    public void Html_shows_a_step_whose_undo_had_no_rollback_by_its_own_result_since_its_effect_stays()
    {
        // BUG (src/FrostGuard.Engine/Fleet/FleetReportWriter.cs:110, CellOf): its comment says a cell shows the
        // rollback's status "when one ran", but an undo run journals a step without a rollback as a Rollback-phase
        // Skipped result ("has no rollback step; its effect stays"), and CellOf takes that: the step that ran and
        // whose effect is still on the host shows as Skipped, as if it had never run.
        var run = Run(Host("db", 1, FleetHostStatus.RolledBack,
            Step("backup", StepStatus.Succeeded), Step("patch", StepStatus.Succeeded),
            Step("patch", StepStatus.RolledBack, StepPhase.Rollback), Step("backup", StepStatus.Skipped, StepPhase.Rollback)));

        var html = FleetReportWriter.Html(run, Steps);

        Assert.Equal("RolledBack:RolledBack", Cell(html, "db", "patch"));
        Assert.Equal("Succeeded:Succeeded", Cell(html, "db", "backup"));
    }

    [Fact]
    public void Html_escapes_host_names_and_messages()
    {
        var host = new FrostFleetHostRun
        {
            Host = "a<b>&\"c", Wave = 1, Status = FleetHostStatus.Failed, Message = "<script>alert('x')</script> & \"quoted\"",
            Steps = [Step("patch", StepStatus.Failed)],
        };
        var run = RunOf([host], runbook: "/runbooks/<i>&patch\".md", message: "stopped at <img src=x>");

        var html = FleetReportWriter.Html(run, Steps);

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<i>", html);
        Assert.Contains("&lt;i&gt;&amp;patch&quot;.md: <strong>", html);
        Assert.DoesNotContain("a<b>", html);
        Assert.Contains("a&lt;b&gt;&amp;&quot;c", html);
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;", html);
        Assert.Contains("id=\"cell-a&lt;b&gt;&amp;&quot;c-patch\" data-status=\"Failed\"", html);
        Assert.Contains("stopped at &lt;img src=x&gt;", html);
    }

    [Fact]
    public void Html_columns_are_the_runbooks_steps_then_steps_found_only_in_journals()
    {
        var run = Run(
            Host("db", 1, FleetHostStatus.Succeeded, Step("backup", StepStatus.Succeeded), Step("old-step", StepStatus.Succeeded),
                Step("cleanup", StepStatus.Succeeded, StepPhase.Finally)),
            Host("app1", 2, FleetHostStatus.Succeeded, Step("PATCH", StepStatus.Succeeded)));

        var html = FleetReportWriter.Html(run, Steps);

        var columns = Regex.Matches(html, "<th data-step=\"([^\"]+)\"").Select(m => m.Groups[1].Value);
        Assert.Equal(["backup", "patch", "old-step"], columns);
        Assert.Equal("Succeeded:Succeeded", Cell(html, "db", "old-step"));
        Assert.Equal("Succeeded:Succeeded", Cell(html, "app1", "patch"));
        Assert.Contains("title=\"Apply the patch\"", html);
    }

    [Fact]
    public void Html_summary_counts_hosts_by_status_and_names_the_undo_run()
    {
        var run = Run(
            Host("db", 1, FleetHostStatus.Succeeded), Host("app1", 2, FleetHostStatus.Failed), Host("app2", 2, FleetHostStatus.Failed),
            new FrostFleetHostRun { Host = "app3", Wave = 2, Status = FleetHostStatus.RolledBack, RunId = "run-app3", UndoRunId = "undo-app3" });

        var html = FleetReportWriter.Html(run, Steps);

        Assert.Contains("<p id=\"fleet-status\" data-status=\"Stopped\">patch.md: <strong>Stopped</strong></p>", html);
        Assert.Contains("<li class=\"count\" data-status=\"Failed\">Failed: 2</li>", html);
        Assert.Contains("<li class=\"count\" data-status=\"Succeeded\">Succeeded: 1</li>", html);
        Assert.DoesNotContain("data-status=\"Pending\">Pending:", html);
        Assert.Contains("Hosts: 4 in 2 wave(s) (1, 100%); -MaxFailure 10%", html);
        Assert.Contains("run-app3 (undone by undo-app3)", html);
        Assert.Contains("<p id=\"fleet-message\">wave 2 exceeded -MaxFailure 10%</p>", html);
    }

    [Fact]
    public void Markdown_is_a_table_of_hosts_by_steps_under_the_runs_summary()
    {
        var markdown = FleetReportWriter.Markdown(Mixed(), Steps);

        var lines = markdown.Split('\n');
        Assert.Equal("# Fleet run fleet-20250303-120000-abcdef", lines[0]);
        Assert.Contains("patch.md: **Stopped** — wave 2 exceeded -MaxFailure 10%", markdown);
        var table = lines.SkipWhile(l => !l.StartsWith("| Wave")).TakeWhile(l => l.Length > 0).ToList();
        Assert.Equal([
            "| Wave | Host | Status | backup | patch |",
            "|---|---|---|---|---|",
            "| 1 | db | Succeeded | Succeeded | Succeeded |",
            "| 2 | app1 | Failed | Succeeded | Failed |",
            "| 2 | app2 | Unreachable | – | – |",
            "| 3 | app3 | Pending | – | – |",
        ], table);
    }

    [Fact]
    public void Markdown_shows_a_rolled_back_step_as_rolled_back()
    {
        var run = Run(Host("db", 1, FleetHostStatus.RolledBack, Step("patch", StepStatus.Succeeded), Step("patch", StepStatus.RolledBack, StepPhase.Rollback)));

        Assert.Contains("| 1 | db | RolledBack | – | RolledBack |", FleetReportWriter.Markdown(run, Steps));
    }
}
