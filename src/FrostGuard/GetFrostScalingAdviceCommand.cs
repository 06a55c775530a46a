using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Deployments;
using FrostGuard.Engine.Health;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// Whether to scale up (a bigger server or a higher container limit) or out (more workers, more
/// app servers), and why: measured CPU, memory, database connections and API response time,
/// judged by the same thresholds as Test-FrostHealth.
/// </summary>
[Cmdlet(VerbsCommon.Get, "FrostScalingAdvice")]
[OutputType(typeof(FrostScalingAdvice))]
public sealed class GetFrostScalingAdviceCommand : FrostCmdlet
{
    private static readonly string[] Measured = ["Cpu", "Memory", "Database", "ApiMetrics"];

    /// <summary>Thresholds to judge by: FrostThreshold objects (Get-FrostThreshold) or the path of a Markdown table. Default: the manual's, else built-in.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public object[]? Threshold { get; set; }

    protected override void EndProcessing()
    {
        var session = Session;
        var given = Threshold?.Select(t => t is PSObject ps ? ps.BaseObject : t)
            .Select(t => t is string path ? SessionState.Path.GetUnresolvedProviderPathFromPSPath(path) : t).ToList();
        try
        {
            var advice = Await(async (reporter, ct) =>
            {
                IReadOnlyList<FrostThreshold> lines = given switch
                {
                    null => ThresholdSource.Resolve(null, session.Config.ManualPath, reporter),
                    _ when given.All(t => t is FrostThreshold) => DefaultThresholds.Merge(given.Cast<FrostThreshold>().ToList()),
                    [string path] => ThresholdSource.Resolve(path, null, reporter),
                    _ => throw new FrostException(ErrorIds.ThresholdInvalid, FailureKind.InvalidData,
                        "-Threshold takes FrostThreshold objects (from Get-FrostThreshold) or one path to a Markdown file with a thresholds table.",
                        string.Join(", ", given.Select(g => g?.GetType().Name ?? "null")), "Pass -Threshold runbooks/monitoring.md."),
                };
                var thresholds = new ThresholdSet(lines);
                var context = new HealthContext(session, thresholds, reporter);
                var results = await new HealthRunner(HealthChecks.Select(Measured)).RunAsync(context, TimeSpan.FromSeconds(20), 8, _ => { }, ct).ConfigureAwait(false);
                foreach (var unknown in results.Where(r => r.Status == HealthStatus.Unknown))
                {
                    reporter.Verbose($"not measured: {unknown.Check} {unknown.Target}: {unknown.Message}");
                }

                var services = await session.Services.ListAsync(ct).ConfigureAwait(false);
                return ScalingAdvisor.Advise(results, services, thresholds);
            });
            WriteObject(advice, enumerateCollection: true);
        }
        catch (FrostException e)
        {
            ThrowFrostError(e);
        }
    }
}
