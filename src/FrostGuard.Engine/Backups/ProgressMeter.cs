using System.Diagnostics;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Backups;

/// <summary>Turns byte counts into a progress bar at most four times a second: bytes written and rate.</summary>
internal sealed class ProgressMeter
{
    private readonly IFrostReporter _reporter;
    private readonly int _activityId;
    private readonly string _activity;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan? _last;

    public ProgressMeter(IFrostReporter reporter, int activityId, string activity)
    {
        _reporter = reporter;
        _activityId = activityId;
        _activity = activity;
    }

    public void Report(long inputBytes, long outputBytes)
    {
        var now = _clock.Elapsed;
        if (_last is { } last && now - last < TimeSpan.FromMilliseconds(250))
        {
            return;
        }

        _last = now;
        var rate = inputBytes / 1048576.0 / Math.Max(now.TotalSeconds, 0.001);
        _reporter.Progress(new ProgressUpdate(_activityId, _activity,
            $"{inputBytes / 1048576.0:N1} MB read, {outputBytes / 1048576.0:N1} MB written, {rate:N1} MB/s"));
    }

    public void Complete() => _reporter.Progress(new ProgressUpdate(_activityId, _activity, "done", Completed: true));
}
