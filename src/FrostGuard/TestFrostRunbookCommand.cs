using System.Management.Automation;
using FrostGuard.Completion;
using FrostGuard.Engine;
using FrostGuard.Engine.Runbooks;
using FrostGuard.Engine.Runbooks.Execution;
using FrostGuard.Engine.Runbooks.Parsing;
using FrostGuard.Hosting;
using FrostGuard.Runbooks;

namespace FrostGuard;

/// <summary>
/// Validates runbooks: Markdown and attribute findings, PowerShell steps against the PowerShell
/// parser and this session's commands, bash steps with bash -n. Writes one finding per problem.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "FrostRunbook", DefaultParameterSetName = "Path")]
[OutputType(typeof(RunbookFinding))]
public sealed class TestFrostRunbookCommand : FrostCmdlet
{
    private PowerShellStepHost? _lintHost;

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Path", ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ArgumentCompleter(typeof(RunbookPathCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = "InputObject", ValueFromPipeline = true)]
    public FrostRunbook[] InputObject { get; set; } = [];

    [Parameter(ParameterSetName = "Path")]
    public SwitchParameter Recurse { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var runbook in Runbooks())
        {
            foreach (var finding in RunbookLint.For(LintHost()).LintAsync(runbook, Cancellation).GetAwaiter().GetResult())
            {
                WriteObject(finding);
            }
        }
    }

    protected override void EndProcessing() => _lintHost?.DisposeAsync().AsTask().GetAwaiter().GetResult();

    private IEnumerable<FrostRunbook> Runbooks()
    {
        if (ParameterSetName == "InputObject")
        {
            return InputObject;
        }

        var runbooks = new List<FrostRunbook>();
        foreach (var path in Path)
        {
            try
            {
                runbooks.AddRange(RunbookSources.Expand(GetUnresolvedProviderPathFromPSPath(path), Recurse).Select(RunbookParser.ParseFile));
            }
            catch (FrostException e)
            {
                WriteFrostError(e);
            }
        }

        return runbooks;
    }

    private PowerShellStepHost LintHost() =>
        _lintHost ??= PowerShellStepHost.Open(RunbookLint.ModulePath(this), new Dictionary<string, object>(), SecretMasker.None);
}
