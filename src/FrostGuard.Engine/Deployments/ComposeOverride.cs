using System.Globalization;
using FrostGuard.Engine.Platform.Os;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace FrostGuard.Engine.Deployments;

/// <summary>Scale and limits of one service in the override file.</summary>
public sealed record ServiceOverride(int? Replicas = null, long? MemoryBytes = null, double? Cpus = null)
{
    public bool IsEmpty => Replicas is null or 1 && MemoryBytes is null && Cpus is null;
}

/// <summary>
/// A service FrostGuard adds to the deployment (the WAL archiver): a whole service definition,
/// not a change to one of the deployment's own.
/// </summary>
public sealed record AddedService(
    string Image, string User, string NetworkMode, IReadOnlyList<string> Entrypoint, IReadOnlyList<string> Command,
    IReadOnlyList<string> Volumes, IReadOnlyDictionary<string, string> Environment, string Restart = "unless-stopped", string? StopSignal = null);

/// <summary>
/// The compose override file FrostGuard manages in the deployment directory:
/// docker-compose.override.yml, the name Compose itself reads by default, so a plain
/// `docker-compose up -d` keeps the scale and limits as an update does. Only a file that starts
/// with FrostGuard's marker line is FrostGuard's to rewrite; it is written to a temporary file
/// in the same folder, synced and renamed, so Compose never reads half a file.
/// </summary>
public sealed partial class ComposeOverride
{
    public const string FileName = "docker-compose.override.yml";
    public const string Marker = "# Managed by FrostGuard (Set-FrostServiceScale, Set-FrostServiceLimit); edits here are overwritten.";

    public ComposeOverride(string? composeVersion, IReadOnlyDictionary<string, ServiceOverride> services, IReadOnlyDictionary<string, AddedService>? added = null)
    {
        ComposeVersion = composeVersion;
        Services = services;
        Added = added ?? new Dictionary<string, AddedService>();
    }

    /// <summary>Services FrostGuard adds (the WAL archiver), by name.</summary>
    public IReadOnlyDictionary<string, AddedService> Added { get; }

    public bool IsEmpty => Services.Count == 0 && Added.Count == 0;

    /// <summary>The override with <paramref name="service"/> added (or replaced), or removed when null.</summary>
    public ComposeOverride WithAdded(string service, AddedService? definition)
    {
        var added = new SortedDictionary<string, AddedService>(Added.ToDictionary(p => p.Key, p => p.Value), StringComparer.Ordinal);
        if (definition is null)
        {
            added.Remove(service);
        }
        else
        {
            added[service] = definition;
        }

        return new ComposeOverride(ComposeVersion, Services, added);
    }

    /// <summary>The `version:` of the main compose file (Compose v1 wants every file to agree); null when it has none.</summary>
    public string? ComposeVersion { get; }

    public IReadOnlyDictionary<string, ServiceOverride> Services { get; }

    public static string PathIn(string directory) => System.IO.Path.Combine(directory, FileName);

    public ServiceOverride For(string service) => Services.TryGetValue(service, out var o) ? o : new ServiceOverride();

    public ComposeOverride With(string service, ServiceOverride change)
    {
        var services = new SortedDictionary<string, ServiceOverride>(Services.ToDictionary(p => p.Key, p => p.Value), StringComparer.Ordinal);
        if (change.IsEmpty)
        {
            services.Remove(service);
        }
        else
        {
            services[service] = change;
        }

        return new ComposeOverride(ComposeVersion, services, Added);
    }

