using FrostGuard.Engine.Backups.Wal;

namespace FrostGuard.Engine.Tests.Backups.Wal;

/// <summary>WAL locations as PostgreSQL writes them, read from manifests and history files FrostGuard does not trust.</summary>
public sealed class LsnTests
{
    [Theory]
    [InlineData("16/B374D848", 0x16_B374D848UL)]
    [InlineData("0/0", 0UL)]
    [InlineData("FFFFFFFF/FFFFFFFF", ulong.MaxValue)]
    public void A_location_reads_and_writes_back_the_same(string text, ulong value)
    {
        Assert.True(Lsn.TryParse(text, out var lsn));
        Assert.Equal(value, lsn);
        Assert.Equal(value, Lsn.Parse(text));
        Assert.Equal(text, Lsn.Format(value));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("/1")]
    [InlineData("1/")]
    [InlineData("16B374D848")]
    [InlineData("1/2/3")]
    [InlineData("100000000/0")]
    [InlineData("G/0")]
    public void Anything_else_is_not_a_location(string? text)
    {
        Assert.False(Lsn.TryParse(text, out _));
        if (text is not null)
        {
            Assert.Throws<FormatException>(() => Lsn.Parse(text));
        }
    }
}
