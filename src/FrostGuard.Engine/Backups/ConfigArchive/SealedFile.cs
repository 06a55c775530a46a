using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace FrostGuard.Engine.Backups.ConfigArchive;

/// <summary>
/// The sealed configuration archive: AES-256-GCM in 64 KiB chunks, written and read as a stream,
/// so no archive is ever held in memory whole. The file is a header (magic, key derivation,
/// iterations, salt, nonce prefix, chunk size) and the chunks, each its ciphertext and tag. A
/// chunk's nonce is the prefix and its number, and its associated data the header, the backup's
/// id and whether it is the last chunk: chunks cannot be reordered, dropped, added after the end
/// or moved to another backup's archive. Archives of the first format ("FGCONF1", one GCM
/// message over a payload of at most 64 MB) are still read.
/// </summary>
public static class SealedFile
{
    public const int ChunkSize = 64 * 1024;
    public const int TagLength = 16;
    internal static readonly byte[] MagicV1 = Encoding.ASCII.GetBytes("FGCONF1\n");
    internal static readonly byte[] MagicV2 = Encoding.ASCII.GetBytes("FGCONF2\n");
    internal const int SaltLength = 16;
    internal const int NonceLength = 12;
    private const int NoncePrefixLength = 8;
    private const int HeaderV1Length = 8 + 1 + 4 + SaltLength + NonceLength;
    internal const int HeaderV2Length = 8 + 1 + 4 + SaltLength + NoncePrefixLength + 4;
    private const long MaximumV1Bytes = 64L * 1024 * 1024 + HeaderV1Length + TagLength;

    /// <summary>Seals a small payload in one go (the stream does the work).</summary>
    public static byte[] Seal(ReadOnlySpan<byte> plaintext, ConfigArchiveKey key, string backupId)
    {
        using var sealedBytes = new MemoryStream();
        using (var sealing = new SealingStream(sealedBytes, key, backupId, leaveOpen: true))
        {
            sealing.Write(plaintext);
        }

        return sealedBytes.ToArray();
    }

    /// <summary>Opens a small payload in one go; see <see cref="OpenRead"/>.</summary>
    public static byte[] Open(byte[] sealedBytes, ConfigArchiveKey key, string backupId, string path)
    {
        using var source = new MemoryStream(sealedBytes, writable: false);
        using var plaintext = OpenRead(source, key, backupId, path);
        using var copy = new MemoryStream();
        plaintext.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>
    /// The plaintext of a sealed archive, as a stream. Every chunk is authenticated before the
    /// first byte is returned, so a reader never acts on a changed archive. A wrong key, a changed
    /// byte, a cut or lengthened file or another backup's archive is
    /// <see cref="ErrorIds.ConfigArchiveKeyInvalid"/>; a file that is no archive, or whose header
    /// asks for an unreasonable key derivation, is <see cref="ErrorIds.BackupManifestInvalid"/>.
    /// </summary>
    public static Stream OpenRead(Stream sealedFile, ConfigArchiveKey key, string backupId, string path)
    {
        var magic = new byte[MagicV1.Length];
        sealedFile.Position = 0;
        if (sealedFile.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false) < magic.Length)
        {
            throw NotAnArchive(path);
        }

        sealedFile.Position = 0;
        if (magic.AsSpan().SequenceEqual(MagicV2))
        {
            return UnsealingStream.Open(sealedFile, key, backupId, path);
        }

        if (magic.AsSpan().SequenceEqual(MagicV1))
        {
            return new MemoryStream(OpenV1(sealedFile, key, backupId, path), writable: false);
        }

        throw NotAnArchive(path);
    }

    internal static FrostException NotAnArchive(string path) =>
        new(ErrorIds.BackupManifestInvalid, FailureKind.InvalidData, $"{path} is not a FrostGuard configuration archive.", path,
            "Test-FrostBackup checks the backup's files against its manifest.");

    internal static FrostException DoesNotOpen(string path, ConfigArchiveKey key, Exception? inner = null) =>
        new(ErrorIds.ConfigArchiveKeyInvalid, FailureKind.AuthenticationFailed,
            $"{path} does not open with {key.Description}: the key is wrong, or the file was changed, cut short or belongs to another backup.", path,
            "Give the passphrase or key file used when the backup was taken; Test-FrostBackup tells a changed file from a wrong key.", inner);

