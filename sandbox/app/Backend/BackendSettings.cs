namespace FrostGuard.Sandbox.Backend;

/// <summary>
/// The backend's settings. The database password is read from the deployment's .env, mounted
/// as a file, so it never appears in the container's environment (docker inspect).
/// </summary>
public sealed record BackendSettings(string Urls, string ConnectionString, string Variant)
{
    public static BackendSettings FromEnvironment()
    {
        var envFile = Require("FROSTGUARD_ENV_FILE");
        var password = ReadKey(envFile, Environment.GetEnvironmentVariable("FROSTGUARD_DB_PASSWORD_KEY") ?? "POSTGRES_PASSWORD");
        var connection = new Npgsql.NpgsqlConnectionStringBuilder
        {
            Host = Environment.GetEnvironmentVariable("FROSTGUARD_DB_HOST") ?? "127.0.0.1",
            Port = int.Parse(Environment.GetEnvironmentVariable("FROSTGUARD_DB_PORT") ?? "5432", System.Globalization.CultureInfo.InvariantCulture),
            Database = Require("FROSTGUARD_DB_NAME"),
            Username = Require("FROSTGUARD_DB_USER"),
            Password = password,
            Timeout = 3,
            ApplicationName = "frostguard-backend",
            MaxPoolSize = 20,
        }.ConnectionString;
        return new BackendSettings(
            Environment.GetEnvironmentVariable("ASPNETCORE_URLS") ?? "http://127.0.0.1:28080",
            connection,
            Environment.GetEnvironmentVariable("FROSTGUARD_BACKEND_VARIANT") ?? "current");
    }

    private static string Require(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"Environment variable {name} is not set.");

    private static string ReadKey(string path, string key)
    {
        foreach (var line in File.ReadLines(path))
        {
            var trimmed = line.Trim();
            if (trimmed.StartsWith(key + "=", StringComparison.Ordinal))
            {
                return trimmed[(key.Length + 1)..].Trim('"', '\'');
            }
        }

        throw new InvalidOperationException($"{path} has no {key}.");
    }
}
