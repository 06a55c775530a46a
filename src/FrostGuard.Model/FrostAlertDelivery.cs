namespace FrostGuard;

/// <summary>One alert message delivered to a webhook. <see cref="Webhook"/> is redacted: a webhook's path is its secret.</summary>
public sealed class FrostAlertDelivery
{
    public required string Webhook { get; init; }
    public int Alerts { get; init; }
    public int Attempts { get; init; }
    public int StatusCode { get; init; }
    public TimeSpan Duration { get; init; }
}