    /// <summary>The file's text: the marker, the version, and per service only what is set (YamlDotNet's emitter quotes what needs it).</summary>
    public string Render()
    {
        var root = new YamlMappingNode();
        if (ComposeVersion is not null)
        {
            root.Add("version", new YamlScalarNode(ComposeVersion) { Style = ScalarStyle.DoubleQuoted });
        }

        var services = new YamlMappingNode();
        if (IsEmpty)
        {
            services.Style = YamlDotNet.Core.Events.MappingStyle.Flow;
        }

        foreach (var (name, o) in Services.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var settings = new YamlMappingNode();
            if (o.Replicas is { } replicas and not 1)
            {
                settings.Add("scale", replicas.ToString(CultureInfo.InvariantCulture));
            }

            if (o.MemoryBytes is { } memory)
            {
                settings.Add("mem_limit", memory.ToString(CultureInfo.InvariantCulture));
            }

            if (o.Cpus is { } cpus)
            {
                settings.Add("cpus", cpus.ToString("0.###", CultureInfo.InvariantCulture));
            }

            services.Add(ServiceKey(name), settings);
        }

        foreach (var (name, added) in Added.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            services.Add(ServiceKey(name), RenderAdded(added));
        }

        root.Add("services", services);
        var text = new StringWriter { NewLine = "\n" };
        text.Write(Marker + "\n");
        new YamlStream(new YamlDocument(root)).Save(text, assignAnchors: false);
        // The emitter closes the document with "...": Compose reads the file alone, so it ends with the last value.
        var yaml = text.ToString();
        return yaml.EndsWith("...\n", StringComparison.Ordinal) ? yaml[..^4] : yaml;
    }

    private static YamlMappingNode RenderAdded(AddedService added)
    {
        static YamlSequenceNode Sequence(IEnumerable<string> items) =>
            new(items.Select(i => new YamlScalarNode(i) { Style = ScalarStyle.DoubleQuoted }));
        static YamlScalarNode Quoted(string value) => new(value) { Style = ScalarStyle.DoubleQuoted };
        var node = new YamlMappingNode
        {
            { "image", Quoted(added.Image) },
            { "user", Quoted(added.User) },
            { "network_mode", Quoted(added.NetworkMode) },
            { "restart", Quoted(added.Restart) },
            { "entrypoint", Sequence(added.Entrypoint) },
            { "command", Sequence(added.Command) },
        };
        if (added.StopSignal is { } signal)
        {
            node.Add("stop_signal", Quoted(signal));
        }

        if (added.Environment.Count > 0)
        {
            var environment = new YamlMappingNode();
            foreach (var (key, value) in added.Environment.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                environment.Add(key, Quoted(value));
            }

            node.Add("environment", environment);
        }

        node.Add("volumes", Sequence(added.Volumes));
        return node;
    }

