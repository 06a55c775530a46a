using System.Management.Automation;
using FrostGuard.Engine;

namespace FrostGuard.Hosting;

/// <summary>Turns engine failures into error records: id, category, target and the next step.</summary>
internal static class FrostErrors
{
    public static ErrorRecord ToRecord(FrostException e) =>
        Create(e, e.ErrorId, CategoryOf(e.Kind), e.Target, e.RecommendedAction);

    public static ErrorRecord Create(Exception exception, string errorId, ErrorCategory category, object? target, string recommendedAction) =>
        new(exception, errorId, category, target)
        {
            ErrorDetails = new ErrorDetails(exception.Message) { RecommendedAction = recommendedAction },
        };

    public static ErrorCategory CategoryOf(FailureKind kind) => kind switch
    {
        FailureKind.InvalidConfiguration => ErrorCategory.InvalidData,
        FailureKind.NotFound => ErrorCategory.ObjectNotFound,
        FailureKind.ConnectionFailed => ErrorCategory.ConnectionError,
        FailureKind.AuthenticationFailed => ErrorCategory.AuthenticationError,
        FailureKind.InvalidData => ErrorCategory.InvalidData,
        FailureKind.PermissionDenied => ErrorCategory.PermissionDenied,
        _ => ErrorCategory.InvalidOperation,
    };
}
