using FrostGuard.Engine.Deployments;

namespace FrostGuard.Engine.Tests.Deployments;

public sealed class AvailabilityProbeTests
{
    private static readonly long Second = System.Diagnostics.Stopwatch.Frequency;

    [Fact]
    public void Down_time_runs_from_a_failed_answer_to_the_next_good_one()
    {
        var samples = new List<(long, bool)> { (0, true), (1 * Second, false), (2 * Second, false), (4 * Second, true), (5 * Second, true) };
        Assert.Equal(3.0, AvailabilityProbe.DowntimeOf(samples, 0, 6 * Second).TotalSeconds, 3);
    }

    [Fact]
    public void Down_time_counts_only_after_the_start_and_up_to_now_when_still_down()
    {
        var samples = new List<(long, bool)> { (0, false), (2 * Second, true), (3 * Second, false) };
        Assert.Equal(1.0 + 2.0, AvailabilityProbe.DowntimeOf(samples, 1 * Second, 5 * Second).TotalSeconds, 3);
    }
}
