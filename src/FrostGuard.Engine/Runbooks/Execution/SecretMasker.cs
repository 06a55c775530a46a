namespace FrostGuard.Engine.Runbooks.Execution;

/// <summary>Replaces every secret value with ****, in output, errors, journal and reports.</summary>
public sealed class SecretMasker
{
    public const string Mask = "****";
    private readonly string[] _secrets;

    public SecretMasker(IEnumerable<string> secrets) =>
        // Longest first, so a secret containing another is masked whole.
        _secrets = secrets.Where(s => s.Length > 0).Distinct().OrderByDescending(s => s.Length).ToArray();

    public static readonly SecretMasker None = new([]);

    public string Apply(string? text)
    {
        if (string.IsNullOrEmpty(text) || _secrets.Length == 0)
        {
            return text ?? "";
        }

        foreach (var secret in _secrets)
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        return text;
    }
}
