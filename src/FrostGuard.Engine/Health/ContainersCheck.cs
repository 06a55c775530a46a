namespace FrostGuard.Engine.Health;

/// <summary>
/// Every container of the project running; healthy where it has a healthcheck; no OOM kill; no
/// restarts since the previous run (restart counts are kept in the state folder).
/// </summary>
public sealed class ContainersCheck : IHealthCheck
{
    public const string CheckName = "Containers";
    private const string Rule = "running; healthy where a healthcheck exists; no OOM kill; restart count not rising";

    public string Name => CheckName;
    public IReadOnlyList<string> Produces => [CheckName];

    public async Task<IReadOnlyList<FrostHealthResult>> RunAsync(HealthContext context, CancellationToken cancellationToken)
    {
        var started = context.Clock.GetTimestamp();
        var services = await context.ServicesAsync(cancellationToken).ConfigureAwait(false);
        if (services.Count == 0)
        {
            return [context.Result(CheckName, context.Config.Project.Name, HealthStatus.Critical,
                $"Project {context.Config.Project.Name} has no containers: the deployment is down. Start it with `docker-compose up -d` in {context.Config.Project.Directory}.",
                Rule, duration: context.Clock.GetElapsedTime(started))];
        }

        var store = new StateFile<Dictionary<string, int>>(context.StateFolder, "restart-counts.json");
        var previous = store.Read() ?? new Dictionary<string, int>();
        var results = services.Select(s => Judge(context, s, HealthContext.TargetOf(s, services), previous, started)).ToList();
        store.Write(services.ToDictionary(s => s.ContainerId, s => s.RestartCount));
        return results;
    }

    private static FrostHealthResult Judge(HealthContext context, FrostService s, string target, Dictionary<string, int> previous, long started)
    {
        var (status, message) = s switch
        {
            { OomKilled: true } => (HealthStatus.Critical, $"{s.Container} was killed for running out of memory (OOM); state {s.State}."),
            { IsRunning: false } => (HealthStatus.Critical, $"{s.Container} is {s.State}{(s.ExitCode is { } code ? $" (exit code {code})" : "")}. Start it: Start-FrostService -Name {s.Service}"),
            { Health: FrostContainerHealth.unhealthy } => (HealthStatus.Critical, $"{s.Container} is running but unhealthy{Probe(s)}. Read Get-FrostLog -Name {s.Service} -Tail 50"),
            { Health: FrostContainerHealth.starting } => (HealthStatus.Warning, $"{s.Container} is running, health check still starting."),
            { Health: FrostContainerHealth.unknown } => (HealthStatus.Unknown, $"{s.Container} is running, but Docker reports a health FrostGuard does not know{Probe(s)}."),
            _ when previous.TryGetValue(s.ContainerId, out var before) && s.RestartCount > before =>
                (HealthStatus.Warning, $"{s.Container} restarted {s.RestartCount - before} time(s) since the previous check ({s.RestartCount} in all). Read Get-FrostLog -Name {s.Service} -Since 1h"),
            _ => (HealthStatus.Ok, $"{s.Container} is running{(s.Health == FrostContainerHealth.healthy ? " and healthy" : " (no healthcheck)")}, {s.RestartCount} restart(s)."),
        };
        return context.Result(CheckName, target, status, message, Rule, s.RestartCount, "restarts", context.Clock.GetElapsedTime(started));
    }

    private static string Probe(FrostService s) => s.LastProbeOutput is { Length: > 0 } probe ? $" (last probe: {probe})" : "";
}
