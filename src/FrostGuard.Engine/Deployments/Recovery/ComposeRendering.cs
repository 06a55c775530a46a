using FrostGuard.Engine.Platform.Os;
using YamlDotNet.RepresentationModel;

namespace FrostGuard.Engine.Deployments.Recovery;

/// <summary>A volume of a service as Compose renders it: a host folder (bind), a named or anonymous volume.</summary>
public sealed record ComposeVolume(string? Source, string Target, bool ReadOnly)
{
    /// <summary>A host path (Compose renders relative ones absolute).</summary>
    public bool IsBind => Source is not null && Source.StartsWith('/');
}

/// <summary>A service as Compose renders it, with the .env applied.</summary>
public sealed record ComposeServiceDefinition(string Name, string? Image, string? User, IReadOnlyList<ComposeVolume> Volumes, IReadOnlyList<string> Tmpfs)
{
    /// <summary>`container_name:`: a fixed name, the same for every project.</summary>
    public string? ContainerName { get; init; }
    /// <summary>Published ports (`ports:`), as written.</summary>
    public IReadOnlyList<string> Ports { get; init; } = [];
}

/// <summary>A top-level volume whose name is fixed (`name:` or `external:`), so every project that declares it shares it.</summary>
public sealed record FixedVolume(string Key, string Name, bool External);

/// <summary>
/// What Compose itself makes of a deployment folder (`config`: the compose files with the .env
/// substituted): the only reliable account of which host folders a stack will mount, and the
/// text in which a port or path of the live deployment would show if a compose file wrote it
/// literally.
/// </summary>
public sealed record ComposeRendering(string Text, IReadOnlyList<ComposeServiceDefinition> Services)
{
    public IReadOnlyList<FixedVolume> FixedVolumes { get; init; } = [];

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Renders the compose files Compose itself would be given in <paramref name="directory"/> (the configured ones and the override beside them).</summary>
    public static async Task<ComposeRendering> RenderAsync(string directory, string project, IReadOnlyList<string> composeFiles, CancellationToken cancellationToken)
    {
        var (file, prefix) = await ComposeCli.ToolAsync(cancellationToken).ConfigureAwait(false);
        var files = composeFiles.Select(f => Path.Combine(directory, f)).ToList();
        var overrideFile = ComposeOverride.PathIn(directory);
        if (File.Exists(overrideFile) && !files.Contains(overrideFile, StringComparer.Ordinal))
        {
            files.Add(overrideFile);
        }

        var arguments = prefix.Concat(["-p", project]).Concat(files.SelectMany(f => new[] { "-f", f })).Append("config").ToList();
        var result = await ProcessRunner.RunToolAsync(file, arguments, directory, Timeout, null, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new FrostException(ErrorIds.ComposeFailed, FailureKind.InvalidConfiguration,
                $"Compose cannot read the restored deployment in {directory} (exit code {result.ExitCode}): {result.Tail()}", directory,
                $"Run `{file} {string.Join(' ', arguments)}` in {directory} to see the whole message.");
        }

        return Parse(result.StandardOutput);
    }

    /// <summary>Reads `compose config` output (v1 and v2, short and long volume syntax).</summary>
    public static ComposeRendering Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var services = new List<ComposeServiceDefinition>();
        var fixedVolumes = new List<FixedVolume>();
        if (stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode root)
        {
            if (root.Children.TryGetValue(new YamlScalarNode("services"), out var node) && node is YamlMappingNode serviceNodes)
            {
                foreach (var (key, value) in serviceNodes.Children)
                {
                    var service = value as YamlMappingNode ?? new YamlMappingNode();
                    services.Add(new ComposeServiceDefinition(((YamlScalarNode)key).Value ?? "", Scalar(service, "image"), Scalar(service, "user"),
                        Sequence(service, "volumes").Select(Volume).OfType<ComposeVolume>().ToList(),
                        Sequence(service, "tmpfs").OfType<YamlScalarNode>().Select(t => t.Value ?? "").ToList())
                    {
                        ContainerName = Scalar(service, "container_name"),
                        Ports = Sequence(service, "ports").Select(p => p is YamlScalarNode s ? s.Value ?? "" : p.ToString()).ToList(),
                    });
                }
            }

            if (root.Children.TryGetValue(new YamlScalarNode("volumes"), out var volumes) && volumes is YamlMappingNode volumeNodes)
            {
                foreach (var (key, value) in volumeNodes.Children)
                {
                    var volume = value as YamlMappingNode ?? new YamlMappingNode();
                    var keyName = ((YamlScalarNode)key).Value ?? "";
                    var external = volume.Children.TryGetValue(new YamlScalarNode("external"), out var e)
                        && (e is YamlScalarNode { Value: "true" or "True" } || e is YamlMappingNode);
                    var externalName = e is YamlMappingNode externalNode ? Scalar(externalNode, "name") : null;
                    if (external || Scalar(volume, "name") is not null)
                    {
                        fixedVolumes.Add(new FixedVolume(keyName, Scalar(volume, "name") ?? externalName ?? keyName, external));
                    }
                }
            }
        }

        return new ComposeRendering(yaml, services) { FixedVolumes = fixedVolumes };
    }

    private static ComposeVolume? Volume(YamlNode node)
    {
        if (node is YamlScalarNode { Value: { } text })
        {
            var parts = text.Split(':');
            return parts.Length switch
            {
                1 => new ComposeVolume(null, parts[0], false),
                2 => new ComposeVolume(parts[0], parts[1], false),
                _ => new ComposeVolume(parts[0], parts[1], parts[2].Split(',').Contains("ro", StringComparer.Ordinal)),
            };
        }

        if (node is YamlMappingNode volume && Scalar(volume, "target") is { } target)
        {
            return new ComposeVolume(Scalar(volume, "source"), target, Scalar(volume, "read_only") is "true" or "True");
        }

        return null;
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    private static IEnumerable<YamlNode> Sequence(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlSequenceNode sequence ? sequence.Children : [];
}
