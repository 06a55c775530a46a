namespace FrostGuard.Engine.Deployments;

/// <summary>The health URL as an update sees it: whether it is measured, and for how long it was down.</summary>
public interface IAvailability : IAsyncDisposable
{
    /// <summary>False when the configuration names no health URL: nothing is measured.</summary>
    bool Measures { get; }

    /// <summary>How long the URL did not answer 200 since a Stopwatch timestamp (0: since measuring began).</summary>
    TimeSpan Downtime(long since = 0);

    /// <summary>How long after the timestamp the URL answered 200 again; null while it has not.</summary>
    TimeSpan? UntilUp(long since);
}
