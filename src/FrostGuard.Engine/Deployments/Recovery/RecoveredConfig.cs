using System.Text.Json.Nodes;
using FrostGuard.Engine.Configuration;

namespace FrostGuard.Engine.Deployments.Recovery;

/// <summary>
/// The FrostGuard configuration written for a restored deployment, from the archived one: it
/// points only at the restored deployment. Its project name and directory, its database port,
/// its health, metrics and TLS ports follow the plan, written out even where the archive left
/// them to their defaults (5432, 443); a recovery into a new folder gets a backup root and a
/// state folder of its own (its safety backups never land in the live root), and no Prometheus
/// URL (the live Prometheus does not scrape it, so its answers would be the live site's).
/// </summary>
public static class RecoveredConfig
{
    /// <summary>The rewritten configuration's text and what changed; pure, so a dry run can show it.</summary>
    public static (string Json, IReadOnlyList<FrostRecoveryIsolation> Changes) Rewrite(string archivedJson, FrostConfig archived, string target, string home,
        FrostRecoveryMode mode, RecoveryPlan plan)
    {
        var json = JsonNode.Parse(archivedJson)!.AsObject();
        var changes = new List<FrostRecoveryIsolation>();

        void Set(JsonObject section, string key, string item, string? from, JsonNode? value, string reason)
        {
            var to = value?.ToJsonString().Trim('"');
            if (value is null)
            {
                section.Remove(key);
            }
            else
            {
                section[key] = value;
            }

            if (from != to)
            {
                changes.Add(new FrostRecoveryIsolation { Item = item, From = from, To = to, Reason = reason });
            }
        }

        int Mapped(int port) => plan.Ports.TryGetValue(port, out var mapped) ? mapped : port;

        var project = Section(json, "project");
        Set(project, "name", "project.name", archived.Project.Name, plan.Project, "the restored deployment's project");
        Set(project, "directory", "project.directory", archived.Project.Directory, target, "the restored deployment's folder");
        var database = Section(json, "database");
        Set(database, "port", "database.port", Text(archived.Database.Port), Mapped(archived.Database.Port), "the restored database's port");

        var health = json["health"] as JsonObject ?? [];
        json["health"] = health;
        foreach (var (key, url) in new[] { ("healthUrl", archived.Health.HealthUrl), ("metricsUrl", archived.Health.MetricsUrl) })
        {
            if (url is not null && Uri.TryCreate(url, UriKind.Absolute, out var uri))
            {
                Set(health, key, $"health.{key}", url, new UriBuilder(uri) { Port = Mapped(uri.Port) }.Uri.AbsoluteUri, "the restored deployment's endpoint");
            }
        }

        if (mode != FrostRecoveryMode.InPlace && archived.Health.PrometheusUrl is { } prometheus)
        {
            Set(health, "prometheusUrl", "health.prometheusUrl", prometheus, null, "the live Prometheus does not scrape the restored deployment");
        }

        if (archived.Tls is { } tls && json["tls"] is JsonObject tlsSection)
        {
            Set(tlsSection, "port", "tls.port", Text(tls.Port), Mapped(tls.Port), "the restored proxy's port");
        }

        if (json["update"] is JsonObject update)
        {
            if (update["slots"] is JsonArray slots)
            {
                for (var i = 0; i < slots.Count && i < archived.Update.Slots.Count; i++)
                {
                    if (slots[i] is JsonObject slot)
                    {
                        var port = archived.Update.Slots[i].Port;
                        Set(slot, "port", $"update.slots[{i}].port", Text(port), Mapped(port), "the restored slot's port");
                    }
                }
            }

            if (update["proxy"] is JsonObject proxy && archived.Update.Proxy is { } archivedProxy)
            {
                if (Uri.TryCreate(archivedProxy.InternalUrl, UriKind.Absolute, out var internalUrl))
                {
                    Set(proxy, "internalUrl", "update.proxy.internalUrl", archivedProxy.InternalUrl,
                        new UriBuilder(internalUrl) { Port = Mapped(internalUrl.Port) }.Uri.AbsoluteUri.TrimEnd('/'), "the restored proxy's internal listener");
                }

                if (plan.FreshFolders.FirstOrDefault(f => f.ForUpstream) is { } upstream)
                {
                    Set(proxy, "upstreamFolder", "update.proxy.upstreamFolder", archivedProxy.UpstreamFolder, upstream.Path, "the restored proxy's own upstream folder");
                }
            }
        }

        if (mode != FrostRecoveryMode.InPlace)
        {
            Set(json, "backupRoot", "backupRoot", archived.BackupRoot, Path.Combine(home, "backups"), "the restored deployment's own backups (and its safety backup)");
            Set(json, "stateFolder", "stateFolder", archived.StateFolder, Path.Combine(home, "state"), "the restored deployment's own releases and journals");
        }

        return (json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }), changes);
    }

    private static string Text(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static JsonObject Section(JsonObject json, string key) =>
        json[key] as JsonObject ?? throw new FrostException(ErrorIds.DeploymentRecoveryFailed, FailureKind.InvalidData,
            $"The archived FrostGuard configuration has no '{key}' section.", key, "Recover with -TargetConfigPath pointing at a configuration of your own.");
}
