using System.Management.Automation;
using FrostGuard.Completion;
using FrostGuard.Engine;
using FrostGuard.Engine.Runbooks;
using FrostGuard.Engine.Runbooks.Parsing;
using FrostGuard.Hosting;
using FrostGuard.Runbooks;

namespace FrostGuard;

/// <summary>Parses Markdown runbooks (a file, or every .md in a folder) into runbook objects.</summary>
[Cmdlet(VerbsCommon.Get, "FrostRunbook")]
[OutputType(typeof(FrostRunbook))]
public sealed class GetFrostRunbookCommand : FrostCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ArgumentCompleter(typeof(RunbookPathCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>With a folder: its subfolders too.</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var path in Path)
        {
            IReadOnlyList<string> files;
            try
            {
                files = RunbookSources.Expand(GetUnresolvedProviderPathFromPSPath(path), Recurse);
            }
            catch (FrostException e)
            {
                WriteFrostError(e);
                continue;
            }

            foreach (var file in files)
            {
                WriteObject(RunbookParser.ParseFile(file));
            }
        }
    }
}
