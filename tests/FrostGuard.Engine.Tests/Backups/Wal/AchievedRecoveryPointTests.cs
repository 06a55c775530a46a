using FrostGuard.Engine.Backups.Wal;

namespace FrostGuard.Engine.Tests.Backups.Wal;

public sealed class AchievedRecoveryPointTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    private static WalSlotState Slot(bool active, double? flushLag = null, double? replyAge = null) =>
        new(true, active, "reserved", "1GB", 100, 100, flushLag, replyAge, 16 * 1024 * 1024, "1");

    [Fact]
    public void An_archiver_that_has_flushed_everything_loses_nothing() =>
        Assert.Equal(0, WalArchiveReader.AchievedRecoveryPoint(Slot(true, flushLag: 3), 0, Now.AddHours(-1), Now));

    [Fact]
    public void An_archiver_behind_loses_its_flush_lag_or_the_age_of_its_last_reply() =>
        Assert.Equal(7, WalArchiveReader.AchievedRecoveryPoint(Slot(true, flushLag: 2, replyAge: 7), 8192, null, Now));

    [Fact]
    public void Without_a_streaming_archiver_the_newest_archived_file_is_the_recovery_point() =>
        Assert.Equal(90, WalArchiveReader.AchievedRecoveryPoint(Slot(false), null, Now.AddSeconds(-90), Now));

    [Fact]
    public void No_archiver_and_no_file_is_unknown() =>
        Assert.Null(WalArchiveReader.AchievedRecoveryPoint(Slot(false), null, null, Now));
}
