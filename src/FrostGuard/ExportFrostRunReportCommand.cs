using System.Management.Automation;
using System.Security.Cryptography;
using FrostGuard.Engine;
using FrostGuard.Engine.Fleet;
using FrostGuard.Engine.Runbooks.Execution;
using FrostGuard.Engine.Runbooks.Reporting;
using FrostGuard.Hosting;
using FrostGuard.Runbooks;

namespace FrostGuard;

/// <summary>
/// Writes the report of a runbook run: the runbook rendered by Markdig with each step's status,
/// duration and output, failures and rollbacks highlighted, checklist results ticked, a summary
/// on top. One self-contained HTML file (inline CSS, nothing fetched), or Markdown.
/// </summary>
[Cmdlet(VerbsData.Export, "FrostRunReport", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportFrostRunReportCommand : FrostCmdlet
{
    private readonly List<object> _inputs = [];

    /// <summary>A run id, a run from Get-FrostRunbookRun, or the step results of Invoke-FrostRunbook (piped, or as the array a variable holds).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public object Run { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter]
    public ReportFormat Format { get; set; } = ReportFormat.Html;

    /// <summary>The result of Invoke-FrostChecklist, to tick the checklist items.</summary>
    [Parameter]
    public PSObject? Checklist { get; set; }

    // Step results arrive one by one through the pipeline, or all at once as an array; one report is written at the end.
    protected override void ProcessRecord() => _inputs.AddRange(Items(Run));

    protected override void EndProcessing()
    {
        var invalid = _inputs.FirstOrDefault(i => RunIdOf(i) is null);
        if (invalid is not null || _inputs.Count == 0)
        {
            ThrowTerminatingError(FrostErrors.Create(new ArgumentException($"-Run takes a run id, a run (Get-FrostRunbookRun) or step results (Invoke-FrostRunbook), not {DescribeType(invalid)}."),
                ErrorIds.RunReportInputInvalid, ErrorCategory.InvalidArgument, invalid, "Pipe Invoke-FrostRunbook or Get-FrostRunbookRun into Export-FrostRunReport."));
            return;
        }

        var runIds = _inputs.Select(i => RunIdOf(i)!).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (runIds.Count > 1)
        {
            ThrowTerminatingError(FrostErrors.Create(new ArgumentException($"-Run holds {runIds.Count} runs ({string.Join(", ", runIds)}); a report is of one run."),
                ErrorIds.RunReportInputInvalid, ErrorCategory.InvalidArgument, runIds, $"Export one run at a time, for example: $results | Where-Object RunId -eq '{runIds[0]}' | Export-FrostRunReport -Path <file>."));
            return;
        }

        var runId = runIds[0];
        if (runId.StartsWith("fleet-", StringComparison.OrdinalIgnoreCase))
        {
            WriteFleetReport(runId);
            return;
        }

        var found = JournalReader.Find(StateFolderWithoutDeployment(), runId);
        if (found is null)
        {
            ThrowFrostError(new FrostException(ErrorIds.RunbookRunNotFound, FailureKind.NotFound, $"No run {runId} in the journal.", runId,
                "Get-FrostRunbookRun lists the runs."));
            return;
        }

        var target = GetUnresolvedProviderPathFromPSPath(Path);
        if (!ShouldProcess(target, $"Write the {Format} report of run {found.RunId}"))
        {
            return;
        }

        var checks = ChecklistOutcomes(Checklist);
        string content;
        if (Format == ReportFormat.Markdown)
        {
            content = RunReportWriter.MarkdownText(found, checks);
        }
        else
        {
            if (!File.Exists(found.Runbook))
            {
                ThrowFrostError(new FrostException(ErrorIds.RunbookNotFound, FailureKind.NotFound, $"The runbook of run {found.RunId}, {found.Runbook}, is gone.", found.Runbook,
                    "Restore the runbook file, or write a Markdown report with -Format Markdown, which needs only the journal."));
            }

            var bytes = File.ReadAllBytes(found.Runbook);
            if (!Convert.ToHexString(SHA256.HashData(bytes)).Equals(found.ContentHash, StringComparison.OrdinalIgnoreCase))
            {
                WriteWarning($"{found.Runbook} changed since run {found.RunId}; the report shows today's text with that run's results.");
            }

            content = RunReportWriter.Html(found, System.Text.Encoding.UTF8.GetString(bytes).TrimStart('\uFEFF'), checks);
        }

        WriteReportFile(target, content);
    }

    /// <summary>The items of what was bound: an array of step results is the run it belongs to, not one object.</summary>
    private static IEnumerable<object> Items(object bound)
    {
        var value = bound is PSObject wrapped ? wrapped.BaseObject : bound;
        if (value is string or not System.Collections.IEnumerable)
        {
            yield return value;
            yield break;
        }

        foreach (var item in (System.Collections.IEnumerable)value)
        {
            if (item is not null)
            {
                yield return item is PSObject p ? p.BaseObject : item;
            }
        }
    }

    private static string? RunIdOf(object input) => input switch
    {
        FrostRunbookRun run => run.RunId,
        FrostFleetRun fleet => fleet.FleetRunId,
        FrostFleetHostRun host => host.FleetRunId,
        FrostStepResult result => result.RunId,
        string id when id.Length > 0 => id,
        _ => null,
    };

    /// <summary>A fleet run's report: the hosts × steps grid from its ledger and journal copies.</summary>
    private void WriteFleetReport(string fleetRunId)
    {
        var run = FleetLedger.Read(StateFolderWithoutDeployment(), fleetRunId);
        if (run is null)
        {
            ThrowFrostError(new FrostException(ErrorIds.FleetRunNotFound, FailureKind.NotFound, $"No fleet run {fleetRunId} in the ledger.", fleetRunId,
                "Get-FrostRunbookRun -Fleet lists the fleet runs."));
            return;
        }

        var target = GetUnresolvedProviderPathFromPSPath(Path);
        if (!ShouldProcess(target, $"Write the {Format} report of fleet run {run.FleetRunId}"))
        {
            return;
        }

        IReadOnlyList<(string, string)> steps = File.Exists(run.Runbook)
            ? Engine.Runbooks.Parsing.RunbookParser.ParseFile(run.Runbook).Steps.Where(s => s.Role == StepRole.Normal).Select(s => (s.Id, s.Name)).ToList()
            : [];
        var content = Format == ReportFormat.Markdown ? FleetReportWriter.Markdown(run, steps) : FleetReportWriter.Html(run, steps);
        WriteReportFile(target, content);
    }

    private void WriteReportFile(string target, string content)
    {
        var folder = System.IO.Path.GetDirectoryName(target) ?? ".";
        Directory.CreateDirectory(folder);
        var temporary = System.IO.Path.Combine(folder, $".{System.IO.Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(temporary, content);
        File.Move(temporary, target, overwrite: true);
        WriteObject(new FileInfo(target));
    }

    private static string DescribeType(object? input) => input is null ? "nothing" : input.GetType().Name;

    /// <summary>Pester's result: each automated or manual item is a test named after the item's text.</summary>
    private static Dictionary<string, bool>? ChecklistOutcomes(PSObject? pester)
    {
        if (pester?.Properties["Tests"]?.Value is not System.Collections.IEnumerable tests)
        {
            return null;
        }

        var outcomes = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var test in tests.Cast<object>().Select(PSObject.AsPSObject))
        {
            var name = test.Properties["ExpandedName"]?.Value?.ToString() ?? test.Properties["Name"]?.Value?.ToString();
            var result = test.Properties["Result"]?.Value?.ToString();
            if (name is not null && result is "Passed" or "Failed")
            {
                outcomes[name] = result == "Passed";
            }
        }

        return outcomes;
    }
}

public enum ReportFormat
{
    Html,
    Markdown,
}
