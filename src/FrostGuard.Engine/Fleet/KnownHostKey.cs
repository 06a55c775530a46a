using System.Security.Cryptography;

namespace FrostGuard.Engine.Fleet;

/// <summary>A host key as ssh prints it (type and base64 blob), with its SHA256 fingerprint.</summary>
public sealed record KnownHostKey(string Type, string Blob)
{
    /// <summary>"SHA256:…" as ssh-keygen -l and ssh's own warnings show it.</summary>
    public string Fingerprint
    {
        get
        {
            try
            {
                return "SHA256:" + Convert.ToBase64String(SHA256.HashData(Convert.FromBase64String(Blob))).TrimEnd('=');
            }
            catch (FormatException)
            {
                return "(unreadable key)";
            }
        }
    }

    /// <summary>The host keys of "name type blob [comment]" lines (ssh-keygen -F, ssh-keyscan); comments and @-marker lines (CA keys, revocations) skipped.</summary>
    public static IReadOnlyList<KnownHostKey> ParseLines(string text)
    {
        var keys = new List<KnownHostKey>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 0 && fields[0].StartsWith('@'))
            {
                continue; // @cert-authority signs host keys, @revoked distrusts one: neither is a host's own key
            }

            if (fields.Length >= 3)
            {
                keys.Add(new KnownHostKey(fields[1], fields[2]));
            }
        }

        return keys;
    }

    public override string ToString() => $"{Type} {Fingerprint}";
}
