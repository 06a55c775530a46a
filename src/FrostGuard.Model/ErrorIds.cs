namespace FrostGuard;

/// <summary>
/// Every FullyQualifiedErrorId prefix FrostGuard writes. One place, so ids stay unique and
/// tests can pin them; docs/errors.md describes each one.
/// </summary>
public static class ErrorIds
{
    public const string ConfigNotFound = "ConfigNotFound";
    public const string ConfigInvalid = "ConfigInvalid";
    public const string ConfigUnreadable = "ConfigUnreadable";
    public const string DockerUnreachable = "DockerUnreachable";
    public const string DockerRequestFailed = "DockerRequestFailed";
    public const string ServiceNotFound = "ServiceNotFound";
    public const string DatabaseUnreachable = "DatabaseUnreachable";
    public const string DatabaseAuthenticationFailed = "DatabaseAuthenticationFailed";
    public const string DatabasePasswordUnavailable = "DatabasePasswordUnavailable";
    public const string ServiceNotReady = "ServiceNotReady";
    public const string ServiceNotRunning = "ServiceNotRunning";
    public const string ServiceCommandFailed = "ServiceCommandFailed";
    public const string InvalidDuration = "InvalidDuration";
    public const string InvalidPattern = "InvalidPattern";
    public const string ThresholdInvalid = "ThresholdInvalid";
    public const string ThresholdTableNotFound = "ThresholdTableNotFound";
    public const string ExportFailed = "ExportFailed";
    public const string AlertDeliveryFailed = "AlertDeliveryFailed";
    public const string AlertWebhookMissing = "AlertWebhookMissing";
}
