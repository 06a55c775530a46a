using System.Text.Json.Nodes;
using FrostGuard.Engine.Backups.ConfigArchive;
using FrostGuard.Engine.Os;

namespace FrostGuard.Engine.Deployments.Recovery;

/// <summary>
/// The FrostGuard configuration written for a restored deployment, from the archived one: it
/// points only at the restored deployment. Its project name and directory, its database port,
/// its health, metrics and TLS ports follow the plan; a recovery into a new folder gets a backup
/// root and a state folder of its own (its safety backups never land in the live root), and no
/// Prometheus URL (the live Prometheus does not scrape it, so its answers would be the live site's).
/// </summary>
public static class RecoveredConfig
{
    public static (string Path, IReadOnlyList<FrostRecoveryIsolation> Changes) Write(string target, string home, FrostRecoveryMode mode, RecoveryPlan plan)
    {
        var path = System.IO.Path.Combine(target, DeploymentArchive.FrostGuardConfigEntry);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var changes = new List<FrostRecoveryIsolation>();

        void Set(JsonObject section, string key, string item, JsonNode? value, string reason)
        {
            var from = section[key]?.ToJsonString().Trim('"');
            var to = value?.ToJsonString().Trim('"');
            if (from == to)
            {
                return;
            }

            if (value is null)
            {
                section.Remove(key);
            }
            else
            {
                section[key] = value;
            }

            changes.Add(new FrostRecoveryIsolation { Item = item, From = from, To = to, Reason = reason });
        }

        var project = Section(json, "project");
        Set(project, "name", "project.name", plan.Project, "the restored deployment's project");
        project["directory"] = target;
        if (Section(json, "database") is { } database && database["port"]?.GetValue<int>() is { } port && plan.Ports.TryGetValue(port, out var newPort))
        {
            Set(database, "port", "database.port", newPort, "the restored database's port");
        }

        if (json["health"] is JsonObject health)
        {
            foreach (var key in new[] { "healthUrl", "metricsUrl" })
            {
                if (health[key]?.GetValue<string>() is { } url && Uri.TryCreate(url, UriKind.Absolute, out var uri) && plan.Ports.TryGetValue(uri.Port, out var mapped))
                {
                    Set(health, key, $"health.{key}", new UriBuilder(uri) { Port = mapped }.Uri.AbsoluteUri, "the restored deployment's endpoint");
                }
            }

            if (mode != FrostRecoveryMode.InPlace)
            {
                Set(health, "prometheusUrl", "health.prometheusUrl", null, "the live Prometheus does not scrape the restored deployment");
            }
        }

        if (json["tls"] is JsonObject tls && tls["port"]?.GetValue<int>() is { } tlsPort && plan.Ports.TryGetValue(tlsPort, out var newTls))
        {
            Set(tls, "port", "tls.port", newTls, "the restored proxy's port");
        }

        if (mode != FrostRecoveryMode.InPlace)
        {
            Set(json, "backupRoot", "backupRoot", System.IO.Path.Combine(home, "backups"), "the restored deployment's own backups (and its safety backup)");
            Set(json, "stateFolder", "stateFolder", System.IO.Path.Combine(home, "state"), "the restored deployment's own releases and journals");
        }

        AtomicFile.Write(path, json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }), PrivateFiles.FileMode);
        return (path, changes);
    }

    private static JsonObject Section(JsonObject json, string key) =>
        json[key] as JsonObject ?? throw new FrostException(ErrorIds.DeploymentRecoveryFailed, FailureKind.InvalidData,
            $"The archived FrostGuard configuration has no '{key}' section.", key, "Recover with -TargetConfigPath pointing at a configuration of your own.");
}
