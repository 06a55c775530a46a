namespace FrostGuard.Engine;

/// <summary>What kind of failure a <see cref="FrostException"/> is; the cmdlet maps it to an ErrorCategory.</summary>
public enum FailureKind
{
    InvalidConfiguration,
    NotFound,
    ConnectionFailed,
    AuthenticationFailed,
    InvalidData,
    OperationFailed,
    PermissionDenied,
}
