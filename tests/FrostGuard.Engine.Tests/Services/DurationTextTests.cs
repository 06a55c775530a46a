using FrostGuard.Engine.Services;

namespace FrostGuard.Engine.Tests.Services;

public sealed class DurationTextTests
{
    [Theory]
    [InlineData("90s", 90)]
    [InlineData("15m", 900)]
    [InlineData("1h", 3600)]
    [InlineData("2d", 172800)]
    [InlineData("1h30m", 5400)]
    [InlineData("500ms", 0.5)]
    [InlineData("00:05:00", 300)]
    public void Parses_operator_durations(string text, double seconds)
    {
        Assert.True(DurationText.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("5 weeks")]
    public void Rejects_what_is_not_a_duration(string text) => Assert.False(DurationText.TryParse(text, out _));
}
