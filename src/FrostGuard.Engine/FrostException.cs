namespace FrostGuard.Engine;

/// <summary>
/// A failure the operator can act on: an error id from <see cref="ErrorIds"/>, the input that
/// failed, and the next thing to do. Messages never contain secrets.
/// </summary>
public sealed class FrostException : Exception
{
    public FrostException(string errorId, FailureKind kind, string message, object? target,
        string recommendedAction, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
        RecommendedAction = recommendedAction;
    }

    public string ErrorId { get; }
    public FailureKind Kind { get; }
    public object? Target { get; }
    public string RecommendedAction { get; }
}
