namespace FrostGuard.Engine.Security;

/// <summary>
/// The global settings of sshd_config as sshd reads them: keywords case-insensitive, the first
/// value of a keyword wins, Include files are read in place (globs sorted), and everything after
/// the first Match block is conditional and left out. Paths are read under a root folder, so
/// tests (and an audit of a mounted system image) can point it elsewhere.
/// </summary>
public sealed class SshdConfig
{
    private readonly Dictionary<string, (string Value, string Source)> _settings = new(StringComparer.OrdinalIgnoreCase);

    private SshdConfig(string root) => Root = root;

    public string Root { get; }

    public IReadOnlyList<string> FilesRead => _files;

    private readonly List<string> _files = [];

    public static string MainPath(string root) => Path.Combine(root, "etc/ssh/sshd_config");

    public static SshdConfig Load(string root)
    {
        var config = new SshdConfig(root);
        config.Read(MainPath(root), 0);
        return config;
    }

    /// <summary>The effective value and the file:line it came from, or null (sshd's default applies).</summary>
    public (string Value, string Source)? Get(string keyword) => _settings.TryGetValue(keyword, out var v) ? v : null;

    private bool _inMatch;

    private void Read(string path, int depth)
    {
        if (depth > 8 || _inMatch)
        {
            return;
        }

        _files.Add(path);
        var number = 0;
        foreach (var raw in File.ReadLines(path))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var parts = line.Split([' ', '\t', '='], 2, StringSplitOptions.RemoveEmptyEntries);
            var keyword = parts[0];
            var value = parts.Length > 1 ? parts[1].Trim().TrimStart('=').Trim().Trim('"') : "";
            if (keyword.Equals("Match", StringComparison.OrdinalIgnoreCase))
            {
                _inMatch = true;
                return;
            }

            if (keyword.Equals("Include", StringComparison.OrdinalIgnoreCase))
            {
                foreach (var pattern in value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    foreach (var file in Expand(pattern))
                    {
                        Read(file, depth + 1);
                        if (_inMatch)
                        {
                            return;
                        }
                    }
                }

                continue;
            }

            _settings.TryAdd(keyword, (value, $"{path}:{number}"));
        }
    }

    private IEnumerable<string> Expand(string pattern)
    {
        var absolute = pattern.StartsWith('/') ? pattern : "/etc/ssh/" + pattern;
        var full = Path.Combine(Root, absolute.TrimStart('/'));
        var folder = Path.GetDirectoryName(full)!;
        var name = Path.GetFileName(full);
        if (!Directory.Exists(folder))
        {
            return [];
        }

        return name.Contains('*') || name.Contains('?')
            ? Directory.GetFiles(folder, name).Order(StringComparer.Ordinal)
            : File.Exists(full) ? [full] : [];
    }
}
