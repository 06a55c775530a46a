using System.Security.Cryptography;
using System.Text;

namespace FrostGuard.Engine.Secrets;

/// <summary>
/// A PostgreSQL SCRAM-SHA-256 password verifier (RFC 5802, RFC 7677), in the form pg_authid
/// stores it: <c>SCRAM-SHA-256$&lt;iterations&gt;:&lt;salt&gt;$&lt;StoredKey&gt;:&lt;ServerKey&gt;</c>.
/// Sending this to <c>ALTER ROLE … PASSWORD</c> sets the password without the password itself
/// ever reaching the server (or its log). The password is used as its UTF-8 bytes, which is what
/// PostgreSQL's SASLprep yields for printable ASCII; <see cref="SecretPolicy"/> keeps values there.
/// </summary>
public sealed record ScramVerifier(int Iterations, byte[] Salt, byte[] StoredKey, byte[] ServerKey)
{
    public const string Prefix = "SCRAM-SHA-256";
    public const int DefaultIterations = 4096;
    public const int DefaultSaltLength = 16;

    /// <summary>A verifier with a fresh random salt (CSPRNG).</summary>
    public static ScramVerifier Create(string password, int iterations = DefaultIterations) =>
        Compute(password, RandomNumberGenerator.GetBytes(DefaultSaltLength), iterations);

    /// <summary>The verifier for a given salt: SaltedPassword = PBKDF2-HMAC-SHA-256, ClientKey and
    /// ServerKey are HMACs of it, StoredKey = SHA-256(ClientKey).</summary>
    public static ScramVerifier Compute(string password, byte[] salt, int iterations = DefaultIterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        var passwordBytes = Encoding.UTF8.GetBytes(password);
        var salted = Rfc2898DeriveBytes.Pbkdf2(passwordBytes, salt, iterations, HashAlgorithmName.SHA256, 32);
        try
        {
            var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
            var storedKey = SHA256.HashData(clientKey);
            var serverKey = HMACSHA256.HashData(salted, "Server Key"u8);
            CryptographicOperations.ZeroMemory(clientKey);
            return new ScramVerifier(iterations, (byte[])salt.Clone(), storedKey, serverKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(salted);
            CryptographicOperations.ZeroMemory(passwordBytes);
        }
    }

    /// <summary>Reads a verifier as pg_authid.rolpassword holds it.</summary>
    public static ScramVerifier Parse(string text)
    {
        // SCRAM-SHA-256$4096:salt$StoredKey:ServerKey
        var parts = text.Split('$');
        if (parts.Length != 3 || parts[0] != Prefix)
        {
            throw new FormatException("not a SCRAM-SHA-256 verifier (expected SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>)");
        }

        var head = parts[1].Split(':');
        var keys = parts[2].Split(':');
        if (head.Length != 2 || keys.Length != 2 || !int.TryParse(head[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var iterations))
        {
            throw new FormatException("malformed SCRAM-SHA-256 verifier");
        }

        return new ScramVerifier(iterations, Convert.FromBase64String(head[1]), Convert.FromBase64String(keys[0]), Convert.FromBase64String(keys[1]));
    }

    public override string ToString() =>
        $"{Prefix}${Iterations}:{Convert.ToBase64String(Salt)}${Convert.ToBase64String(StoredKey)}:{Convert.ToBase64String(ServerKey)}";
}
