using FrostGuard.Engine.Backups.Physical;

namespace FrostGuard.Engine.Tests.Backups;

/// <summary>Which host folder a recovery to a point swaps, from the database container's mounts; and which it refuses to.</summary>
public sealed class DataDirectoryMountTests
{
    private static readonly ContainerMount Binaries = new("/usr", "/usr", "bind");

    private static string HostFolder(string dataDirectory, params ContainerMount[] mounts) =>
        DataDirectoryMount.Resolve(mounts, [], dataDirectory, "db").HostFolder;

    [Fact]
    public void A_bind_mounted_data_directory_is_its_host_folder() =>
        Assert.Equal("/srv/pg", HostFolder("/var/lib/postgresql/data", Binaries, new("/var/lib/postgresql/data", "/srv/pg/", "bind")));

    [Fact]
    public void A_named_volume_is_the_volume_s_data_folder()
    {
        var volume = new ContainerMount("/var/lib/postgresql/data", "/var/lib/docker/volumes/app_pgdata/_data", "volume", "app_pgdata");
        var location = DataDirectoryMount.Resolve([Binaries, volume], [], "/var/lib/postgresql/data/", "db");
        Assert.Equal("/var/lib/docker/volumes/app_pgdata/_data", location.HostFolder);
        Assert.Equal("app_pgdata", location.Mount.Name);
    }

    [Fact]
    public void A_data_directory_inside_a_volume_is_the_same_folder_inside_the_volume() =>
        Assert.Equal("/var/lib/docker/volumes/app_pgdata/_data/pgdata", HostFolder("/var/lib/postgresql/data/pgdata",
            new("/var/lib/postgresql", "/srv/outer", "bind"),
            new("/var/lib/postgresql/data", "/var/lib/docker/volumes/app_pgdata/_data", "volume", "app_pgdata")));

    [Theory]
    [InlineData("/var/lib/postgresql/data2", "container's own file system")] // a name that merely starts like the mount
    [InlineData("/var/lib/postgresql", "container's own file system")]       // the mount's parent
    public void A_folder_no_mount_holds_is_refused(string dataDirectory, string why)
    {
        var refused = Assert.Throws<FrostException>(() => HostFolder(dataDirectory, new ContainerMount("/var/lib/postgresql/data", "/srv/pg", "bind")));
        Assert.Contains(why, refused.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was stopped or changed", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tmpfs_nearer_than_a_bind_mount_is_what_holds_the_data_and_is_refused()
    {
        var outer = new ContainerMount("/var/lib/postgresql", "/srv/outer", "bind");
        var refused = Assert.Throws<FrostException>(() => DataDirectoryMount.Resolve([outer], ["/var/lib/postgresql/data"], "/var/lib/postgresql/data", "db"));
        Assert.Contains("tmpfs", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_mount_inside_the_data_directory_is_refused_it_would_keep_the_old_data()
    {
        var refused = Assert.Throws<FrostException>(() => HostFolder("/var/lib/postgresql/data",
            new("/var/lib/postgresql/data", "/srv/pg", "bind"), new("/var/lib/postgresql/data/pg_wal", "/fast/wal", "bind")));
        Assert.Contains("/var/lib/postgresql/data/pg_wal", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_root_mount_holds_no_folder_a_recovery_could_swap() =>
        Assert.Throws<FrostException>(() => HostFolder("/var/lib/postgresql/data", new ContainerMount("/", "/", "bind")));
}
