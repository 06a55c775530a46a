using FrostGuard.Engine.Security;

namespace FrostGuard.Engine.Tests.Security;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PrivateFilesAuditTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateFolder = Private | UnixFileMode.UserExecute;

    [Fact]
    public void A_dump_others_can_read_is_critical_and_named()
    {
        using var root = new TempFolder();
        File.SetUnixFileMode(root.Path, PrivateFolder);
        var manifest = root.Write("b1.manifest.json", "{}");
        var dump = root.Write("b1.dump.zst", "dump");
        File.SetUnixFileMode(manifest, Private);
        File.SetUnixFileMode(dump, Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var finding = PrivateFilesAudit.Audit("backup root", root.Path);

        Assert.Equal(HealthStatus.Critical, finding.Status);
        Assert.Contains(dump, finding.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(manifest, finding.Message, StringComparison.Ordinal);
        Assert.Equal(1, finding.Counts["readableFiles"]);
    }

    [Fact]
    public void Private_files_in_a_folder_others_may_enter_are_a_warning_and_private_ones_are_ok()
    {
        using var root = new TempFolder();
        var journal = root.Write("runs/r1.jsonl", "{}");
        File.SetUnixFileMode(journal, Private);
        File.SetUnixFileMode(Path.Combine(root.Path, "runs"), PrivateFolder);
        File.SetUnixFileMode(root.Path, PrivateFolder | UnixFileMode.OtherExecute);

        Assert.Equal(HealthStatus.Warning, PrivateFilesAudit.Audit("state folder", root.Path).Status);

        File.SetUnixFileMode(root.Path, PrivateFolder);
        var ok = PrivateFilesAudit.Audit("state folder", root.Path);
        Assert.Equal(HealthStatus.Ok, ok.Status);
        Assert.Null(ok.Hint);
    }

    [Fact]
    public void A_root_that_does_not_exist_yet_is_ok()
    {
        Assert.Equal(HealthStatus.Ok, PrivateFilesAudit.Audit("backup root", "/nonexistent/frostguard-" + Guid.NewGuid().ToString("N")).Status);
    }
}