    /// <summary>The key for a header's derivation and iterations, refused before any work when they are not what FrostGuard writes.</summary>
    internal static byte[] DeriveKey(ReadOnlySpan<byte> header, ConfigArchiveKey key, string path)
    {
        var derivation = (ConfigKeyDerivation)header[8];
        if (derivation is not (ConfigKeyDerivation.Passphrase or ConfigKeyDerivation.KeyFile))
        {
            throw NotAnArchive(path);
        }

        if (derivation != key.Derivation)
        {
            throw new FrostException(ErrorIds.ConfigArchiveKeyInvalid, FailureKind.AuthenticationFailed,
                $"{path} was sealed with {(derivation == ConfigKeyDerivation.Passphrase ? "a passphrase" : "a key file")}, and {key.Description} was given.", path,
                derivation == ConfigKeyDerivation.Passphrase ? "Pass -Passphrase." : "Pass -KeyFile.");
        }

        // The count comes from the unauthenticated header: bound it before PBKDF2 runs, or a
        // changed header could make opening the archive take hours.
        var iterations = BinaryPrimitives.ReadInt32LittleEndian(header[9..]);
        var allowed = derivation == ConfigKeyDerivation.Passphrase
            ? iterations is >= ConfigArchiveKey.MinimumPassphraseIterations and <= ConfigArchiveKey.MaximumPassphraseIterations
            : iterations == 0;
        if (!allowed)
        {
            throw new FrostException(ErrorIds.BackupManifestInvalid, FailureKind.InvalidData,
                $"{path} asks for {iterations} key-derivation iterations, which FrostGuard never writes ({(derivation == ConfigKeyDerivation.Passphrase ? $"{ConfigArchiveKey.MinimumPassphraseIterations} to {ConfigArchiveKey.MaximumPassphraseIterations}" : "0")}); it was not opened.",
                path, "Do not use this archive: it was changed. Use another backup taken with -IncludeConfig.");
        }

        return key.Derive(header.Slice(13, SaltLength), iterations);
    }

    internal static void FillHeaderV2(Span<byte> header, ConfigArchiveKey key)
    {
        MagicV2.CopyTo(header);
        header[8] = (byte)key.Derivation;
        BinaryPrimitives.WriteInt32LittleEndian(header[9..], key.Derivation == ConfigKeyDerivation.Passphrase ? ConfigArchiveKey.PassphraseIterations : 0);
        RandomNumberGenerator.Fill(header.Slice(13, SaltLength + NoncePrefixLength));
        BinaryPrimitives.WriteInt32LittleEndian(header[(13 + SaltLength + NoncePrefixLength)..], ChunkSize);
    }

    internal static int ChunkSizeOf(ReadOnlySpan<byte> headerV2) => BinaryPrimitives.ReadInt32LittleEndian(headerV2[(13 + SaltLength + NoncePrefixLength)..]);

    internal static void ChunkNonce(ReadOnlySpan<byte> headerV2, long chunk, Span<byte> nonce)
    {
        headerV2.Slice(13 + SaltLength, NoncePrefixLength).CopyTo(nonce);
        BinaryPrimitives.WriteUInt32BigEndian(nonce[NoncePrefixLength..], checked((uint)chunk));
    }

    internal static byte[] ChunkAssociatedData(ReadOnlySpan<byte> headerV2, string backupId, bool last) =>
        [.. headerV2, .. Encoding.UTF8.GetBytes(backupId), last ? (byte)1 : (byte)0];

    private static byte[] OpenV1(Stream sealedFile, ConfigArchiveKey key, string backupId, string path)
    {
        if (sealedFile.Length is < HeaderV1Length + TagLength or > MaximumV1Bytes)
        {
            throw NotAnArchive(path);
        }

        var sealedBytes = new byte[sealedFile.Length];
        sealedFile.ReadExactly(sealedBytes);
        var header = sealedBytes.AsSpan(0, HeaderV1Length);
        var aesKey = DeriveKey(header, key, path);
        var plaintext = new byte[sealedBytes.Length - HeaderV1Length - TagLength];
        try
        {
            using var aes = new AesGcm(aesKey, TagLength);
            aes.Decrypt(header.Slice(13 + SaltLength, NonceLength), sealedBytes.AsSpan(HeaderV1Length + TagLength), sealedBytes.AsSpan(HeaderV1Length, TagLength), plaintext,
                [.. header, .. Encoding.UTF8.GetBytes(backupId)]);
            return plaintext;
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw DoesNotOpen(path, key, e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(aesKey);
        }
    }
}
