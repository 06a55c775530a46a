using FrostGuard.Engine.Health;
using FrostGuard.Engine.Platform;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Deployments;

/// <summary>
/// The health checks that say whether a deployment works after a change (an update, a rollback,
/// a recovery): Containers, Database and Http, judged by the manual's thresholds.
/// </summary>
public static class DeploymentVerification
{
    public static readonly string[] Checks = ["Containers", "Database", "Http"];

    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(15);

    public static async Task<IReadOnlyList<FrostHealthResult>> RunAsync(FrostSession session, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var thresholds = new ThresholdSet(ThresholdSource.Resolve(null, session.Config.ManualPath, reporter));
        var context = new HealthContext(session, thresholds, reporter);
        return await new HealthRunner(HealthChecks.Select(Checks)).RunAsync(context, CheckTimeout, 8, _ => { }, cancellationToken).ConfigureAwait(false);
    }
}
