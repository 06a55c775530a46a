using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace FrostGuard.Engine.Backups.ConfigArchive;

/// <summary>
/// AES-256-GCM over a small payload (a deployment's configuration is kilobytes), in a file:
/// magic, key derivation, iterations, salt, nonce, tag, ciphertext. The header and the backup's
/// id are authenticated too, so an archive cannot be edited or swapped onto another backup.
/// </summary>
public static class SealedFile
{
    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("FGCONF1\n");
    private const int SaltLength = 16;
    private const int NonceLength = 12;
    private const int TagLength = 16;
    private const int HeaderLength = 8 + 1 + 4 + SaltLength + NonceLength;

    public static byte[] Seal(ReadOnlySpan<byte> plaintext, ConfigArchiveKey key, string backupId)
    {
        var iterations = key.Derivation == ConfigKeyDerivation.Passphrase ? ConfigArchiveKey.PassphraseIterations : 0;
        var sealedBytes = new byte[HeaderLength + TagLength + plaintext.Length];
        var header = sealedBytes.AsSpan(0, HeaderLength);
        Magic.CopyTo(header);
        header[8] = (byte)key.Derivation;
        BinaryPrimitives.WriteInt32LittleEndian(header[9..], iterations);
        var salt = header.Slice(13, SaltLength);
        var nonce = header.Slice(13 + SaltLength, NonceLength);
        RandomNumberGenerator.Fill(salt);
        RandomNumberGenerator.Fill(nonce);

        var aesKey = key.Derive(salt, iterations);
        try
        {
            using var aes = new AesGcm(aesKey, TagLength);
            aes.Encrypt(nonce, plaintext, sealedBytes.AsSpan(HeaderLength + TagLength), sealedBytes.AsSpan(HeaderLength, TagLength), AssociatedData(header, backupId));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(aesKey);
        }

        return sealedBytes;
    }

    /// <summary>The plaintext; a wrong key, a changed byte or another backup's archive is <see cref="ErrorIds.ConfigArchiveKeyInvalid"/>.</summary>
    public static byte[] Open(ReadOnlySpan<byte> sealedBytes, ConfigArchiveKey key, string backupId, string path)
    {
        if (sealedBytes.Length < HeaderLength + TagLength || !sealedBytes[..8].SequenceEqual(Magic))
        {
            throw new FrostException(ErrorIds.BackupManifestInvalid, FailureKind.InvalidData, $"{path} is not a FrostGuard configuration archive.", path,
                "Test-FrostBackup checks the backup's files against its manifest.");
        }

        var header = sealedBytes[..HeaderLength];
        var derivation = (ConfigKeyDerivation)header[8];
        if (derivation != key.Derivation)
        {
            throw new FrostException(ErrorIds.ConfigArchiveKeyInvalid, FailureKind.AuthenticationFailed,
                $"{path} was sealed with {(derivation == ConfigKeyDerivation.Passphrase ? "a passphrase" : "a key file")}, and {key.Description} was given.", path,
                derivation == ConfigKeyDerivation.Passphrase ? "Pass -Passphrase." : "Pass -KeyFile.");
        }

        var iterations = BinaryPrimitives.ReadInt32LittleEndian(header[9..]);
        var aesKey = key.Derive(header.Slice(13, SaltLength), iterations);
        var plaintext = new byte[sealedBytes.Length - HeaderLength - TagLength];
        try
        {
            using var aes = new AesGcm(aesKey, TagLength);
            aes.Decrypt(header.Slice(13 + SaltLength, NonceLength), sealedBytes[(HeaderLength + TagLength)..], sealedBytes.Slice(HeaderLength, TagLength), plaintext,
                AssociatedData(header, backupId));
            return plaintext;
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new FrostException(ErrorIds.ConfigArchiveKeyInvalid, FailureKind.AuthenticationFailed,
                $"{path} does not open with {key.Description}: the key is wrong, or the file was changed or belongs to another backup.", path,
                "Give the passphrase or key file used when the backup was taken; Test-FrostBackup tells a changed file from a wrong key.", e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(aesKey);
        }
    }

    private static byte[] AssociatedData(ReadOnlySpan<byte> header, string backupId) => [.. header, .. Encoding.UTF8.GetBytes(backupId)];
}
