using FrostGuard.Engine.Deployments;

namespace FrostGuard.Engine.Tests.Deployments;

public sealed class ReleaseStoreTests
{
    private static FrostRelease Release(string id, DateTimeOffset created, string tag, FrostReleaseStatus status = FrostReleaseStatus.Deployed) => new()
    {
        Id = id,
        Project = "demo",
        Created = created,
        Status = status,
        Version = tag,
        Services = [new FrostReleaseService { Service = "backend", Image = "repo/backend:" + tag, ImageId = "sha256:" + tag, Replicas = 1 }],
        Tags = new Dictionary<string, string> { ["BACKEND_TAG"] = tag },
        ComposeHash = "abc",
        GitCommit = "0123456789abcdef",
        BackupId = "frostguard-1",
        Note = "test",
    };

    [Fact]
    public void A_record_round_trips_through_its_JSON_file_with_every_field()
    {
        using var temp = new TempFolder();
        var store = new ReleaseStore(temp.Path, "demo");
        var release = Release(ReleaseStore.NewId(DateTimeOffset.UtcNow), DateTimeOffset.UtcNow, "next");
        store.Save(release);

        var read = Assert.Single(store.List());
        Assert.Equal(release.Id, read.Id);
        Assert.Equal("next", read.Tags["BACKEND_TAG"]);
        Assert.Equal("sha256:next", Assert.Single(read.Services).ImageId);
        Assert.Equal("abc", read.ComposeHash);
        Assert.Equal("0123456789abcdef", read.GitCommit);
        Assert.Equal("frostguard-1", read.BackupId);
        Assert.Equal(store.PathOf(release.Id), read.Path);
        Assert.Contains("\"status\": \"Deployed\"", File.ReadAllText(read.Path!));
        // Written by rename: no temporary file is left beside it.
        Assert.Single(Directory.GetFiles(store.Folder));
    }

    [Fact]
    public void The_history_is_newest_first_and_marks_the_current_release()
    {
        using var temp = new TempFolder();
        var store = new ReleaseStore(temp.Path, "demo");
        var now = DateTimeOffset.UtcNow;
        store.Save(Release("a", now.AddMinutes(-2), "current"));
        store.Save(Release("b", now.AddMinutes(-1), "next"));
        store.Save(Release("c", now, "broken", FrostReleaseStatus.RolledBack));
        store.SetCurrent("b");

        var list = store.List();
        Assert.Equal(["c", "b", "a"], list.Select(r => r.Id));
        Assert.Equal("b", Assert.Single(list, r => r.IsCurrent).Id);
        // IsCurrent is derived, never stored: a stale flag in a file cannot mislead.
        Assert.DoesNotContain("isCurrent\": true", File.ReadAllText(store.PathOf("b")));
    }

    [Fact]
    public void A_broken_record_is_an_error_that_names_the_file()
    {
        using var temp = new TempFolder();
        var store = new ReleaseStore(temp.Path, "demo");
        Directory.CreateDirectory(store.Folder);
        File.WriteAllText(Path.Combine(store.Folder, "x.json"), "{ not json");
        var e = Assert.Throws<FrostException>(() => store.List());
        Assert.Equal(ErrorIds.ReleaseRecordInvalid, e.ErrorId);
        Assert.Contains("x.json", e.Message);
    }

    [Fact]
    public void An_unknown_release_is_not_found()
    {
        using var temp = new TempFolder();
        Assert.Equal(ErrorIds.ReleaseNotFound, Assert.Throws<FrostException>(() => new ReleaseStore(temp.Path, "demo").Get("nope")).ErrorId);
    }

    [Fact]
    public void Ids_sort_as_text_in_time_order()
    {
        var earlier = ReleaseStore.NewId(new DateTimeOffset(2026, 1, 2, 3, 4, 5, 6, TimeSpan.Zero));
        var later = ReleaseStore.NewId(new DateTimeOffset(2026, 1, 2, 3, 4, 5, 7, TimeSpan.Zero));
        Assert.Equal("20260102T030405006Z", earlier);
        Assert.True(string.CompareOrdinal(earlier, later) < 0);
    }

    [Fact]
    public void The_same_state_means_same_tags_images_files_and_commit()
    {
        var now = DateTimeOffset.UtcNow;
        var a = Release("a", now, "next");
        Assert.True(DeploymentState.SameState(a, Release("b", now, "next")));
        Assert.False(DeploymentState.SameState(a, Release("b", now, "current")));
    }

    [Fact]
    public void The_compose_hash_changes_with_any_file_content()
    {
        using var temp = new TempFolder();
        var main = temp.Write("docker-compose.yml", "services: {}\n");
        var before = DeploymentState.HashFiles([main]);
        Assert.Equal(before, DeploymentState.HashFiles([main]));
        File.AppendAllText(main, "# changed\n");
        Assert.NotEqual(before, DeploymentState.HashFiles([main]));
    }
}
