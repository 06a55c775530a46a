using System.Globalization;
using System.Management.Automation;
using System.Text.RegularExpressions;
using FrostGuard.Completion;
using FrostGuard.Engine;
using FrostGuard.Engine.Services;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// Reads the logs of services' containers through the Engine API, one object per line
/// (service, timestamp, stream, message). -Follow streams new lines until Ctrl+C.
/// </summary>
[Cmdlet(VerbsCommon.Get, "FrostLog")]
[OutputType(typeof(FrostLogEntry))]
public sealed class GetFrostLogCommand : FrostCmdlet
{
    /// <summary>Service names (wildcards allowed).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Service")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ServiceNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = [];

    /// <summary>How far back: a duration (90s, 15m, 1h, 2d) or a point in time.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Since { get; set; }

    /// <summary>Only the last N lines of each container (before -Pattern filters them).</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int? Tail { get; set; }

    /// <summary>A regular expression the message must match (case-insensitive), e.g. 'ERROR|FATAL'.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Pattern { get; set; }

    /// <summary>Keep streaming new lines until Ctrl+C.</summary>
    [Parameter]
    public SwitchParameter Follow { get; set; }

    protected override void ProcessRecord()
    {
        var request = new LogRequest
        {
            Since = ParseSince(),
            Tail = Tail,
            Pattern = ParsePattern(),
            Follow = Follow,
        };
        var session = Session;
        List<FrostService> selected;
        try
        {
            var services = Await((_, ct) => session.Services.ListAsync(ct));
            selected = ServiceSelection.Select(this, services, Name, session.Config.Project.Name);
        }
        catch (FrostException e)
        {
            ThrowFrostError(e);
            return;
        }

        var reader = new ContainerLogReader(session.Docker);
        try
        {
            // Following several containers means reading them all at once; otherwise one after the other.
            AwaitStreaming<FrostLogEntry, int[]>((_, write, ct) => Follow
                    ? Task.WhenAll(selected.Select(s => reader.ReadAsync(s, request, write, ct)))
                    : ReadInTurnAsync(reader, selected, request, write, ct),
                WriteObject);
        }
        catch (FrostException e)
        {
            WriteFrostError(e);
        }
    }

    private static async Task<int[]> ReadInTurnAsync(ContainerLogReader reader, List<FrostService> services, LogRequest request,
        Action<FrostLogEntry> write, CancellationToken cancellationToken)
    {
        var counts = new List<int>();
        foreach (var service in services)
        {
            counts.Add(await reader.ReadAsync(service, request, write, cancellationToken).ConfigureAwait(false));
        }

        return counts.ToArray();
    }

    private DateTimeOffset? ParseSince()
    {
        if (Since is null)
        {
            return null;
        }

        if (DurationText.TryParse(Since, out var ago))
        {
            return DateTimeOffset.UtcNow - ago;
        }

        if (DateTimeOffset.TryParse(Since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var time))
        {
            return time;
        }

        ThrowTerminatingError(FrostErrors.Create(new ArgumentException($"-Since '{Since}' is neither a duration (90s, 15m, 1h, 2d) nor a date and time."),
            ErrorIds.InvalidDuration, ErrorCategory.InvalidArgument, Since, "Write -Since 1h, -Since 30m or -Since '2026-01-31 08:00'."));
        return null;
    }

    private Regex? ParsePattern()
    {
        if (Pattern is null)
        {
            return null;
        }

        try
        {
            return new Regex(Pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException e)
        {
            ThrowTerminatingError(FrostErrors.Create(e, ErrorIds.InvalidPattern, ErrorCategory.InvalidArgument, Pattern,
                "Fix the regular expression, e.g. -Pattern 'ERROR|FATAL'."));
            return null;
        }
    }
}
