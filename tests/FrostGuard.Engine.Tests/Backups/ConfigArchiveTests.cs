using System.Formats.Tar;
using System.Text;
using FrostGuard.Engine.Backups.ConfigArchive;
using FrostGuard.Engine.Reporting;

namespace FrostGuard.Engine.Tests.Backups;

public sealed class ConfigArchiveTests
{
    private static ConfigArchiveKey Passphrase(string text = "correct horse battery staple") => ConfigArchiveKey.FromPassphrase(text);

    [Fact]
    public void A_sealed_payload_opens_with_the_same_passphrase_and_backup_id()
    {
        using var key = Passphrase();
        var sealedBytes = SealedFile.Seal(Encoding.UTF8.GetBytes("POSTGRES_PASSWORD=s3cret"), key, "frostguard-1");

        Assert.DoesNotContain("s3cret", Encoding.UTF8.GetString(sealedBytes), StringComparison.Ordinal);
        Assert.Equal("POSTGRES_PASSWORD=s3cret", Encoding.UTF8.GetString(SealedFile.Open(sealedBytes, key, "frostguard-1", "x")));
    }

    [Fact]
    public void A_wrong_passphrase_another_backup_id_or_a_flipped_byte_does_not_open()
    {
        using var key = Passphrase();
        using var wrong = Passphrase("correct horse battery stapler");
        var sealedBytes = SealedFile.Seal(Encoding.UTF8.GetBytes("payload"), key, "frostguard-1");
        var flipped = sealedBytes.ToArray();
        flipped[^1] ^= 1;

        Assert.Equal(ErrorIds.ConfigArchiveKeyInvalid, Assert.Throws<FrostException>(() => SealedFile.Open(sealedBytes, wrong, "frostguard-1", "x")).ErrorId);
        Assert.Equal(ErrorIds.ConfigArchiveKeyInvalid, Assert.Throws<FrostException>(() => SealedFile.Open(sealedBytes, key, "frostguard-2", "x")).ErrorId);
        Assert.Equal(ErrorIds.ConfigArchiveKeyInvalid, Assert.Throws<FrostException>(() => SealedFile.Open(flipped, key, "frostguard-1", "x")).ErrorId);
    }

    [Fact]
    public void A_key_file_seals_and_a_passphrase_is_told_apart_from_it()
    {
        using var folder = new TempFolder();
        var keyPath = Path.Combine(folder.Path, "config.key");
        File.WriteAllBytes(keyPath, Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
        using var keyFile = ConfigArchiveKey.FromKeyFile(keyPath);
        using var passphrase = Passphrase();
        var sealedBytes = SealedFile.Seal([1, 2, 3], keyFile, "b");

        Assert.Equal(new byte[] { 1, 2, 3 }, SealedFile.Open(sealedBytes, keyFile, "b", "x"));
        Assert.Contains("Pass -KeyFile", Assert.Throws<FrostException>(() => SealedFile.Open(sealedBytes, passphrase, "b", "x")).RecommendedAction);
    }

    [Fact]
    public void Weak_keys_are_refused()
    {
        using var folder = new TempFolder();
        var keyPath = folder.Write("short.key", "too short");
        Assert.Equal(ErrorIds.ConfigArchiveKeyInvalid, Assert.Throws<FrostException>(() => ConfigArchiveKey.FromPassphrase("short")).ErrorId);
        Assert.Equal(ErrorIds.ConfigArchiveKeyInvalid, Assert.Throws<FrostException>(() => ConfigArchiveKey.FromKeyFile(keyPath)).ErrorId);
    }

    [Fact]
    public void The_deployment_directory_round_trips_without_git_and_with_modes()
    {
        using var source = new TempFolder();
        using var backups = new TempFolder();
        using var target = new TempFolder();
        source.Write("docker-compose.yml", "services: {}\n");
        var env = source.Write(".env", "POSTGRES_PASSWORD=s3cret\n");
        source.Write("proxy/nginx.conf", "events {}\n");
        source.Write(".git/HEAD", "ref: refs/heads/main\n");
        var frostConfig = source.Write("../frostguard-config-" + Guid.NewGuid().ToString("N") + ".json", "{}");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(env, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        using var key = Passphrase();
        ConfigArchiveManifest manifest;
        try
        {
            manifest = DeploymentArchive.Write(backups.Path, "b1", source.Path, frostConfig, key, NullReporter.Instance);
        }
        finally
        {
            File.Delete(frostConfig);
        }

        Assert.Equal([".env", "docker-compose.yml", "proxy/nginx.conf", DeploymentArchive.FrostGuardConfigEntry], manifest.Files);
        Assert.DoesNotContain("s3cret", File.ReadAllText(Path.Combine(backups.Path, manifest.File)), StringComparison.Ordinal);

        var restored = Path.Combine(target.Path, "deployment");
        DeploymentArchive.Extract(backups.Path, "b1", manifest, key, restored);
        Assert.Equal("POSTGRES_PASSWORD=s3cret\n", File.ReadAllText(Path.Combine(restored, ".env")));
        Assert.False(Directory.Exists(Path.Combine(restored, ".git")));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(restored, ".env")));
        }
    }

    [Fact]
    public void An_entry_that_climbs_out_of_the_target_is_refused()
    {
        using var backups = new TempFolder();
        using var target = new TempFolder();
        using var key = Passphrase();
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, "../escaped") { DataStream = new MemoryStream([1]) };
            writer.WriteEntry(entry);
        }

        var sealedBytes = SealedFile.Seal(tar.ToArray(), key, "b1");
        File.WriteAllBytes(Path.Combine(backups.Path, "b1.config.sealed"), sealedBytes);
        var manifest = new ConfigArchiveManifest
        {
            File = "b1.config.sealed", SourceDirectory = "/x",
            Sha256 = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(sealedBytes)).ToLowerInvariant(),
        };

        var error = Assert.Throws<FrostException>(() => DeploymentArchive.Extract(backups.Path, "b1", manifest, key, Path.Combine(target.Path, "d")));
        Assert.Equal(ErrorIds.BackupManifestInvalid, error.ErrorId);
        Assert.False(File.Exists(Path.Combine(target.Path, "escaped")));
    }
}
