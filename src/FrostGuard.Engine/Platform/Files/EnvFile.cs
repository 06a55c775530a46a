using FrostGuard.Engine.Platform.Os;

namespace FrostGuard.Engine.Platform.Files;

/// <summary>
/// A Compose .env file: KEY=VALUE lines, '#' comments, optional 'export ', single or double
/// quotes around the value. Reading, and writing keys with every other line, comment and line
/// ending kept. Values are secrets and never logged, not even in an error.
/// </summary>
public sealed class EnvFile
{
    private readonly Dictionary<string, string> _values;

    private EnvFile(Dictionary<string, string> values) => _values = values;

    public IReadOnlyCollection<string> Keys => _values.Keys;

    public static EnvFile Parse(string text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (Entry(line) is { } entry)
            {
                values[entry.Key] = Unquote(entry.Value);
            }
        }

        return new EnvFile(values);
    }

    public static EnvFile Load(string path) => Parse(File.ReadAllText(path));

    public bool TryGet(string key, out string value) => _values.TryGetValue(key, out value!);

    /// <summary>
    /// The file's text with every line of each key set to its value (unquoted, keeping an
    /// 'export ' and the line's ending), every other line, comment and line ending kept as it
    /// was. A key that is not there is appended. Refuses a value an unquoted line would change.
    /// </summary>
    public static string WithValues(string text, IReadOnlyDictionary<string, string> values)
    {
        foreach (var (key, value) in values)
        {
            if (!IsPlain(value))
            {
                throw new FrostException(ErrorIds.EnvValueInvalid, FailureKind.InvalidData,
                    $"The value for {key} holds white space, a quote, '#' or '$', which an unquoted .env line would change; nothing was written.", key,
                    $"Give {key} a value without white space, quotes, '#' or '$'.");
            }
        }

        var lines = text.Split('\n');
        var found = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Length; i++)
        {
            var cr = lines[i].EndsWith('\r') ? "\r" : "";
            var body = lines[i].TrimEnd('\r').TrimStart();
            var export = body.StartsWith("export ", StringComparison.Ordinal) ? "export " : "";
            if (Entry(body)?.Key is { } key && values.TryGetValue(key, out var value))
            {
                lines[i] = $"{export}{key}={value}{cr}";
                found.Add(key);
            }
        }

        var result = string.Join('\n', lines);
        foreach (var (key, value) in values.Where(v => !found.Contains(v.Key)))
        {
            result += (result.Length == 0 || result.EndsWith('\n') ? "" : "\n") + $"{key}={value}\n";
        }

        return result;
    }

    public static string WithValue(string text, string key, string value) =>
        WithValues(text, new Dictionary<string, string>(StringComparer.Ordinal) { [key] = value });

    /// <summary>
    /// The text with every line of <paramref name="key"/> replaced by that key's last line in
    /// <paramref name="source"/> as it stands there (quotes, 'export' and all): a value put back from
    /// a copy need not be one an unquoted line could hold. A key the source lacks changes nothing.
    /// </summary>
    public static string WithLineOf(string text, string key, string source)
    {
        var line = source.Split('\n').Select(l => l.TrimEnd('\r')).LastOrDefault(l => Entry(l)?.Key == key);
        if (line is null)
        {
            return text;
        }

        var lines = text.Split('\n');
        var found = false;
        for (var i = 0; i < lines.Length; i++)
        {
            if (Entry(lines[i])?.Key == key)
            {
                lines[i] = line + (lines[i].EndsWith('\r') ? "\r" : "");
                found = true;
            }
        }

        var result = string.Join('\n', lines);
        return found ? result : result + (result.Length == 0 || result.EndsWith('\n') ? "" : "\n") + line + "\n";
    }

    /// <summary>Sets keys of the file at <paramref name="path"/>: written atomically, its mode and owner kept.</summary>
    public static void Set(string path, IReadOnlyDictionary<string, string> values)
    {
        var text = File.ReadAllText(path);
        var mode = OperatingSystem.IsWindows() ? UnixFileMode.UserRead | UnixFileMode.UserWrite : File.GetUnixFileMode(path);
        AtomicFile.Write(path, WithValues(text, values), mode, ownerReference: path);
    }

    /// <summary>Whether an unquoted line keeps the value as it is.</summary>
    public static bool IsPlain(string value) => !value.Any(c => char.IsWhiteSpace(c) || c is '#' or '"' or '\'' or '$');

    /// <summary>A KEY=VALUE line's key and raw value; null for comments, blank and malformed lines.</summary>
    private static (string Key, string Value)? Entry(string line)
    {
        var rest = line.TrimEnd('\r').Trim();
        if (rest.StartsWith("export ", StringComparison.Ordinal))
        {
            rest = rest[7..].TrimStart();
        }

        var equals = rest.IndexOf('=');
        return rest.Length == 0 || rest[0] == '#' || equals <= 0 ? null : (rest[..equals].Trim(), rest[(equals + 1)..].Trim());
    }

    private static string Unquote(string value)
    {
        if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0])
        {
            return value[1..^1];
        }

        var comment = value.IndexOf(" #", StringComparison.Ordinal);
        return comment >= 0 ? value[..comment].TrimEnd() : value;
    }
}
