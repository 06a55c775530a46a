namespace FrostGuard;

/// <summary>What to do about capacity.</summary>
public enum ScalingRecommendation
{
    /// <summary>Nothing crosses a threshold: no change.</summary>
    None,
    /// <summary>Vertical: a bigger server (more CPUs or memory).</summary>
    ScaleUp,
    /// <summary>Horizontal: more worker instances (Set-FrostServiceScale), or more app servers.</summary>
    ScaleOut,
    /// <summary>Vertical for one container: raise its own limit (Set-FrostServiceLimit).</summary>
    RaiseLimit,
    /// <summary>The database is the bottleneck: more connections or a bigger database server, not more app instances.</summary>
    ScaleDatabase,
}

/// <summary>One piece of scaling advice, with the measured values and thresholds behind it.</summary>
public sealed class FrostScalingAdvice
{
    public ScalingRecommendation Recommendation { get; init; }
    /// <summary>host, database, or a service name.</summary>
    public required string Target { get; init; }
    public required string Reason { get; init; }
    /// <summary>The measurements the advice rests on, each with the threshold it was judged by.</summary>
    public IReadOnlyList<string> Evidence { get; init; } = [];
    /// <summary>The FrostGuard command that carries the advice out, when there is one.</summary>
    public string? Command { get; init; }

    public override string ToString() => $"{Recommendation} {Target}: {Reason}";
}
