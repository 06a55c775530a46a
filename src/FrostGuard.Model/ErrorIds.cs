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
    public const string RunbookRunInProgress = "RunbookRunInProgress";
    public const string RunbookRunNotFound = "RunbookRunNotFound";
    public const string RunReportInputInvalid = "RunReportInputInvalid";
    public const string PesterNotFound = "PesterNotFound";
    public const string BackupInProgress = "BackupInProgress";
    public const string BackupDestinationNotWritable = "BackupDestinationNotWritable";
    public const string BackupWriteFailed = "BackupWriteFailed";
    public const string BackupInsufficientSpace = "BackupInsufficientSpace";
    public const string BackupFailed = "BackupFailed";
    public const string BackupToolMissing = "BackupToolMissing";
    public const string BackupToolTooOld = "BackupToolTooOld";
    public const string BackupNotFound = "BackupNotFound";
    public const string BackupManifestInvalid = "BackupManifestInvalid";
    public const string BackupChecksumMismatch = "BackupChecksumMismatch";
    public const string BackupArchiveUnreadable = "BackupArchiveUnreadable";
    public const string BackupRestoreFailed = "BackupRestoreFailed";
    public const string BackupRestoreTestFailed = "BackupRestoreTestFailed";
    public const string ServiceUnhealthyAfterRestore = "ServiceUnhealthyAfterRestore";
    public const string BackupRemoveFailed = "BackupRemoveFailed";
    public const string BackupArchiveShared = "BackupArchiveShared";
    public const string RetentionPolicyInvalid = "RetentionPolicyInvalid";
    public const string BackupAlreadyExists = "BackupAlreadyExists";
    public const string BackupOptionsConflict = "BackupOptionsConflict";
    public const string ScheduleInvalid = "ScheduleInvalid";
    public const string ScheduleWriteFailed = "ScheduleWriteFailed";
    public const string ScheduleNotFound = "ScheduleNotFound";
    public const string ConfigArchiveKeyInvalid = "ConfigArchiveKeyInvalid";
    public const string ConfigArchiveMissing = "ConfigArchiveMissing";
    public const string DeploymentPathNotEmpty = "DeploymentPathNotEmpty";
    public const string DeploymentRecoveryFailed = "DeploymentRecoveryFailed";
    public const string DeploymentIsolationRefused = "DeploymentIsolationRefused";
    public const string RecoveryObjectivesInvalid = "RecoveryObjectivesInvalid";
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
    public const string ToolNotFound = "ToolNotFound";
    public const string ComposeFailed = "ComposeFailed";
    public const string GitFailed = "GitFailed";
    public const string UpdatePreflightFailed = "UpdatePreflightFailed";
    public const string UpdateImageNotFound = "UpdateImageNotFound";
    public const string UpdateInvalidVersion = "UpdateInvalidVersion";
    public const string UpdateHealthTimeout = "UpdateHealthTimeout";
    public const string UpdateHealthCheckFailed = "UpdateHealthCheckFailed";
    public const string UpdateRolledBack = "UpdateRolledBack";
    public const string RollbackFailed = "RollbackFailed";
    public const string ReleaseNotFound = "ReleaseNotFound";
    public const string ReleaseRecordInvalid = "ReleaseRecordInvalid";
    public const string OverrideFileNotManaged = "OverrideFileNotManaged";
    public const string ScaleNotPossible = "ScaleNotPossible";
    public const string ServiceLimitMissing = "ServiceLimitMissing";
    public const string SecretNotManaged = "SecretNotManaged";
    public const string SecretValueRejected = "SecretValueRejected";
    public const string SecretInEnvironment = "SecretInEnvironment";
    public const string SecretRotationFailed = "SecretRotationFailed";
    public const string SecretRollbackFailed = "SecretRollbackFailed";
    public const string SecretRotationInProgress = "SecretRotationInProgress";
    public const string CertificateTargetMissing = "CertificateTargetMissing";
    public const string SecurityRecordingNotFound = "SecurityRecordingNotFound";
}
