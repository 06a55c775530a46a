namespace FrostGuard.Engine.Configuration;

/// <summary>
/// Finds frostguard.json, in one order for every cmdlet: -ConfigPath, $env:FROSTGUARD_CONFIG,
/// ./frostguard.json, /etc/frostguard/frostguard.json.
/// </summary>
public sealed class ConfigLocator
{
    public const string ConfigVariable = "FROSTGUARD_CONFIG";
    public const string FileName = "frostguard.json";
    public const string DefaultSystemPath = "/etc/frostguard/frostguard.json";

    private readonly Func<string, string?> _getEnvironment;
    private readonly string _systemPath;

    public ConfigLocator(Func<string, string?> getEnvironment, string systemPath = DefaultSystemPath)
    {
        _getEnvironment = getEnvironment;
        _systemPath = systemPath;
    }

    public string Locate(string? explicitPath, string workingDirectory)
    {
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            return RequireExisting(Path.GetFullPath(explicitPath, workingDirectory), "-ConfigPath");
        }

        var fromEnvironment = _getEnvironment(ConfigVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return RequireExisting(Path.GetFullPath(fromEnvironment, workingDirectory), "$env:" + ConfigVariable);
        }

        var local = Path.Combine(workingDirectory, FileName);
        if (File.Exists(local))
        {
            return local;
        }

        if (File.Exists(_systemPath))
        {
            return _systemPath;
        }

        throw new FrostException(ErrorIds.ConfigNotFound, FailureKind.NotFound,
            $"No FrostGuard configuration found. Looked for -ConfigPath, $env:{ConfigVariable}, {local} and {_systemPath}.",
            local,
            $"Pass -ConfigPath <file>, set $env:{ConfigVariable}, or create {_systemPath} (Get-Help about_FrostGuard, section Configuration).");
    }

    private static string RequireExisting(string path, string origin)
    {
        if (File.Exists(path))
        {
            return path;
        }

        throw new FrostException(ErrorIds.ConfigNotFound, FailureKind.NotFound,
            $"The configuration file {path} named by {origin} does not exist.",
            path,
            $"Check the path given in {origin}, or remove it to use ./{FileName} or {DefaultSystemPath}.");
    }
}
