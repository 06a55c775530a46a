using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Platform.Files;

namespace FrostGuard.Engine.Platform.Database;

/// <summary>Reads the database password from where the configuration says it lives.</summary>
public static class PasswordResolver
{
    public static string Resolve(FrostConfig config, Func<string, string?> getEnvironment) =>
        Resolve(config, config.Database.Password, "database.password", getEnvironment);

    /// <param name="key">The configuration key that names the source, for the message ("walArchive.password").</param>
    public static string Resolve(FrostConfig config, PasswordSource source, string key, Func<string, string?> getEnvironment)
    {
        if (!string.IsNullOrWhiteSpace(source.EnvironmentVariable))
        {
            return getEnvironment(source.EnvironmentVariable) is { Length: > 0 } value
                ? value
                : throw Unavailable($"the environment variable {source.EnvironmentVariable} is not set", source.EnvironmentVariable,
                    $"Set $env:{source.EnvironmentVariable}, or point {key} in {config.SourcePath} at another source.");
        }

        var envPath = config.Project.EnvPath;
        EnvFile env;
        try
        {
            env = EnvFile.Load(envPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unavailable($"cannot read {envPath} ({e.Message})", envPath,
                $"Run as a user that can read {envPath} (it should be mode 0600), or fix project.directory in {config.SourcePath}.", e);
        }

        return env.TryGet(source.EnvFileKey!, out var password) && password.Length > 0
            ? password
            : throw Unavailable($"{envPath} has no value for {source.EnvFileKey}", envPath,
                $"Add {source.EnvFileKey}=... to {envPath}, or fix {key}.envFileKey in {config.SourcePath}.");
    }

    private static FrostException Unavailable(string why, object target, string action, Exception? inner = null) =>
        new(ErrorIds.DatabasePasswordUnavailable, FailureKind.InvalidConfiguration,
            $"The database password is not available: {why}.", target, action, inner);
}