    /// <summary>
    /// A service's name as a key: plain where YAML 1.1 (Compose v1's parser) reads it as the same
    /// string, double-quoted where it would read a boolean, null or number ("on", "no", "1e3").
    /// </summary>
    private static YamlScalarNode ServiceKey(string name) =>
        PlainName().IsMatch(name) && !Yaml11Words.Contains(name) && !double.TryParse(name, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
            ? new YamlScalarNode(name)
            : new YamlScalarNode(name) { Style = ScalarStyle.DoubleQuoted };

    private static readonly HashSet<string> Yaml11Words = new(StringComparer.OrdinalIgnoreCase)
    {
        "y", "yes", "n", "no", "true", "false", "on", "off", "null", "~",
    };

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial System.Text.RegularExpressions.Regex PlainName();

    /// <summary>Reads the managed file; a missing file is an empty override. A file without the marker is not FrostGuard's.</summary>
    public static ComposeOverride Load(string directory, string? composeVersion)
    {
        var path = PathIn(directory);
        if (!File.Exists(path))
        {
            return new ComposeOverride(composeVersion, new Dictionary<string, ServiceOverride>());
        }

        return Parse(File.ReadAllText(path), path, composeVersion);
    }

    public static ComposeOverride Parse(string text, string path, string? composeVersion)
    {
        if (!text.StartsWith(Marker, StringComparison.Ordinal))
        {
            throw new FrostException(ErrorIds.OverrideFileNotManaged, FailureKind.InvalidData,
                $"{path} exists and was not written by FrostGuard (its first line is not FrostGuard's marker); FrostGuard will not overwrite it.", path,
                $"Move its settings into the main compose file and remove {path}, then run the command again.");
        }

        var services = new SortedDictionary<string, ServiceOverride>(StringComparer.Ordinal);
        var added = new SortedDictionary<string, AddedService>(StringComparer.Ordinal);
        try
        {
            var yaml = new YamlStream();
            yaml.Load(new StringReader(text));
            if (composeVersion is null && yaml.Documents.Count > 0 && yaml.Documents[0].RootNode is YamlMappingNode versioned)
            {
                composeVersion = Scalar(versioned, "version");
            }

            if (yaml.Documents.Count > 0 && yaml.Documents[0].RootNode is YamlMappingNode root
                && root.Children.TryGetValue(new YamlScalarNode("services"), out var node) && node is YamlMappingNode serviceNodes)
            {
                foreach (var (key, value) in serviceNodes.Children)
                {
                    var settings = value as YamlMappingNode ?? new YamlMappingNode();
                    if (settings.Children.ContainsKey(new YamlScalarNode("image")))
                    {
                        added[((YamlScalarNode)key).Value!] = ParseAdded(settings);
                        continue;
                    }

                    services[((YamlScalarNode)key).Value!] = new ServiceOverride(
                        Scalar(settings, "scale") is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : null,
                        Scalar(settings, "mem_limit") is { } m ? long.Parse(m, CultureInfo.InvariantCulture) : null,
                        Scalar(settings, "cpus") is { } c ? double.Parse(c, CultureInfo.InvariantCulture) : null);
                }
            }
        }
        catch (Exception e) when (e is YamlDotNet.Core.YamlException or FormatException or InvalidCastException or OverflowException)
        {
            throw new FrostException(ErrorIds.OverrideFileNotManaged, FailureKind.InvalidData,
                $"{path} carries FrostGuard's marker but cannot be read: {e.Message}", path,
                $"Remove {path} (it holds FrostGuard's scale, limits and WAL archiver) and set them again with Set-FrostServiceScale / Set-FrostServiceLimit / Enable-FrostWalArchive.", e);
        }

        return new ComposeOverride(composeVersion, services, added);
    }

    private static AddedService ParseAdded(YamlMappingNode node)
    {
        IReadOnlyList<string> Sequence(string key) =>
            node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlSequenceNode items
                ? items.Children.Select(i => ((YamlScalarNode)i).Value ?? "").ToList()
                : [];
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node.Children.TryGetValue(new YamlScalarNode("environment"), out var env) && env is YamlMappingNode pairs)
        {
            foreach (var (key, value) in pairs.Children)
            {
                environment[((YamlScalarNode)key).Value!] = ((YamlScalarNode)value).Value ?? "";
            }
        }

        return new AddedService(
            Scalar(node, "image") ?? "", Scalar(node, "user") ?? "", Scalar(node, "network_mode") ?? "",
            Sequence("entrypoint"), Sequence("command"), Sequence("volumes"), environment, Scalar(node, "restart") ?? "unless-stopped", Scalar(node, "stop_signal"));
    }

    /// <summary>Writes the file (temporary file, fsync, rename, folder sync); an empty override removes it.</summary>
    public void Save(string directory)
    {
        var path = PathIn(directory);
        if (IsEmpty)
        {
            File.Delete(path);
            Posix.SyncDirectory(directory);
            return;
        }

        AtomicFile.Write(path, Render(), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    /// <summary>The `version:` line of a compose file, if it has one.</summary>
    public static string? VersionOf(string composeFile)
    {
        foreach (var line in File.ReadLines(composeFile))
        {
            if (line.StartsWith("version:", StringComparison.Ordinal))
            {
                return line["version:".Length..].Trim().Trim('"', '\'');
            }
        }

        return null;
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value : null;
}
