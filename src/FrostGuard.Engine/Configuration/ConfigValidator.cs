using System.Text.RegularExpressions;

namespace FrostGuard.Engine.Configuration;

/// <summary>The rules a parsed configuration must meet beyond its JSON shape.</summary>
internal static partial class ConfigValidator
{
    public static void Validate(FrostConfig config, string path)
    {
        Require(ProjectNamePattern().IsMatch(config.Project.Name), path, "project.name",
            $"'{config.Project.Name}' is not a Compose project name (lower-case letters, digits, '-' and '_', starting with a letter or digit)");
        Require(!string.IsNullOrWhiteSpace(config.Project.Directory), path, "project.directory", "must name the deployment directory");
        Require(config.Project.ComposeFiles.Count > 0 && config.Project.ComposeFiles.All(f => !string.IsNullOrWhiteSpace(f)),
            path, "project.composeFiles", "must list at least one compose file name");

        Require(Uri.TryCreate(config.Docker.Endpoint, UriKind.Absolute, out var docker) && docker.Scheme is "unix" or "tcp" or "http" or "https",
            path, "docker.endpoint", $"'{config.Docker.Endpoint}' is not a Docker endpoint (unix:///path/docker.sock or tcp://host:port)");
        Require(config.Docker.TimeoutSeconds is > 0 and <= 600, path, "docker.timeoutSeconds", "must be between 1 and 600");

        var db = config.Database;
        Require(!string.IsNullOrWhiteSpace(db.Service), path, "database.service", "must name the Compose service of PostgreSQL");
        Require(!string.IsNullOrWhiteSpace(db.Host), path, "database.host", "must not be empty");
        Require(db.Port is > 0 and < 65536, path, "database.port", $"{db.Port} is not a TCP port (1-65535)");
        Require(!string.IsNullOrWhiteSpace(db.Name), path, "database.name", "must name the database");
        Require(!string.IsNullOrWhiteSpace(db.User), path, "database.user", "must name the database user");
        Require(db.ConnectTimeoutSeconds is > 0 and <= 300, path, "database.connectTimeoutSeconds", "must be between 1 and 300");
        Require(db.DumpOutput is DumpOutputs.Auto or DumpOutputs.Stdout, path, "database.dumpOutput",
            $"'{db.DumpOutput}' is not one of '{DumpOutputs.Auto}' (a FIFO read from the host where possible) or '{DumpOutputs.Stdout}' (the exec's stdout)");
        var sources = (string.IsNullOrWhiteSpace(db.Password.EnvFileKey) ? 0 : 1) + (string.IsNullOrWhiteSpace(db.Password.EnvironmentVariable) ? 0 : 1);
        Require(sources == 1, path, "database.password",
            "set exactly one of envFileKey (a key of the deployment's .env) or environmentVariable");

        RequireUrl(config.Health.HealthUrl, path, "health.healthUrl");
        RequireUrl(config.Health.MetricsUrl, path, "health.metricsUrl");
        RequireUrl(config.Health.PrometheusUrl, path, "health.prometheusUrl");
        var names = config.Health.MetricNames;
        RequireMetricName(names.Requests, path, "health.metricNames.requests");
        RequireMetricName(names.RequestDuration, path, "health.metricNames.requestDuration");
        Require(!names.RequestDuration.EndsWith("_bucket", StringComparison.Ordinal), path, "health.metricNames.requestDuration",
            $"'{names.RequestDuration}' is a bucket series; name the histogram itself ('{names.RequestDuration[..^"_bucket".Length]}'), as its # TYPE line does");
        if (config.Tls is { } tls)
        {
            Require(!string.IsNullOrWhiteSpace(tls.Domain), path, "tls.domain", "must name the domain on the certificate");
            Require(tls.Port is > 0 and < 65536, path, "tls.port", $"{tls.Port} is not a TCP port (1-65535)");
        }

        for (var i = 0; i < config.Alerts.Webhooks.Count; i++)
        {
            RequireUrl(config.Alerts.Webhooks[i], path, $"alerts.webhooks[{i}]");
        }

        ValidateUpdate(config, path);
        ValidateWalArchive(config.WalArchive, path);
    }

    private static void ValidateWalArchive(WalArchiveSection archive, string path)
    {
        Require(ProjectNamePattern().IsMatch(archive.Service), path, "walArchive.service", $"'{archive.Service}' is not a Compose service name");
        // A slot name PostgreSQL accepts: lower-case letters, digits and '_', at most 63 characters.
        Require(SlotPattern().IsMatch(archive.Slot), path, "walArchive.slot", $"'{archive.Slot}' is not a replication slot name (lower-case letters, digits and '_', up to 63)");
        Require(!string.IsNullOrWhiteSpace(archive.User), path, "walArchive.user", "must name the replication role");
        var sources = (string.IsNullOrWhiteSpace(archive.Password.EnvFileKey) ? 0 : 1) + (string.IsNullOrWhiteSpace(archive.Password.EnvironmentVariable) ? 0 : 1);
        Require(sources == 1, path, "walArchive.password", "set exactly one of envFileKey (a key of the deployment's .env) or environmentVariable");
        Require(WalSizePattern().IsMatch(archive.MaxSlotWalKeepSize), path, "walArchive.maxSlotWalKeepSize",
            $"'{archive.MaxSlotWalKeepSize}' is not a size PostgreSQL reads (a number and MB, GB or TB, like '1GB'); -1 (no limit) is refused, a dead archiver would fill the disk");
    }

