using System.Security.Cryptography;
using System.Text;

namespace FrostGuard.Engine.Backups.ConfigArchive;

/// <summary>How the configuration archive's key is derived.</summary>
public enum ConfigKeyDerivation : byte
{
    /// <summary>PBKDF2-HMAC-SHA256 over a passphrase.</summary>
    Passphrase = 1,
    /// <summary>HKDF-SHA256 over the bytes of a key file (at least 32 of them).</summary>
    KeyFile = 2,
}

/// <summary>
/// The secret the configuration archive is sealed with: a passphrase (the operator's memory or a
/// password manager) or a key file (kept off the server, e.g. in the offsite storage's vault).
/// The secret itself is held only as long as it takes to derive a key.
/// </summary>
public sealed class ConfigArchiveKey : IDisposable
{
    /// <summary>OWASP's 2023 figure for PBKDF2-HMAC-SHA256.</summary>
    public const int PassphraseIterations = 600_000;
    /// <summary>The iteration counts an archive's (unauthenticated) header may ask for: room to raise the figure, none to make opening take hours.</summary>
    public const int MinimumPassphraseIterations = 100_000;
    public const int MaximumPassphraseIterations = 10_000_000;
    public const int MinimumPassphraseLength = 12;
    public const int MinimumKeyFileBytes = 32;
    private static readonly byte[] Info = Encoding.ASCII.GetBytes("FrostGuard configuration archive v1");

    private readonly byte[] _secret;

    private ConfigArchiveKey(ConfigKeyDerivation derivation, byte[] secret, string description)
    {
        Derivation = derivation;
        _secret = secret;
        Description = description;
    }

    public ConfigKeyDerivation Derivation { get; }

    /// <summary>Where the key came from, for messages ("a passphrase", "key file /root/x.key"); never the key.</summary>
    public string Description { get; }

    public static ConfigArchiveKey FromPassphrase(ReadOnlySpan<char> passphrase)
    {
        if (passphrase.Length < MinimumPassphraseLength)
        {
            throw new FrostException(ErrorIds.ConfigArchiveKeyInvalid, FailureKind.InvalidData,
                $"The passphrase has {passphrase.Length} characters; a configuration archive needs at least {MinimumPassphraseLength}.", "Passphrase",
                "Give a longer -Passphrase, or a -KeyFile of 32 random bytes (head -c 32 /dev/urandom > frostguard-config.key).");
        }

        var bytes = new byte[Encoding.UTF8.GetMaxByteCount(passphrase.Length)];
        var length = Encoding.UTF8.GetBytes(passphrase, bytes);
        var secret = bytes.AsSpan(0, length).ToArray();
        CryptographicOperations.ZeroMemory(bytes);
        return new ConfigArchiveKey(ConfigKeyDerivation.Passphrase, secret, "the passphrase");
    }

    public static ConfigArchiveKey FromKeyFile(string path)
    {
        byte[] secret;
        try
        {
            secret = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FrostException(ErrorIds.ConfigArchiveKeyInvalid, FailureKind.NotFound, $"Cannot read the key file {path}: {e.Message}", path,
                "Check the path and that this user may read it.", e);
        }

        if (secret.Length < MinimumKeyFileBytes)
        {
            CryptographicOperations.ZeroMemory(secret);
            throw new FrostException(ErrorIds.ConfigArchiveKeyInvalid, FailureKind.InvalidData,
                $"The key file {path} holds {secret.Length} bytes; it needs at least {MinimumKeyFileBytes}.", path,
                "Make one with: head -c 32 /dev/urandom > frostguard-config.key && chmod 600 frostguard-config.key");
        }

        return new ConfigArchiveKey(ConfigKeyDerivation.KeyFile, secret, "key file " + path);
    }

    /// <summary>The 256-bit AES key for this salt (and iteration count, for a passphrase).</summary>
    public byte[] Derive(ReadOnlySpan<byte> salt, int iterations) => Derivation switch
    {
        ConfigKeyDerivation.Passphrase => Rfc2898DeriveBytes.Pbkdf2(_secret, salt, iterations, HashAlgorithmName.SHA256, 32),
        _ => HKDF.DeriveKey(HashAlgorithmName.SHA256, _secret, 32, salt.ToArray(), Info),
    };

    public void Dispose() => CryptographicOperations.ZeroMemory(_secret);
}
