namespace FrostGuard.Engine.Platform.Files;

/// <summary>
/// A Compose .env file: KEY=VALUE lines, '#' comments, optional 'export ', single or double
/// quotes around the value. Read-only here; values are secrets and never logged.
/// </summary>
public sealed class EnvFile
{
    private readonly Dictionary<string, string> _values;

    private EnvFile(Dictionary<string, string> values) => _values = values;

    public IReadOnlyCollection<string> Keys => _values.Keys;

    public static EnvFile Parse(string text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r').Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (line.StartsWith("export ", StringComparison.Ordinal))
            {
                line = line[7..].TrimStart();
            }

            var equals = line.IndexOf('=');
            if (equals <= 0)
            {
                continue;
            }

            values[line[..equals].Trim()] = Unquote(line[(equals + 1)..].Trim());
        }

        return new EnvFile(values);
    }

    public static EnvFile Load(string path) => Parse(File.ReadAllText(path));

    public bool TryGet(string key, out string value) => _values.TryGetValue(key, out value!);

    /// <summary>
    /// The file's text with every <paramref name="key"/> line set to <paramref name="value"/>
    /// (unquoted; <see cref="SecretPolicy"/> keeps values safe for that), every other line, comment
    /// and line ending kept as it was. A key that is not there is appended.
    /// </summary>
    public static string WithValue(string text, string key, string value)
    {
        var lines = text.Split('\n');
        var found = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var cr = line.EndsWith('\r') ? "\r" : "";
            var body = line.TrimEnd('\r').TrimStart();
            var export = body.StartsWith("export ", StringComparison.Ordinal) ? "export " : "";
            var rest = body[export.Length..].TrimStart();
            var equals = rest.IndexOf('=');
            if (rest.Length == 0 || rest[0] == '#' || equals <= 0 || rest[..equals].Trim() != key)
            {
                continue;
            }

            lines[i] = $"{export}{key}={value}{cr}";
            found = true;
        }

        var result = string.Join('\n', lines);
        if (!found)
        {
            result += (result.Length == 0 || result.EndsWith('\n') ? "" : "\n") + $"{key}={value}\n";
        }

        return result;
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
