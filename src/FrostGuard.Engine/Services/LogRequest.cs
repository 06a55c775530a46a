namespace FrostGuard.Engine.Services;

/// <summary>What Get-FrostLog asks for. <see cref="Tail"/> null means all lines.</summary>
public sealed record LogRequest
{
    public DateTimeOffset? Since { get; init; }
    public int? Tail { get; init; }
    public System.Text.RegularExpressions.Regex? Pattern { get; init; }
    public bool Follow { get; init; }
}
