namespace FrostGuard.Engine.Tests.Configuration;

internal static class ConfigSamples
{
    public const string Minimal = """
        {
          "project": { "name": "shop", "directory": "deploy" },
          "database": { "name": "frostguard", "user": "frostguard", "password": { "envFileKey": "POSTGRES_PASSWORD" } }
        }
        """;
}