    private static void ValidateUpdate(FrostConfig config, string path)
    {
        var update = config.Update;
        Require(update.Strategy is UpdateStrategies.BlueGreen or UpdateStrategies.StopThenStart, path, "update.strategy",
            $"'{update.Strategy}' is not one of '{UpdateStrategies.BlueGreen}' (the new release starts beside the serving one and the proxy switches to it) or '{UpdateStrategies.StopThenStart}'");
        Require(!string.IsNullOrWhiteSpace(update.Service), path, "update.service", "must name the service the slots serve");
        Require(update.Slots.Count is 0 or 2, path, "update.slots", $"lists {update.Slots.Count} slots; a deployment has exactly two (or none)");
        for (var i = 0; i < update.Slots.Count; i++)
        {
            var slot = update.Slots[i];
            Require(SlotNamePattern().IsMatch(slot.Name), path, $"update.slots[{i}].name", $"'{slot.Name}' is not a slot name (lower-case letters and digits)");
            Require(ProjectNamePattern().IsMatch(slot.Service) && slot.Service != update.Service, path, $"update.slots[{i}].service",
                $"'{slot.Service}' must be a Compose service name other than '{update.Service}' (each slot is a service of its own)");
            Require(slot.Port is > 0 and < 65536, path, $"update.slots[{i}].port", $"{slot.Port} is not a TCP port (1-65535)");
        }

        if (update.Slots.Count == 2)
        {
            Require(update.Slots[0].Name != update.Slots[1].Name && update.Slots[0].Service != update.Slots[1].Service && update.Slots[0].Port != update.Slots[1].Port,
                path, "update.slots", "the two slots need different names, services and ports");
        }

        if (update.BlueGreen)
        {
            Require(update.Slots.Count == 2, path, "update.slots", "the blueGreen strategy needs two slots");
            Require(update.Proxy is not null, path, "update.proxy", "the blueGreen strategy needs the proxy it switches");
        }

        if (update.Proxy is { } proxy)
        {
            Require(Path.IsPathRooted(proxy.UpstreamFolder), path, "update.proxy.upstreamFolder", "must name a folder");
            Require(SlotNamePattern().IsMatch(proxy.UpstreamName.Replace("_", "", StringComparison.Ordinal)), path, "update.proxy.upstreamName", $"'{proxy.UpstreamName}' is not an nginx upstream name (letters, digits, '_')");
            Require(!proxy.UpstreamFile.Contains('/', StringComparison.Ordinal) && proxy.UpstreamFile.EndsWith(".conf", StringComparison.Ordinal), path, "update.proxy.upstreamFile",
                $"'{proxy.UpstreamFile}' must be a file name ending in .conf");
            Require(Uri.TryCreate(proxy.InternalUrl, UriKind.Absolute, out var internalUrl) && internalUrl.Scheme == "http" && internalUrl.IsLoopback, path, "update.proxy.internalUrl",
                $"'{proxy.InternalUrl}' must be a plain-HTTP URL on the loopback address (the proxy's internal listener)");
            Require(proxy.VerifyPath.StartsWith('/'), path, "update.proxy.verifyPath", "must start with '/'");
            Require(proxy.TestCommand.Count > 0, path, "update.proxy.testCommand", "must give the configuration test to run in the proxy's container (nginx -t)");
            Require(proxy.DrainTimeoutSeconds is >= 0 and <= 3600, path, "update.proxy.drainTimeoutSeconds", "must be between 0 and 3600");
        }
    }

    [GeneratedRegex("^[a-z0-9_]{1,63}$")]
    private static partial Regex SlotPattern();

    [GeneratedRegex("^[1-9][0-9]{0,6}(MB|GB|TB)$")]
    private static partial Regex WalSizePattern();

    private static void RequireUrl(string? value, string path, string key)
    {
        if (value is null)
        {
            return;
        }

        Require(Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https", path, key,
            $"'{value}' is not an absolute http(s) URL");
    }

    private static void RequireMetricName(string value, string path, string key) =>
        Require(MetricNamePattern().IsMatch(value), path, key,
            $"'{value}' is not a Prometheus metric name (letters, digits, '_' and ':', not starting with a digit)");

    private static void Require(bool condition, string path, string key, string problem)
    {
        if (!condition)
        {
            throw ConfigLoader.Invalid(path, LineOf(path, key), key, problem);
        }
    }

    /// <summary>Best effort: the line of the last segment of the key, for the editor; null when not found.</summary>
    private static long? LineOf(string path, string key)
    {
        try
        {
            var leaf = key.Split('.')[^1];
            var bracket = leaf.IndexOf('[');
            if (bracket >= 0)
            {
                leaf = leaf[..bracket];
            }

            var lines = File.ReadAllLines(path);
            var index = Array.FindIndex(lines, l => l.Contains($"\"{leaf}\"", StringComparison.Ordinal));
            return index >= 0 ? index : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricNamePattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]*$")]
    private static partial Regex ProjectNamePattern();

    [GeneratedRegex("^[a-z0-9]+$")]
    private static partial Regex SlotNamePattern();
}
