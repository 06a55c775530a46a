using FrostGuard.Engine.Backups;

namespace FrostGuard.Engine.Tests.Backups.Wal;

/// <summary>A base backup's manifest is untrusted: a field that is missing is a listed problem, never an exception out of the catalog.</summary>
public sealed class PhysicalManifestTests
{
    private const string Id = "p-base-20261201T000000Z";

    private static BackupManifest Manifest(PhysicalBackupFacts facts) => new()
    {
        Id = Id, Database = "cluster:p", Created = DateTimeOffset.UtcNow.AddHours(-1), File = BackupManifest.BaseArchiveName(Id),
        Sha256 = "00", ServerVersion = "150000", PgDumpVersion = "15", Format = FrostBackupFormat.Physical, Physical = facts,
    };

    private static readonly PhysicalBackupFacts Whole =
        new("0/1", "0/2", 1, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, "7300000000000000001", 16 * 1024 * 1024, 1, "000000010000000000000001");

    private static IReadOnlyList<string> Problems(PhysicalBackupFacts facts) =>
        ManifestValidation.Problems(Manifest(facts), $"/backups/{Id}.manifest.json", DateTimeOffset.UtcNow);

    [Fact]
    public void A_whole_manifest_has_no_problem() => Assert.Empty(Problems(Whole));

    [Fact]
    public void A_missing_WAL_range_is_a_problem() =>
        Assert.Contains(Problems(Whole with { StartLsn = null! }), p => p.Contains("not two WAL locations", StringComparison.Ordinal));

    [Fact]
    public void A_missing_start_segment_is_a_problem() =>
        Assert.Contains(Problems(Whole with { StartSegment = null! }), p => p.Contains("not a WAL segment name", StringComparison.Ordinal));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("7300000000000000001; rm")]
    public void A_system_identifier_that_is_not_a_number_is_a_problem(string? systemIdentifier) =>
        Assert.Contains(Problems(Whole with { SystemIdentifier = systemIdentifier! }), p => p.Contains("system identifier", StringComparison.Ordinal));
}
