using FrostGuard.Engine.Platform.Os;

namespace FrostGuard.Engine.Platform.Files;

/// <summary>
/// Sets non-secret keys of the deployment's .env (the image tags an update changes), keeping
/// every other line as it was, the file's mode and owner, and writing atomically. Values read
/// here are never reported: the file also holds secrets.
/// </summary>
public static class EnvFileEditor
{
    /// <summary>The text with each key set: its last line replaced in place, or a line appended.</summary>
    public static string SetKeys(string text, IReadOnlyDictionary<string, string> values)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').ToList();
        if (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        foreach (var (key, value) in values)
        {
            if (value.Any(c => char.IsWhiteSpace(c) || c is '#' or '"' or '\'' or '$'))
            {
                throw new FrostException(ErrorIds.UpdateInvalidVersion, FailureKind.InvalidData,
                    $"'{value}' is not a valid image tag for {key}.", value, "Pass a tag of letters, digits, '.', '_' and '-' only.");
            }

            var index = lines.FindLastIndex(l => KeyOf(l) == key);
            if (index >= 0)
            {
                lines[index] = $"{key}={value}";
            }
            else
            {
                lines.Add($"{key}={value}");
            }
        }

        return string.Join('\n', lines) + "\n";
    }

    /// <summary>The keys whose name ends in _TAG, with their values (image tags are never secrets).</summary>
    public static IReadOnlyDictionary<string, string> Tags(string text)
    {
        var env = EnvFile.Parse(text);
        var tags = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in env.Keys.Where(k => k.EndsWith("_TAG", StringComparison.Ordinal)))
        {
            env.TryGet(key, out var value);
            tags[key] = value;
        }

        return tags;
    }

    public static void Set(string path, IReadOnlyDictionary<string, string> values)
    {
        var text = File.ReadAllText(path);
        var mode = OperatingSystem.IsWindows() ? UnixFileMode.UserRead | UnixFileMode.UserWrite : File.GetUnixFileMode(path);
        AtomicFile.Write(path, SetKeys(text, values), mode, ownerReference: path);
    }

    private static string? KeyOf(string line)
    {
        var trimmed = line.Trim();
        if (trimmed.StartsWith("export ", StringComparison.Ordinal))
        {
            trimmed = trimmed[7..].TrimStart();
        }

        var equals = trimmed.IndexOf('=');
        return trimmed.Length == 0 || trimmed[0] == '#' || equals <= 0 ? null : trimmed[..equals].Trim();
    }
}
