using FrostGuard.Engine.Fleet;

namespace FrostGuard.Engine.Tests.Fleet;

public sealed class FailureThresholdTests
{
    private static bool Stops(string threshold, int failed, int waveSize, int unreachable = 0) =>
        FailureThreshold.Parse(threshold).IsExceeded(failed, unreachable, waveSize);

    [Fact]
    public void Ten_percent_of_a_wave_of_ten_goes_on_after_one_failure_and_stops_after_two()
    {
        Assert.False(Stops("10%", failed: 1, waveSize: 10));
        Assert.True(Stops("10%", failed: 2, waveSize: 10));
    }

    [Fact]
    public void Fifty_percent_of_a_wave_of_two_goes_on_after_one_failure()
    {
        Assert.False(Stops("50%", failed: 1, waveSize: 2));
        Assert.True(Stops("50%", failed: 2, waveSize: 2));
    }

    [Fact]
    public void Zero_percent_stops_at_the_first_failure_and_never_with_none()
    {
        Assert.True(Stops("0%", failed: 1, waveSize: 10));
        Assert.False(Stops("0%", failed: 0, waveSize: 10));
    }

    [Fact]
    public void One_hundred_percent_never_stops()
    {
        Assert.False(Stops("100%", failed: 5, waveSize: 5));
        Assert.False(Stops("100%", failed: 0, waveSize: 5, unreachable: 5));
    }

    [Fact]
    public void Unreachable_hosts_count_with_failed_ones()
    {
        Assert.True(Stops("10%", failed: 0, waveSize: 10, unreachable: 2));
        Assert.True(Stops("10%", failed: 1, waveSize: 10, unreachable: 1));
        Assert.False(Stops("10%", failed: 0, waveSize: 10, unreachable: 1));
    }

    [Fact]
    public void An_empty_wave_never_stops_the_run()
    {
        Assert.False(Stops("0%", failed: 0, waveSize: 0));
        Assert.False(Stops("0%", failed: 1, waveSize: 0));
    }

    [Fact]
    public void No_threshold_is_zero_percent()
    {
        Assert.Equal(FailureThreshold.None, FailureThreshold.Parse(null));
        Assert.Equal(0, FailureThreshold.Parse("").Percent);
        Assert.Equal(0, FailureThreshold.Parse("  ").Percent);
    }

    [Theory]
    [InlineData("10%", 10)]
    [InlineData("10", 10)]
    [InlineData(" 25 % ", 25)]
    [InlineData("12.5%", 12.5)]
    [InlineData("0", 0)]
    [InlineData("100%", 100)]
    public void Parses_a_percentage_with_or_without_its_sign(string text, double percent)
    {
        Assert.Equal(percent, FailureThreshold.Parse(text).Percent);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("101")]
    [InlineData("100.5%")]
    [InlineData("abc")]
    [InlineData("%")]
    [InlineData("%10")]
    public void Refuses_what_is_not_a_percentage_from_zero_to_one_hundred(string text)
    {
        var e = Assert.Throws<FrostException>(() => FailureThreshold.Parse(text));

        Assert.Equal(ErrorIds.FleetWaveInvalid, e.ErrorId);
        Assert.Equal(text, e.Target);
        Assert.Contains($"'{text}'", e.Message);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("NaN%")]
    public void NaN_is_not_a_percentage(string text)
    {
        // BUG (src/FrostGuard.Engine/Fleet/FailureThreshold.cs:23): double.TryParse reads "NaN", NaN fails both
        // "< 0" and "> 100", and a NaN threshold is never exceeded: -MaxFailure NaN silently means 100%.
        var e = Assert.Throws<FrostException>(() => FailureThreshold.Parse(text));

        Assert.Equal(ErrorIds.FleetWaveInvalid, e.ErrorId);
    }

    [Theory]
    [InlineData("10", "10%")]
    [InlineData(" 25 % ", "25%")]
    [InlineData("12.5%", "12.5%")]
    [InlineData("33.333%", "33.33%")]
    [InlineData(null, "0%")]
    public void Prints_as_a_percentage(string? text, string printed)
    {
        Assert.Equal(printed, FailureThreshold.Parse(text).ToString());
    }

    [Fact]
    public void What_it_prints_parses_back_to_the_same_threshold()
    {
        var threshold = FailureThreshold.Parse("12.5");

        Assert.Equal(threshold, FailureThreshold.Parse(threshold.ToString()));
    }
}
