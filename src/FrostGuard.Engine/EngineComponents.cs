using System.Reflection;

namespace FrostGuard.Engine;

/// <summary>The versions of the engine and of the libraries it runs on, as actually loaded.</summary>
public static class EngineComponents
{
    public static IReadOnlyDictionary<string, string> Versions() => new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["FrostGuard.Engine"] = VersionOf(typeof(EngineComponents).Assembly),
        ["Npgsql"] = VersionOf(typeof(Npgsql.NpgsqlConnection).Assembly),
        ["Docker.DotNet"] = VersionOf(typeof(global::Docker.DotNet.DockerClient).Assembly),
        ["Markdig"] = VersionOf(typeof(Markdig.Markdown).Assembly),
        ["YamlDotNet"] = VersionOf(typeof(YamlDotNet.Serialization.Deserializer).Assembly),
    };

    private static string VersionOf(Assembly assembly)
    {
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (informational is null)
        {
            return assembly.GetName().Version?.ToString() ?? "unknown";
        }

        var plus = informational.IndexOf('+');
        return plus > 0 ? informational[..plus] : informational;
    }
}
