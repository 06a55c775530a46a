using FrostGuard.Engine.Backups;

namespace FrostGuard.Engine.Tests.Backups;

public sealed class BackupRequestTests
{
    [Theory]
    [InlineData(FrostBackupFormat.Custom, null, FrostBackupCompression.Zstd)]
    [InlineData(FrostBackupFormat.Directory, null, FrostBackupCompression.Gzip)]
    [InlineData(FrostBackupFormat.Directory, FrostBackupCompression.None, FrostBackupCompression.None)]
    [InlineData(FrostBackupFormat.Custom, FrostBackupCompression.Gzip, FrostBackupCompression.Gzip)]
    public void Each_format_has_its_default_compression_and_an_asked_one_wins(FrostBackupFormat format, FrostBackupCompression? asked, FrostBackupCompression effective)
    {
        var request = new BackupRequest { Format = format, Compression = asked };
        Assert.Equal(effective, request.EffectiveCompression);
        request.Check();
    }

    [Theory]
    [InlineData(FrostBackupFormat.Custom, null, 4, "Jobs")]
    [InlineData(FrostBackupFormat.Directory, FrostBackupCompression.Zstd, 2, "Compression")]
    [InlineData(FrostBackupFormat.Directory, null, 0, "Jobs")]
    public void Combinations_no_format_can_honour_are_refused_naming_the_parameter(FrostBackupFormat format, FrostBackupCompression? compression, int jobs, string parameter)
    {
        var e = Assert.Throws<FrostException>(() => new BackupRequest { Format = format, Compression = compression, Jobs = jobs }.Check());
        Assert.Equal(ErrorIds.BackupOptionsConflict, e.ErrorId);
        Assert.Equal(parameter, e.Target);
    }

    [Fact]
    public void The_format_decides_the_dump_strategy_and_the_final_name()
    {
        Assert.IsType<CustomDump>(BackupRunner.FormatOf(new BackupRequest()));
        Assert.IsType<DirectoryDump>(BackupRunner.FormatOf(new BackupRequest { Format = FrostBackupFormat.Directory }));
        Assert.Equal("db-1.dir", new DirectoryDump().FinalName("db-1", FrostBackupCompression.Gzip));
        Assert.Equal(BackupManifest.ArchiveName("db-1", FrostBackupCompression.Zstd), new CustomDump().FinalName("db-1", FrostBackupCompression.Zstd));
    }
}
