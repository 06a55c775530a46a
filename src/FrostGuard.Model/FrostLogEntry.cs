namespace FrostGuard;

/// <summary>One line a container wrote, demultiplexed from Docker's log stream.</summary>
public sealed class FrostLogEntry
{
    public required string Service { get; init; }
    public required string Container { get; init; }
    public DateTimeOffset? Timestamp { get; init; }
    /// <summary>stdout or stderr.</summary>
    public required string Stream { get; init; }
    public required string Message { get; init; }

    public override string ToString() => Message;
}
