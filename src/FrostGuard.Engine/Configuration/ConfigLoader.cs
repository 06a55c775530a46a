using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace FrostGuard.Engine.Configuration;

/// <summary>Reads and validates frostguard.json; every problem names the file, the key and what is wrong.</summary>
public static partial class ConfigLoader
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public static FrostConfig Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FrostException(ErrorIds.ConfigUnreadable, FailureKind.PermissionDenied,
                $"Cannot read the configuration file {path}: {e.Message}", path,
                "Check that the file exists and is readable by this user.", e);
        }

        return Parse(text, path);
    }

    public static FrostConfig Parse(string json, string path)
    {
        FrostConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<FrostConfig>(json, Options);
        }
        catch (JsonException e)
        {
            throw Invalid(path, e.LineNumber, KeyOf(e.Path), Describe(e), e);
        }

        if (config is null)
        {
            throw Invalid(path, null, "$", "the file holds null instead of a configuration object");
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/";
        var resolved = config with
        {
            SourcePath = Path.GetFullPath(path),
            Project = config.Project with { Directory = Absolute(config.Project.Directory, folder) },
            BackupRoot = config.BackupRoot is null ? null : Absolute(config.BackupRoot, folder),
            StateFolder = config.StateFolder is null ? null : Absolute(config.StateFolder, folder),
            ManualPath = config.ManualPath is null ? null : Absolute(config.ManualPath, folder),
            Tls = config.Tls?.CaFile is null ? config.Tls : config.Tls with { CaFile = Absolute(config.Tls.CaFile, folder) },
            Update = config.Update.Proxy is null ? config.Update : config.Update with { Proxy = config.Update.Proxy with { UpstreamFolder = Absolute(config.Update.Proxy.UpstreamFolder, folder) } },
        };
        ConfigValidator.Validate(resolved, path);
        return resolved;
    }

    internal static FrostException Invalid(string path, long? zeroBasedLine, string key, string problem, Exception? inner = null)
    {
        var where = zeroBasedLine is null ? path : $"{path}:{zeroBasedLine + 1}";
        return new FrostException(ErrorIds.ConfigInvalid, FailureKind.InvalidConfiguration,
            $"Invalid configuration {where}: key '{key}': {problem}.", path,
            $"Fix '{key}' in {path}; docs/configuration.md lists every key.", inner);
    }

    private static string Absolute(string value, string folder) =>
        string.IsNullOrWhiteSpace(value) ? value : Path.GetFullPath(value, folder);

    private static string KeyOf(string? jsonPath) =>
        string.IsNullOrEmpty(jsonPath) ? "$" : jsonPath.StartsWith("$.", StringComparison.Ordinal) ? jsonPath[2..] : jsonPath;

    private static string Describe(JsonException e)
    {
        var message = e.Message;
        var unknown = UnknownMemberPattern().Match(message);
        if (unknown.Success)
        {
            var known = KnownKeys(unknown.Groups["type"].Value);
            return $"unknown key '{unknown.Groups["name"].Value}'" + (known.Length > 0 ? $" (known keys here: {string.Join(", ", known)})" : "");
        }

        var missing = MissingRequiredPattern().Match(message);
        if (missing.Success)
        {
            return $"required key(s) missing: {missing.Groups["names"].Value}";
        }

        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).TrimEnd('.');
    }

    private static string[] KnownKeys(string typeName)
    {
        var type = typeof(FrostConfig).Assembly.GetType(typeName);
        if (type is null)
        {
            return [];
        }

        return type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttribute<JsonIgnoreAttribute>() is null)
            .Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name))
            .ToArray();
    }

    [GeneratedRegex(@"property '(?<name>[^']+)' could not be mapped to any \.NET member contained in type '(?<type>[^']+)'")]
    private static partial Regex UnknownMemberPattern();

    [GeneratedRegex(@"missing required properties including: (?<names>.+?)\.?$", RegexOptions.Singleline)]
    private static partial Regex MissingRequiredPattern();
}
