namespace FrostGuard;

/// <summary>The verdict of one health check on one target, from best to worst; Unknown means it could not be judged.</summary>
public enum HealthStatus
{
    Ok,
    Warning,
    Critical,
    Unknown,
}
