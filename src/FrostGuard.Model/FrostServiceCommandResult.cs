namespace FrostGuard;

/// <summary>How a one-off command run inside a service's container ended.</summary>
public sealed class FrostServiceCommandResult
{
    public required string Service { get; init; }
    public required string Container { get; init; }
    public required IReadOnlyList<string> Command { get; init; }
    public long ExitCode { get; init; }
    public TimeSpan Duration { get; init; }
    public bool Succeeded => ExitCode == 0;
}
