using System.Management.Automation;
using FrostGuard.Completion;
using FrostGuard.Engine;
using FrostGuard.Engine.Fleet;
using FrostGuard.Engine.Runbooks.Execution;
using FrostGuard.Hosting;
using FrostGuard.Runbooks;

namespace FrostGuard;

/// <summary>Lists past runbook runs from their journals in the state folder, newest first.</summary>
[Cmdlet(VerbsCommon.Get, "FrostRunbookRun", DefaultParameterSetName = "All")]
[OutputType(typeof(FrostRunbookRun), typeof(FrostFleetRun))]
public sealed class GetFrostRunbookRunCommand : FrostCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Id", ValueFromPipelineByPropertyName = true)]
    [Alias("RunId")]
    [ValidateNotNullOrEmpty]
    public string[] Id { get; set; } = [];

    /// <summary>Only runs of this runbook file.</summary>
    [Parameter(ParameterSetName = "All")]
    [ArgumentCompleter(typeof(RunbookPathCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Runbook { get; set; }

    /// <summary>At most this many runs, newest first.</summary>
    [Parameter(ParameterSetName = "All")]
    [ValidateRange(1, int.MaxValue)]
    public int Last { get; set; } = int.MaxValue;

    /// <summary>List the fleet runs (Invoke-FrostRunbook -Target) from the controller's ledger instead.</summary>
    [Parameter(ParameterSetName = "All")]
    public SwitchParameter Fleet { get; set; }

    protected override void ProcessRecord()
    {
        var stateFolder = StateFolderWithoutDeployment();
        if (Fleet)
        {
            var runbook = Runbook is null ? null : GetUnresolvedProviderPathFromPSPath(Runbook);
            foreach (var fleetRun in FleetLedger.ReadAll(stateFolder).Where(r => runbook is null || r.Runbook == runbook).Take(Last))
            {
                WriteObject(fleetRun);
            }

            return;
        }

        if (ParameterSetName == "Id")
        {
            foreach (var id in Id)
            {
                if (id.StartsWith("fleet-", StringComparison.OrdinalIgnoreCase))
                {
                    if (FleetLedger.Read(stateFolder, id) is { } fleet)
                    {
                        WriteObject(fleet);
                    }
                    else
                    {
                        WriteFrostError(new FrostException(ErrorIds.FleetRunNotFound, FailureKind.NotFound, $"No fleet run {id} in the ledger.", id,
                            "Get-FrostRunbookRun -Fleet lists the fleet runs."));
                    }

                    continue;
                }

                var run = JournalReader.Find(stateFolder, id);
                if (run is null)
                {
                    WriteFrostError(new FrostException(ErrorIds.RunbookRunNotFound, FailureKind.NotFound, $"No run {id} in the journal.", id,
                        "Get-FrostRunbookRun lists the runs."));
                    continue;
                }

                WriteObject(run);
            }

            return;
        }

        var path = Runbook is null ? null : GetUnresolvedProviderPathFromPSPath(Runbook);
        foreach (var run in JournalReader.ReadAll(stateFolder).Where(r => path is null || r.Runbook == path).Take(Last))
        {
            WriteObject(run);
        }
    }
}
