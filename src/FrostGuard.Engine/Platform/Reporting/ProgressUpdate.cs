namespace FrostGuard.Engine.Platform.Reporting;

/// <summary>One progress bar state. <see cref="Completed"/> closes the bar.</summary>
public sealed record ProgressUpdate(
    int ActivityId,
    string Activity,
    string Status,
    int PercentComplete = -1,
    int ParentActivityId = -1,
    bool Completed = false);
