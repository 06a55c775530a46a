using System.Management.Automation;
using FrostGuard.Completion;
using FrostGuard.Engine;
using FrostGuard.Engine.Backups;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>The backup catalog, newest first, read from the manifests in the backup root.</summary>
[Cmdlet(VerbsCommon.Get, "FrostBackup", DefaultParameterSetName = "All")]
[OutputType(typeof(FrostBackup))]
public sealed class GetFrostBackupCommand : Fleet.FleetTargetCmdlet
{
    /// <summary>Backup ids (wildcards allowed).</summary>
    [Parameter(Position = 0, ParameterSetName = "Id", ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(BackupIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Id { get; set; }

    /// <summary>Only the newest backup.</summary>
    [Parameter(ParameterSetName = "All")]
    public SwitchParameter Latest { get; set; }

    /// <summary>Only backups created at or after this time.</summary>
    [Parameter]
    public DateTime? Since { get; set; }

    /// <summary>Only logical backups (pg_dump) or only physical base backups (pg_basebackup).</summary>
    [Parameter]
    [ValidateSet("Logical", "Physical")]
    public string? Type { get; set; }

    /// <summary>The folder to read; the configured backupRoot by default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    private readonly List<string> _fleetIds = [];

    protected override void ProcessRecord()
    {
        if (OnFleet)
        {
            _fleetIds.AddRange(Id ?? []);
            return;
        }

        var root = Path is null ? Session.BackupRoot : GetUnresolvedProviderPathFromPSPath(Path);
        var backups = Await((reporter, _) => Task.FromResult(new BackupCatalog(root).List(reporter)))
            .Select(b => b.Backup)
            .Where(b => Since is not { } since || b.Created >= ToOffset(since))
            .Where(b => Type is null || b.Type == Type)
            .ToList();

        if (Id is null)
        {
            // -Latest is the backup Restore-FrostBackup and Test-FrostBackup -Restore take: the newest logical one, unless -Type Physical.
            (Latest ? backups.Where(b => Type is not null || b.Type == "Logical").Take(1) : backups).ToList().ForEach(WriteObject);
            return;
        }

        foreach (var id in Id)
        {
            var pattern = WildcardPattern.Get(id, WildcardOptions.IgnoreCase);
            var matches = backups.Where(b => pattern.IsMatch(b.Id)).ToList();
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(id))
            {
                WriteFrostError(new FrostException(ErrorIds.BackupNotFound, FailureKind.NotFound,
                    $"There is no backup '{id}' in {root}.", id, "Run Get-FrostBackup without -Id to list the backups."));
                continue;
            }

            matches.ForEach(WriteObject);
        }
    }

    protected override void EndProcessing()
    {
        if (OnFleet)
        {
            var parameters = ForwardedParameters();
            parameters.Remove("Id");
            if (_fleetIds.Count > 0)
            {
                parameters["Id"] = _fleetIds.ToArray();
            }

            RunOnTargets(WriteFromHost, parameters);
        }
    }

    private static DateTimeOffset ToOffset(DateTime time) =>
        time.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Local)) : new DateTimeOffset(time);
}
