using FrostGuard.Engine.Deployments;

namespace FrostGuard.Engine.Tests.Deployments;

public sealed class ComposeOverrideTests
{
    private static readonly ComposeOverride Empty = new("2.4", new Dictionary<string, ServiceOverride>());

    [Fact]
    public void Scale_and_limits_are_written_as_Compose_keys_under_the_marker()
    {
        var o = Empty.With("worker", new ServiceOverride(Replicas: 3)).With("backend", new ServiceOverride(MemoryBytes: 512L * 1024 * 1024, Cpus: 1.5));
        Assert.Equal($"""
            {ComposeOverride.Marker}
            version: "2.4"
            services:
              backend:
                mem_limit: 536870912
                cpus: 1.5
              worker:
                scale: 3

            """.Replace("\r\n", "\n"), o.Render());
    }

    [Fact]
    public void What_is_written_is_read_back()
    {
        var o = Empty.With("worker", new ServiceOverride(Replicas: 3)).With("backend", new ServiceOverride(MemoryBytes: 1073741824, Cpus: 0.25));
        var read = ComposeOverride.Parse(o.Render(), "x", "2.4");
        Assert.Equal(new ServiceOverride(3, null, null), read.For("worker"));
        Assert.Equal(new ServiceOverride(null, 1073741824, 0.25), read.For("backend"));
    }

    [Fact]
    public void A_service_back_at_one_replica_without_limits_leaves_the_file()
    {
        var o = Empty.With("worker", new ServiceOverride(Replicas: 3)).With("worker", new ServiceOverride(Replicas: 1));
        Assert.Empty(o.Services);
        Assert.EndsWith("services: {}\n", o.Render());
    }

    [Fact]
    public void A_file_FrostGuard_did_not_write_is_never_overwritten()
    {
        var e = Assert.Throws<FrostException>(() => ComposeOverride.Parse("services:\n  worker:\n    scale: 2\n", "/d/docker-compose.override.yml", null));
        Assert.Equal(ErrorIds.OverrideFileNotManaged, e.ErrorId);
        Assert.Contains("/d/docker-compose.override.yml", e.Message);
    }

    [Fact]
    public void Saving_writes_atomically_and_an_empty_override_removes_the_file()
    {
        using var temp = new TempFolder();
        var o = Empty.With("worker", new ServiceOverride(Replicas: 2));
        o.Save(temp.Path);
        var path = ComposeOverride.PathIn(temp.Path);
        Assert.Equal(o.Render(), File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(temp.Path)); // no temporary file left
        Assert.Equal(2, ComposeOverride.Load(temp.Path, "2.4").For("worker").Replicas);

        o.With("worker", new ServiceOverride()).Save(temp.Path);
        Assert.False(File.Exists(path));
        Assert.Empty(ComposeOverride.Load(temp.Path, "2.4").Services);
    }

    [Fact]
    public void The_version_is_taken_from_the_main_compose_file()
    {
        using var temp = new TempFolder();
        Assert.Equal("2.4", ComposeOverride.VersionOf(temp.Write("a.yml", "# x\nversion: \"2.4\"\nservices: {}\n")));
        Assert.Null(ComposeOverride.VersionOf(temp.Write("b.yml", "services: {}\n")));
    }

    [Theory]
    [InlineData("on")]
    [InlineData("no")]
    [InlineData("1e3")]
    [InlineData("null")]
    [InlineData("a: b")]
    [InlineData("#x")]
    public void A_service_name_YAML_would_read_as_something_else_is_quoted_and_read_back_as_itself(string name)
    {
        var o = Empty.With(name, new ServiceOverride(Replicas: 2));
        var text = o.Render();
        Assert.Contains($"\"{name}\":", text);
        Assert.Equal(2, ComposeOverride.Parse(text, "x", "2.4").For(name).Replicas);
    }

    [Fact]
    public void An_added_service_is_written_whole_and_read_back_beside_the_scales()
    {
        var archiver = new AddedService("frostguard-sandbox/postgres:15", "101:104", "host", ["/usr/lib/postgresql/15/bin/pg_receivewal"],
            ["--directory=/wal", "--slot=frostguard_wal_archive", "--dbname=host=127.0.0.1 port=25432 user=frostguard_replication"],
            ["/usr:/usr:ro", "/backups/wal/p:/wal"], new Dictionary<string, string> { ["PGPASSFILE"] = "/run/frostguard-wal-archive/pgpass" });
        var o = Empty.With("worker", new ServiceOverride(Replicas: 2)).WithAdded("wal-archive", archiver);
        var text = o.Render();
        Assert.Contains("  wal-archive:\n    image: \"frostguard-sandbox/postgres:15\"\n    user: \"101:104\"\n    network_mode: \"host\"\n    restart: \"unless-stopped\"\n", text, StringComparison.Ordinal);
        var read = ComposeOverride.Parse(text, "x", "2.4");
        Assert.Equal(new ServiceOverride(2, null, null), read.For("worker"));
        var back = read.Added["wal-archive"];
        Assert.Equal(archiver.Image, back.Image);
        Assert.Equal(archiver.Command, back.Command);
        Assert.Equal(archiver.Volumes, back.Volumes);
        Assert.Equal("/run/frostguard-wal-archive/pgpass", back.Environment["PGPASSFILE"]);
        Assert.False(read.Services.ContainsKey("wal-archive"));
    }

    [Fact]
    public void Removing_the_added_service_leaves_an_empty_override()
    {
        var archiver = new AddedService("img", "1:1", "host", ["x"], [], [], new Dictionary<string, string>());
        var o = Empty.WithAdded("wal-archive", archiver);
        Assert.False(o.IsEmpty);
        Assert.True(o.WithAdded("wal-archive", null).IsEmpty);
        Assert.True(o.With("worker", new ServiceOverride(Replicas: 3)).Added.ContainsKey("wal-archive"));
    }
}
