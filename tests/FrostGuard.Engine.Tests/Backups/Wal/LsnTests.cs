using FrostGuard.Engine.Backups;
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

    [Fact]
    public void A_manifest_whose_WAL_range_is_missing_is_a_problem_not_a_crash()
    {
        var manifest = new BackupManifest
        {
            Id = "p-base-20261201T000000Z", Database = "cluster:p", Created = DateTimeOffset.UtcNow.AddHours(-1), File = BackupManifest.BaseArchiveName("p-base-20261201T000000Z"),
            Sha256 = "00", ServerVersion = "150000", PgDumpVersion = "15", Format = FrostBackupFormat.Physical,
            Physical = new PhysicalBackupFacts(null!, "0/2", 1, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, "7300000000000000001", 16 * 1024 * 1024, 1, "000000010000000000000001"),
        };

        Assert.Contains(ManifestValidation.Problems(manifest, "/backups/p-base-20261201T000000Z.manifest.json", DateTimeOffset.UtcNow), p => p.Contains("not two WAL locations", StringComparison.Ordinal));
    }
}
