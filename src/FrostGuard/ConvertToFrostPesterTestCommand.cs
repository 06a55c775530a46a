using System.Management.Automation;
using FrostGuard.Completion;
using FrostGuard.Engine.Runbooks.Checklists;
using FrostGuard.Engine.Runbooks.Parsing;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>Writes a runbook's checklist as a Pester test file a team can commit and run in its own CI.</summary>
[Cmdlet(VerbsData.ConvertTo, "FrostPesterTest", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ConvertToFrostPesterTestCommand : FrostCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ArgumentCompleter(typeof(RunbookPathCompleter))]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>The test file to write, e.g. daily-operations.Tests.ps1.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string OutputPath { get; set; } = "";

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(RunbookPartCompleter))]
    public string[] Section { get; set; } = [];

    protected override void ProcessRecord()
    {
        var runbook = RunbookParser.ParseFile(GetUnresolvedProviderPathFromPSPath(Path));
        var target = GetUnresolvedProviderPathFromPSPath(OutputPath);
        if (!ShouldProcess(target, $"Write the checklist of {runbook.Path} as Pester tests"))
        {
            return;
        }

        File.WriteAllText(target, PesterTestWriter.Write(runbook, Section, modulePath: null));
        WriteObject(new FileInfo(target));
    }
}
