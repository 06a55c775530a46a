namespace FrostGuard.Engine.Health;

/// <summary>
/// One independent health check. It returns one result per target it judged; a failure of its
/// own subject (database down, URL failing) is a Critical result, never an exception. Anything it
/// throws is reported by the runner as Unknown for this check alone.
/// </summary>
public interface IHealthCheck
{
    /// <summary>The name -Check selects it by; results carry it (or one of <see cref="Produces"/>).</summary>
    string Name { get; }

    /// <summary>The check names of the results it returns (most checks: just <see cref="Name"/>).</summary>
    IReadOnlyList<string> Produces { get; }

    Task<IReadOnlyList<FrostHealthResult>> RunAsync(HealthContext context, CancellationToken cancellationToken);
}
