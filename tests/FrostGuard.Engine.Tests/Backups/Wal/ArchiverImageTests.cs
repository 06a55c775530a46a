using FrostGuard.Engine.Backups.Wal;

namespace FrostGuard.Engine.Tests.Backups.Wal;

/// <summary>The archiver's image is written at Enable; an update of the database's image must not leave it behind unsaid.</summary>
public sealed class ArchiverImageTests
{
    private static FrostService Container(string service, string image, string imageId) => new()
    {
        Project = "p", Service = service, Container = $"p-{service}-1", ContainerId = "id-" + service,
        State = FrostContainerState.running, Health = FrostContainerHealth.none, Image = image, ImageId = imageId,
    };

    [Fact]
    public void The_database_s_own_image_is_no_problem() =>
        Assert.Null(WalArchiveReader.ImageProblem(Container("wal-archive", "postgres:15", "sha256:aaaaaaaaaaaaaaaaaaaa"), Container("postgres", "postgres:15", "sha256:aaaaaaaaaaaaaaaaaaaa"), "wal-archive"));

    [Fact]
    public void Another_image_names_both_and_the_command_that_moves_the_archiver()
    {
        var problem = WalArchiveReader.ImageProblem(
            Container("wal-archive", "postgres:15.4", "sha256:aaaaaaaaaaaaaaaaaaaa"), Container("postgres", "postgres:15.6", "sha256:bbbbbbbbbbbbbbbbbbbb"), "wal-archive");
        Assert.NotNull(problem);
        Assert.Contains("postgres:15.4 (aaaaaaaaaaaa)", problem, StringComparison.Ordinal);
        Assert.Contains("postgres:15.6 (bbbbbbbbbbbb)", problem, StringComparison.Ordinal);
        Assert.Contains("Run Enable-FrostWalArchive", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_either_container_there_is_nothing_to_compare() =>
        Assert.Null(WalArchiveReader.ImageProblem(null, Container("postgres", "postgres:15", "sha256:b"), "wal-archive"));

    [Fact]
    public void Two_builds_under_one_name_say_to_recreate_not_to_enable_again()
    {
        var problem = WalArchiveReader.ImageProblem(
            Container("wal-archive", "postgres:15", "sha256:aaaaaaaaaaaaaaaaaaaa"), Container("postgres", "postgres:15", "sha256:bbbbbbbbbbbbbbbbbbbb"), "wal-archive");
        Assert.NotNull(problem);
        Assert.Contains("different builds", problem, StringComparison.Ordinal);
        Assert.Contains("docker-compose up -d --no-deps wal-archive", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("Run Enable-FrostWalArchive", problem, StringComparison.Ordinal);
    }
}
