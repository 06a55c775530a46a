using FrostGuard.Engine.Fleet;

namespace FrostGuard.Engine.Tests.Fleet;

public sealed class WavePlanTests
{
    private static string[] Hosts(int count) => Enumerable.Range(1, count).Select(i => $"h{i:00}").ToArray();

    private static int[] Sizes(int hosts, params string[]? sizes) => WavePlan.Split(Hosts(hosts), sizes).Select(w => w.Count).ToArray();

    [Fact]
    public void One_then_a_quarter_then_all_of_ten_hosts_makes_waves_of_one_three_and_six()
    {
        // 25% of 10 is 2.5, rounded up to 3; 100% is "the rest".
        Assert.Equal([1, 3, 6], Sizes(10, "1", "25%", "100%"));
    }

    [Fact]
    public void The_last_size_repeats_until_every_host_has_a_wave()
    {
        Assert.Equal([1, 1, 1, 1, 1], Sizes(5, "1"));
        Assert.Equal([2, 2, 1], Sizes(5, "2"));
    }

    [Fact]
    public void A_percentage_rounds_up_to_at_least_one_host()
    {
        Assert.Equal([1, 1, 1], Sizes(3, "10%"));
    }

    [Fact]
    public void A_percentage_that_names_a_whole_number_of_hosts_is_not_rounded_up_past_it()
    {
        Assert.Equal([3, 3, 3, 1], Sizes(10, "30%"));
    }

    [Fact]
    public void No_sizes_make_one_wave_of_all_hosts()
    {
        Assert.Equal([7], Sizes(7, null));
        Assert.Equal([7], Sizes(7));
    }

    [Fact]
    public void Waves_take_the_hosts_in_inventory_order()
    {
        var waves = WavePlan.Split(["db", "app2", "app1", "lb", "cache"], ["1", "2"]);

        Assert.Equal(["db", "app2 app1", "lb cache"], waves.Select(w => string.Join(" ", w)));
    }

    [Fact]
    public void A_size_larger_than_what_is_left_takes_the_rest()
    {
        Assert.Equal([2, 2], Sizes(4, "2", "50"));
        Assert.Equal([3], Sizes(3, "10"));
    }

    [Fact]
    public void No_hosts_make_no_waves()
    {
        Assert.Empty(WavePlan.Split(Array.Empty<string>(), ["1", "25%"]));
    }

    [Fact]
    public void Sizes_with_spaces_around_them_are_read()
    {
        Assert.Equal([1, 3, 6], Sizes(10, " 1 ", " 25% ", "100%"));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("0%")]
    [InlineData("101%")]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("-10%")]
    [InlineData("%")]
    [InlineData("")]
    public void An_invalid_size_is_a_FleetWaveInvalid_error_naming_the_size(string size)
    {
        var e = Assert.Throws<FrostException>(() => WavePlan.Split(Hosts(10), ["1", size]));

        Assert.Equal(ErrorIds.FleetWaveInvalid, e.ErrorId);
        Assert.Equal(FailureKind.InvalidData, e.Kind);
        Assert.Equal(size, e.Target);
        Assert.Contains($"'{size}'", e.Message);
    }

    [Fact]
    public void An_invalid_size_is_refused_even_when_no_wave_would_reach_it()
    {
        // Every size is checked up front: a typo in a later wave is not found only once that wave is due.
        var e = Assert.Throws<FrostException>(() => WavePlan.Split(Hosts(2), ["100%", "abc"]));

        Assert.Equal(ErrorIds.FleetWaveInvalid, e.ErrorId);
    }

    [Fact]
    public void NaN_percent_is_not_a_wave_size()
    {
        // BUG (src/FrostGuard.Engine/Fleet/WavePlan.cs:36): double.TryParse reads "NaN", and NaN fails
        // both "<= 0" and "> 100", so "NaN%" is taken as a wave of one host instead of being refused.
        var e = Assert.Throws<FrostException>(() => WavePlan.SizeOf("NaN%", 10));

        Assert.Equal(ErrorIds.FleetWaveInvalid, e.ErrorId);
    }
}
