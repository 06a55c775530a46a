using FrostGuard.Engine.Platform;

namespace FrostGuard.Engine.Tests;

/// <summary>
/// A FrostSession for an orchestrator's unit tests: a configuration file in a temp folder, the
/// state folder inside it. Docker and the database are never reached (the orchestrator's work is
/// faked), so the deployment directory need not exist.
/// </summary>
public static class UnitSessions
{
    public const string NoDeployment = "/nonexistent/unit";

    /// <param name="passwordSource">The configuration's database.password object.</param>
    public static FrostSession Open(TempFolder folder, string projectDirectory = NoDeployment, string passwordSource = """{ "environmentVariable": "UNIT_PASSWORD" }""")
    {
        var config = folder.Write("frostguard.json", $$"""
            { "project": { "name": "unit", "directory": "{{projectDirectory}}" },
              "database": { "service": "postgres", "name": "app", "user": "app", "password": {{passwordSource}} } }
            """);
        var state = Path.Combine(folder.Path, "state");
        return FrostSession.Open(config, folder.Path, name => name == "FROSTGUARD_STATE" ? state : null);
    }
}
