namespace FrostGuard;

/// <summary>What a live connection to the deployment's database reports.</summary>
public sealed class FrostDatabase
{
    public required string Endpoint { get; init; }
    public required string Database { get; init; }
    public required string User { get; init; }
    public required string ServerVersion { get; init; }
    public long SizeBytes { get; init; }
    public int Connections { get; init; }
    public int MaxConnections { get; init; }
    public TimeSpan ServerUptime { get; init; }
    public bool InRecovery { get; init; }
    public TimeSpan ConnectTime { get; init; }
    public required IReadOnlyList<string> Tables { get; init; }
}
