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
    public const string RunbookNotFound = "RunbookNotFound";
    public const string RunbookInvalid = "RunbookInvalid";
    public const string RunbookParameterInvalid = "RunbookParameterInvalid";
    public const string RunbookParameterMissing = "RunbookParameterMissing";
    public const string RunbookFailed = "RunbookFailed";
    public const string RunbookResumeRefused = "RunbookResumeRefused";
    public const string RunbookRunNotFound = "RunbookRunNotFound";
    public const string RunReportInputInvalid = "RunReportInputInvalid";
    public const string PesterNotFound = "PesterNotFound";
}
