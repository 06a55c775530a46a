using System.Formats.Tar;
using System.Text;
using FrostGuard.Engine.Backups.ConfigArchive;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Tests.Backups;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
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

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(SealedFile.ChunkSize)]
    [InlineData(3 * SealedFile.ChunkSize + 123)]
    public void A_payload_of_any_size_round_trips_through_the_chunked_stream(int length)
    {
        using var key = Passphrase();
        var payload = Enumerable.Range(0, length).Select(i => (byte)(i * 7)).ToArray();

        var sealedBytes = SealedFile.Seal(payload, key, "b1");

        Assert.Equal(payload, SealedFile.Open(sealedBytes, key, "b1", "x"));
        Assert.Equal(SealedFile.HeaderV2Length + Math.Max(1, (length + SealedFile.ChunkSize - 1) / SealedFile.ChunkSize) * SealedFile.TagLength + length, sealedBytes.Length);
    }

    [Fact]
    public void A_chunk_cut_off_swapped_or_added_does_not_open()
    {
        using var key = Passphrase();
        var sealedBytes = SealedFile.Seal(new byte[3 * SealedFile.ChunkSize + 10], key, "b1");
        const int Chunk = SealedFile.ChunkSize + SealedFile.TagLength;
        var withoutLast = sealedBytes[..(SealedFile.HeaderV2Length + 3 * Chunk)];
        var swapped = sealedBytes.ToArray();
        sealedBytes.AsSpan(SealedFile.HeaderV2Length, Chunk).CopyTo(swapped.AsSpan(SealedFile.HeaderV2Length + Chunk));
        sealedBytes.AsSpan(SealedFile.HeaderV2Length + Chunk, Chunk).CopyTo(swapped.AsSpan(SealedFile.HeaderV2Length));
        var lengthened = sealedBytes.Concat(new byte[20]).ToArray();

        foreach (var changed in new[] { withoutLast, swapped, lengthened })
        {
            Assert.Equal(ErrorIds.ConfigArchiveKeyInvalid, Assert.Throws<FrostException>(() => SealedFile.Open(changed, key, "b1", "x")).ErrorId);
        }
    }

    [Fact]
    public void An_archive_of_the_first_format_still_opens()
    {
        using var key = Passphrase();
        var sealedBytes = SealV1("POSTGRES_PASSWORD=s3cret"u8.ToArray(), key, "b1", ConfigArchiveKey.PassphraseIterations);

        Assert.Equal("POSTGRES_PASSWORD=s3cret", Encoding.UTF8.GetString(SealedFile.Open(sealedBytes, key, "b1", "x")));
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1)]
    [InlineData(-5)]
    public void An_iteration_count_FrostGuard_never_writes_is_refused_before_the_key_is_derived(int iterations)
    {
        // Read from the unauthenticated header: int.MaxValue rounds of PBKDF2 would take hours.
        using var key = Passphrase();
        var v1 = SealV1([1, 2, 3], key, "b1", ConfigArchiveKey.PassphraseIterations);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(v1.AsSpan(9), iterations);
        var v2 = SealedFile.Seal([1, 2, 3], key, "b1");
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(v2.AsSpan(9), iterations);

        foreach (var changed in new[] { v1, v2 })
        {
            var error = Assert.Throws<FrostException>(() => SealedFile.Open(changed, key, "b1", "x"));
            Assert.Equal(ErrorIds.BackupManifestInvalid, error.ErrorId);
            Assert.Contains($"{iterations} key-derivation iterations", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void FIFOs_sockets_and_links_are_skipped_with_a_warning_and_the_archive_restores()
    {
        using var source = new TempFolder();
        using var backups = new TempFolder();
        using var target = new TempFolder();
        source.Write("docker-compose.yml", "services: {}\n");
        Assert.Equal(0, FrostGuard.Engine.Platform.Os.Posix.MakeFifo(Path.Combine(source.Path, "control.fifo"), 0x180));
        // Bound for the whole test: .NET removes a socket's file when the socket is disposed.
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        socket.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(Path.Combine(source.Path, "app.sock")));

        File.CreateSymbolicLink(Path.Combine(source.Path, "current"), "/etc/hostname");
        var frostConfig = backups.Write("frostguard.json", "{}");
        var reporter = new RecordingReporter();
        using var key = Passphrase();

        var manifest = DeploymentArchive.Write(backups.Path, "b1", source.Path, frostConfig, key, reporter);

        Assert.Equal(["docker-compose.yml", DeploymentArchive.FrostGuardConfigEntry], manifest.Files);
        Assert.Contains(reporter.Warnings, w => w.Contains("control.fifo", StringComparison.Ordinal) && w.Contains("a FIFO", StringComparison.Ordinal));
        Assert.Contains(reporter.Warnings, w => w.Contains("app.sock", StringComparison.Ordinal) && w.Contains("socket", StringComparison.Ordinal));
        Assert.Contains(reporter.Warnings, w => w.Contains("current", StringComparison.Ordinal) && w.Contains("symbolic link", StringComparison.Ordinal));
        Assert.Equal(manifest.Files, DeploymentArchive.Extract(backups.Path, "b1", manifest, key, Path.Combine(target.Path, "d")));
        Assert.Equal(FrostGuard.Engine.Platform.Os.PrivateFiles.FileMode, File.GetUnixFileMode(Path.Combine(backups.Path, manifest.File)));
    }

    [Fact]
    public void A_recovered_deployment_keeps_its_FrostGuard_configuration_once_and_its_next_archive_restores()
    {
        // A recovered deployment holds .frostguard/frostguard.json; it was archived twice, and the archive did not restore.
        using var source = new TempFolder();
        using var backups = new TempFolder();
        using var target = new TempFolder();
        source.Write("docker-compose.yml", "services: {}\n");
        var frostConfig = source.Write(DeploymentArchive.FrostGuardConfigEntry, "{\"project\": {}}");
        using var key = Passphrase();

        var manifest = DeploymentArchive.Write(backups.Path, "b1", source.Path, frostConfig, key, NullReporter.Instance);

        Assert.Single(manifest.Files, DeploymentArchive.FrostGuardConfigEntry);
        DeploymentArchive.Extract(backups.Path, "b1", manifest, key, Path.Combine(target.Path, "d"));
        Assert.Equal("{\"project\": {}}", File.ReadAllText(Path.Combine(target.Path, "d", DeploymentArchive.FrostGuardConfigEntry)));
    }

    [Fact]
    public void FrostGuards_configuration_reached_through_a_link_is_archived_as_the_file_it_leads_to()
    {
        // A link in the archive made Extract refuse the whole archive at recovery time.
        using var source = new TempFolder();
        using var backups = new TempFolder();
        using var target = new TempFolder();
        source.Write("docker-compose.yml", "services: {}\n");
        var real = backups.Write("etc/frostguard.json", "{\"project\": {}}");
        var link = Path.Combine(backups.Path, "frostguard.json");
        File.CreateSymbolicLink(link, real);
        using var key = Passphrase();

        var manifest = DeploymentArchive.Write(backups.Path, "b1", source.Path, link, key, NullReporter.Instance);
        DeploymentArchive.Extract(backups.Path, "b1", manifest, key, Path.Combine(target.Path, "d"));

        Assert.Equal("{\"project\": {}}", File.ReadAllText(Path.Combine(target.Path, "d", DeploymentArchive.FrostGuardConfigEntry)));
    }

    [Fact]
    public void A_deployment_folder_over_the_limit_is_refused_before_a_byte_is_read()
    {
        // One large file (a stray dump) was read whole into memory before the limit was checked.
        using var source = new TempFolder();
        using var backups = new TempFolder();
        source.Write("docker-compose.yml", "services: {}\n");
        using (var large = File.Create(Path.Combine(source.Path, "stray.dump")))
        {
            large.SetLength(DeploymentArchive.MaximumBytes * 4); // sparse: no disk, and reading it would take seconds
        }

        var frostConfig = backups.Write("frostguard.json", "{}");
        using var key = Passphrase();

        var error = Assert.Throws<FrostException>(() => DeploymentArchive.Write(backups.Path, "b1", source.Path, frostConfig, key, NullReporter.Instance));

        Assert.Equal(ErrorIds.BackupWriteFailed, error.ErrorId);
        Assert.Contains("stray.dump (256.0 MB)", error.Message, StringComparison.Ordinal);
        Assert.Equal(["frostguard.json"], Directory.EnumerateFileSystemEntries(backups.Path).Select(Path.GetFileName));
    }

    /// <summary>The first format, as FrostGuard wrote it before the chunked one: one GCM message.</summary>
    private static byte[] SealV1(byte[] plaintext, ConfigArchiveKey key, string backupId, int iterations)
    {
        const int HeaderLength = 8 + 1 + 4 + 16 + 12;
        var sealedBytes = new byte[HeaderLength + 16 + plaintext.Length];
        var header = sealedBytes.AsSpan(0, HeaderLength);
        "FGCONF1\n"u8.CopyTo(header);
        header[8] = (byte)key.Derivation;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(header[9..], iterations);
        System.Security.Cryptography.RandomNumberGenerator.Fill(header.Slice(13, 28));
        var aesKey = key.Derive(header.Slice(13, 16), iterations);
        using var aes = new System.Security.Cryptography.AesGcm(aesKey, 16);
        aes.Encrypt(header.Slice(29, 12), plaintext, sealedBytes.AsSpan(HeaderLength + 16), sealedBytes.AsSpan(HeaderLength, 16), [.. header, .. Encoding.UTF8.GetBytes(backupId)]);
        return sealedBytes;
    }
}
