using System.Security.Cryptography;

namespace FrostGuard.Engine.Secrets;

/// <summary>
/// What a managed secret value may be: generated from a CSPRNG, or given by the operator and
/// checked. Values stay within characters that survive a Compose .env line unquoted (no
/// whitespace, quotes, '#', '$' or '\') and that PostgreSQL's SASLprep leaves as they are
/// (printable ASCII), so the verifier FrostGuard computes is the one the server checks against.
/// </summary>
public static class SecretPolicy
{
    public const int GeneratedLength = 40;
    public const int MinimumLength = 16;
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.,:;+=@%";
    private const string Forbidden = "\"'`#$\\";

    /// <summary>A new value: 40 characters from a 72-character alphabet (about 246 bits), from the OS CSPRNG.</summary>
    public static string Generate() => RandomNumberGenerator.GetString(Alphabet, GeneratedLength);

    /// <summary>Why a given value is refused, or null when it is fine. The reason never quotes the value.</summary>
    public static string? Reject(string value)
    {
        if (value.Length < MinimumLength)
        {
            return $"it has {value.Length} characters; at least {MinimumLength} are required";
        }

        foreach (var c in value)
        {
            if (c < '!' || c > '~')
            {
                return "it contains whitespace, a control character or a non-ASCII character (allowed: printable ASCII without spaces)";
            }

            if (Forbidden.Contains(c))
            {
                return "it contains a quote, '#', '$' or '\\', which a Compose .env file would interpret";
            }
        }

        return null;
    }
}
