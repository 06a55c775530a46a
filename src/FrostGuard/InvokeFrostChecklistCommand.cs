using System.Management.Automation;
using System.Management.Automation.Runspaces;
using FrostGuard.Completion;
using FrostGuard.Engine;
using FrostGuard.Engine.Runbooks.Checklists;
using FrostGuard.Engine.Runbooks.Parsing;
using FrostGuard.Hosting;
using FrostGuard.Runbooks;

namespace FrostGuard;

/// <summary>
/// Verifies a runbook's checklist with Pester: each task-list item becomes a test (Describe =
/// runbook, Context = section, It = item); automated items run their .check block, manual ones are
/// skipped as "manual check". Returns Pester's result and, with -OutputFile, writes a report.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "FrostChecklist", SupportsShouldProcess = true)]
[OutputType(typeof(PSObject))]
public sealed class InvokeFrostChecklistCommand : FrostCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ArgumentCompleter(typeof(RunbookPathCompleter))]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(RunbookPartCompleter))]
    public string[] Section { get; set; } = [];

    /// <summary>Where to write the test report.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OutputFile { get; set; }

    [Parameter]
    [ValidateSet("NUnitXml", "JUnitXml")]
    public string OutputFormat { get; set; } = "NUnitXml";

    protected override void ProcessRecord()
    {
        var runbook = RunbookParser.ParseFile(GetUnresolvedProviderPathFromPSPath(Path));
        if (!ShouldProcess(runbook.Path, $"Run the {runbook.Checklist.Count(i => i.IsAutomated)} automated checks of the checklist"))
        {
            return;
        }

        try
        {
            PesterLoader.Ensure(this);
        }
        catch (FrostException e)
        {
            ThrowFrostError(e);
        }

        var tests = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"frostguard-checklist-{Guid.NewGuid():N}.Tests.ps1");
        File.WriteAllText(tests, PesterTestWriter.Write(runbook, Section, RunbookLint.ModulePath(this)));
        try
        {
            const string script = """
                param($tests, $outputFile, $outputFormat)
                $configuration = New-PesterConfiguration
                $configuration.Run.Path = $tests
                $configuration.Run.PassThru = $true
                $configuration.Output.Verbosity = 'Detailed'
                if ($outputFile) {
                    $configuration.TestResult.Enabled = $true
                    $configuration.TestResult.OutputPath = $outputFile
                    $configuration.TestResult.OutputFormat = $outputFormat
                }
                Invoke-Pester -Configuration $configuration
                """;
            var output = OutputFile is null ? null : GetUnresolvedProviderPathFromPSPath(OutputFile);
            foreach (var result in InvokeCommand.InvokeScript(script, true, PipelineResultTypes.None, null, tests, output, OutputFormat))
            {
                WriteObject(result);
            }
        }
        finally
        {
            File.Delete(tests);
        }
    }
}
