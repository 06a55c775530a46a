using FrostGuard.Engine.Deployments;

namespace FrostGuard.Engine.Tests.Deployments;

/// <summary>What Disable-FrostWalArchive puts back, from a record in the deployment folder it reads as untrusted.</summary>
public sealed class SlotKeepSizeBeforeTests
{
    [Fact]
    public void The_first_record_stays_while_the_server_has_what_the_last_enable_set()
    {
        using var folder = new TempFolder();
        var path = SlotKeepSizeBefore.PathIn(folder.Path);
        var first = SlotKeepSizeBefore.Next(null, "-1", fromAlterSystem: false, setTo: "1GB");
        first.Save(path);
        var second = SlotKeepSizeBefore.Next(SlotKeepSizeBefore.Read(path), "1024MB", fromAlterSystem: true, setTo: "16MB");
        Assert.Equal(new SlotKeepSizeBefore("-1", false, "16MB"), second);
    }

    [Fact]
    public void A_value_someone_set_since_is_what_the_next_enable_records()
    {
        var earlier = new SlotKeepSizeBefore("-1", false, "1GB");
        Assert.Equal(new SlotKeepSizeBefore("5GB", true, "1GB"), SlotKeepSizeBefore.Next(earlier, "5GB", fromAlterSystem: true, setTo: "1GB"));
    }

    [Fact]
    public void A_value_set_with_alter_system_is_set_again_any_other_is_reset()
    {
        Assert.Equal("ALTER SYSTEM SET max_slot_wal_keep_size = '5GB'", new SlotKeepSizeBefore("5GB", true, "1GB").Statement);
        Assert.Equal("ALTER SYSTEM RESET max_slot_wal_keep_size", new SlotKeepSizeBefore("5GB", false, "1GB").Statement);
    }

    [Theory]
    [InlineData("""{"value":"1GB'; DROP TABLE readings; --","fromAlterSystem":true,"setTo":"1GB"}""")]
    [InlineData("""{"value":"1GB","fromAlterSystem":true,"setTo":"1GB'; DROP TABLE readings; --"}""")]
    [InlineData("""{"value":"","fromAlterSystem":true,"setTo":"1GB"}""")]
    [InlineData("""{"fromAlterSystem":true}""")]
    [InlineData("not json")]
    public void A_record_that_is_not_a_size_is_refused_before_any_statement(string content)
    {
        using var folder = new TempFolder();
        var path = folder.Write(".frostguard/wal-archive-keep-size-before.json", content);
        var refused = Assert.Throws<FrostException>(() => SlotKeepSizeBefore.Read(path));
        Assert.Contains(path, refused.Message, StringComparison.Ordinal);
        Assert.Contains("left as it is", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1GB", 1024)]
    [InlineData("1024MB", 1024)]
    [InlineData("2TB", 2L * 1024 * 1024)]
    [InlineData("-1", -1)]
    [InlineData("0", 0)]
    public void Sizes_compare_by_what_they_mean(string value, long megabytes) =>
        Assert.Equal(megabytes, SlotKeepSizeBefore.Megabytes(value));

    [Fact]
    public void No_record_means_nothing_to_put_back()
    {
        using var folder = new TempFolder();
        Assert.Null(SlotKeepSizeBefore.Read(SlotKeepSizeBefore.PathIn(folder.Path)));
    }

    [Theory]
    [InlineData("1GB", KeepSizePutBack.Restore)]
    [InlineData("1024MB", KeepSizePutBack.Restore)]
    [InlineData("-1", KeepSizePutBack.AlreadyBack)]
    [InlineData("5GB", KeepSizePutBack.ChangedSince)]
    [InlineData("", KeepSizePutBack.ChangedSince)]
    public void Disable_puts_back_only_what_enable_set(string live, KeepSizePutBack expected) =>
        Assert.Equal(expected, new SlotKeepSizeBefore("-1", false, "1GB").PutBackFrom(live));

    [Fact]
    public void A_disable_that_died_after_its_alter_system_finds_the_old_value_and_changes_nothing()
    {
        var before = new SlotKeepSizeBefore("3GB", true, "1GB");
        Assert.Equal(KeepSizePutBack.Restore, before.PutBackFrom("1GB"));
        Assert.Equal(KeepSizePutBack.AlreadyBack, before.PutBackFrom("3072MB"));
    }
}
