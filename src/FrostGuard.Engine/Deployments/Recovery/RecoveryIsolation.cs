using System.Globalization;
using System.Text.RegularExpressions;
using FrostGuard.Engine.Configuration;

namespace FrostGuard.Engine.Deployments.Recovery;

/// <summary>What a recovery is asked to restore, and what the host around it holds.</summary>
public sealed record IsolationInput
{
    public required FrostRecoveryMode Mode { get; init; }
    /// <summary>The configuration of the deployment the backup came from (the live one, if it still runs).</summary>
    public required FrostConfig Source { get; init; }
    /// <summary>The FrostGuard configuration in the archive.</summary>
    public required FrostConfig Archived { get; init; }
    /// <summary>The archived .env (keys and values; only ports and paths are read).</summary>
    public required IReadOnlyDictionary<string, string> ArchivedEnvironment { get; init; }
    /// <summary>-Environment: the operator's values win, and are checked like derived ones.</summary>
    public IReadOnlyDictionary<string, string> OperatorEnvironment { get; init; } = new Dictionary<string, string>();
    public string? OperatorProject { get; init; }
    /// <summary>The new deployment directory.</summary>
    public required string Target { get; init; }
    /// <summary>Where the archive was opened for planning: Compose renders the deployment's own relative mounts under it.</summary>
    public string? Staging { get; init; }
    /// <summary>Where the recovery keeps its backups, state and fresh data folders.</summary>
    public required string Home { get; init; }
    /// <summary>The archived deployment as Compose renders it with the archived .env and the operator's values.</summary>
    public required ComposeRendering Rendering { get; init; }
    public required HostUsage Host { get; init; }
}

/// <summary>
/// A host folder the recovery creates empty for a writable mount; the database's is initialised
/// as a cluster; the proxy's upstream folder (read-only in the proxy, but it decides where the
/// proxy forwards) gets the include for the restored deployment's own serving slot.
/// </summary>
public sealed record FreshFolder(string EnvironmentKey, string Path, bool ForDatabase, bool ForUpstream = false);

/// <summary>What a recovery changes so that it touches nothing that runs, or why it must not start.</summary>
public sealed record RecoveryPlan
{
    public required string Project { get; init; }
    /// <summary>.env keys to set in the restored copy: derived ones and the operator's.</summary>
    public required IReadOnlyDictionary<string, string> Environment { get; init; }
    /// <summary>Archived port → the restored deployment's port.</summary>
    public required IReadOnlyDictionary<int, int> Ports { get; init; }
    public required IReadOnlyList<FreshFolder> FreshFolders { get; init; }
    public required IReadOnlyList<FrostRecoveryIsolation> Isolation { get; init; }
    /// <summary>Why the recovery must not start; empty when it may.</summary>
    public required IReadOnlyList<string> Refusals { get; init; }
}

/// <summary>
/// The isolation rules of a recovery, as pure decisions. A recovery into a new folder (and a
/// drill) gets a Compose project name, ports, writable host folders, a backup root, a state
/// folder and endpoints that differ from every project on the host and from the deployment the
/// backup came from: ports are the .env's <c>*_PORT</c> keys, host folders the writable bind
/// mounts Compose renders, traced back to the .env key that names them. The database's data
/// folder is always a new, empty one that FrostGuard initialises; read-only mounts may be shared.
/// A recovery in place keeps every archived name, port and path, and may start only when nothing
/// of the old project exists, no port is taken and the data folder is empty. Anything that cannot
/// be made separate (a writable folder written literally in a compose file, a port or project
/// name in use) is a refusal, given before anything is touched.
/// </summary>
public static partial class RecoveryIsolation
{
    public const string ProjectKey = "COMPOSE_PROJECT_NAME";
    private const int LowestPort = 1025;
    private const int EphemeralStart = 32768;

    public static RecoveryPlan Plan(IsolationInput input)
    {
        var refusals = new List<string>();
        var isolation = new List<FrostRecoveryIsolation>();
        var environment = new Dictionary<string, string>(input.OperatorEnvironment, StringComparer.Ordinal);
        var inPlace = input.Mode == FrostRecoveryMode.InPlace;

        var project = ChooseProject(input, refusals, isolation);
        environment[ProjectKey] = project;

        var ports = ChoosePorts(input, environment, refusals, isolation);
        var fresh = ChooseFolders(input, environment, refusals, isolation);
        CheckFixedNames(input, refusals);

        if (!inPlace)
        {
            CheckEndpoints(input, ports, refusals);
        }

        return new RecoveryPlan
        {
            Project = project, Environment = environment, Ports = ports, FreshFolders = fresh, Isolation = isolation, Refusals = refusals,
        };
    }

    private static string ChooseProject(IsolationInput input, List<string> refusals, List<FrostRecoveryIsolation> isolation)
    {
        var archived = input.Archived.Project.Name;
        if (input.Mode == FrostRecoveryMode.InPlace)
        {
            if (input.OperatorProject is { } other && other != archived)
            {
                refusals.Add($"a recovery in place keeps the archived project name {archived}; -ProjectName {other} asks for a new folder instead");
            }

            if (input.Host.Projects.Contains(archived))
            {
                refusals.Add($"project {archived} still has containers on this host: a recovery in place is for when the old deployment is gone (`docker ps -a --filter label=com.docker.compose.project={archived}`)");
            }

            return archived;
        }

        var taken = new HashSet<string>(input.Host.Projects, StringComparer.Ordinal) { input.Source.Project.Name, archived };
        if (input.OperatorProject is { } chosen)
        {
            if (!ProjectName().IsMatch(chosen))
            {
                refusals.Add($"-ProjectName {chosen} is not a Compose project name (lower-case letters, digits, '-' and '_', starting with a letter or digit)");
            }
            else if (taken.Contains(chosen))
            {
                refusals.Add($"project name {chosen} is in use ({(input.Host.Projects.Contains(chosen) ? "it has containers on this host" : "it is the deployment the backup came from")}); give -ProjectName another name");
            }

            isolation.Add(new FrostRecoveryIsolation { Item = "project", From = archived, To = chosen, Reason = "given with -ProjectName" });
            return chosen;
        }

        var stem = $"{archived}-{(input.Mode == FrostRecoveryMode.Drill ? "drill" : "recovered")}";
        var name = stem;
        for (var n = 2; taken.Contains(name); n++)
        {
            name = $"{stem}-{n}";
        }

        isolation.Add(new FrostRecoveryIsolation { Item = "project", From = archived, To = name, Reason = "a name no project on this host uses" });
        return name;
    }

    /// <summary>Every .env key ending in _PORT: a port not listened on, not the source's, not another key's.</summary>
    private static Dictionary<int, int> ChoosePorts(IsolationInput input, Dictionary<string, string> environment, List<string> refusals, List<FrostRecoveryIsolation> isolation)
    {
        var archivedPorts = input.ArchivedEnvironment
            .Where(e => e.Key.EndsWith("_PORT", StringComparison.Ordinal) && int.TryParse(e.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and < 65536)
            .ToDictionary(e => e.Key, e => int.Parse(e.Value, CultureInfo.InvariantCulture), StringComparer.Ordinal);
        var sourcePorts = SourcePorts(input.Source);
        var unavailable = new HashSet<int>(input.Host.ListeningPorts);
        unavailable.UnionWith(archivedPorts.Values);
        unavailable.UnionWith(sourcePorts);
        var map = new Dictionary<int, int>();
        foreach (var (key, port) in archivedPorts.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (input.Mode == FrostRecoveryMode.InPlace && !input.OperatorEnvironment.ContainsKey(key))
            {
                if (input.Host.ListeningPorts.Contains(port))
                {
                    refusals.Add($"{key}={port}: something listens on port {port} on this host");
                }

                map[port] = port;
                continue;
            }

            int chosen;
            if (input.OperatorEnvironment.TryGetValue(key, out var given))
            {
                if (!int.TryParse(given, NumberStyles.None, CultureInfo.InvariantCulture, out chosen) || chosen is < 1 or > 65535)
                {
                    refusals.Add($"-Environment {key}={given} is not a TCP port");
                    continue;
                }

                if (input.Host.ListeningPorts.Contains(chosen))
                {
                    refusals.Add($"-Environment {key}={chosen}: something listens on port {chosen} on this host");
                }
                else if (input.Mode != FrostRecoveryMode.InPlace && (sourcePorts.Contains(chosen) || archivedPorts.ContainsValue(chosen)))
                {
                    refusals.Add($"-Environment {key}={chosen}: port {chosen} belongs to the deployment the backup came from");
                }

                isolation.Add(new FrostRecoveryIsolation { Item = key, From = Text(port), To = Text(chosen), Reason = "given with -Environment" });
            }
            else
            {
                chosen = FreePort(port, unavailable);
                environment[key] = Text(chosen);
                isolation.Add(new FrostRecoveryIsolation { Item = key, From = Text(port), To = Text(chosen), Reason = "a port nothing listens on and no deployment of this backup has" });
            }

            unavailable.Add(chosen);
            map[port] = chosen;
        }

        return map;
    }

    /// <summary>The writable bind mounts: the database's data folder is always new; others from .env keys are made new; shared read-only ones are kept.</summary>
    private static List<FreshFolder> ChooseFolders(IsolationInput input, Dictionary<string, string> environment, List<string> refusals, List<FrostRecoveryIsolation> isolation)
    {
        var fresh = new List<FreshFolder>();
        var inPlace = input.Mode == FrostRecoveryMode.InPlace;
        var target = input.Target.TrimEnd('/');
        var database = input.Archived.Database.Service;
        // The proxy's upstream folder is mounted read-only, yet names the slots the proxy forwards to: shared, a drill's proxy would forward to the live backend.
        var upstream = input.Archived.Update.Proxy?.UpstreamFolder.TrimEnd('/');
        foreach (var (service, volume) in input.Rendering.Services.SelectMany(s => s.Volumes.Where(v => v.IsBind).Select(v => (Service: s.Name, Volume: v)))
                     .Where(v => !v.Volume.ReadOnly || v.Volume.Source!.TrimEnd('/') == upstream)
                     .DistinctBy(v => v.Volume.Source, StringComparer.Ordinal))
        {
            var source = volume.Source!.TrimEnd('/');
            var forDatabase = service == database;
            var forUpstream = source == upstream;
            var others = input.Host.Binds.Where(b => Conflicts(b, source)).ToList();
            var key = input.ArchivedEnvironment.FirstOrDefault(e => e.Value.Length > 1 && e.Value.TrimEnd('/') == source).Key
                ?? input.OperatorEnvironment.FirstOrDefault(e => e.Value.Length > 1 && e.Value.TrimEnd('/') == source).Key;
            var inDeployment = IsAtOrBelow(source, target) || (input.Staging is { } staging && IsAtOrBelow(source, staging));
            var usedBy = others.Count == 0 ? "" : $"{others[0].Container} ({(others[0].Project.Length > 0 ? "project " + others[0].Project : "no project")}) mounts it";

            if (inPlace)
            {
                if (others.Count > 0)
                {
                    refusals.Add($"the {service} service would mount {source} writable, and {usedBy}");
                }

                if ((forDatabase || forUpstream) && key is not null)
                {
                    fresh.Add(new FreshFolder(key, source, forDatabase, forUpstream));
                }

                continue;
            }

            if (inPlace is false && forUpstream && key is null)
            {
                refusals.Add($"the {service} service mounts the proxy's upstream folder {source} written in the compose file itself rather than taken from .env, so a recovery into a new folder would switch the live proxy; put it in a .env variable");
                continue;
            }

            if (key is not null && input.OperatorEnvironment.TryGetValue(key, out var given))
            {
                var chosen = given.TrimEnd('/');
                var chosenOthers = input.Host.Binds.Where(b => Conflicts(b, chosen)).ToList();
                if (chosenOthers.Count > 0)
                {
                    refusals.Add($"-Environment {key}={given}: {chosenOthers[0].Container} ({(chosenOthers[0].Project.Length > 0 ? "project " + chosenOthers[0].Project : "no project")}) mounts that folder");
                }
                else if (Overlaps(chosen, input.ArchivedEnvironment.GetValueOrDefault(key, "").TrimEnd('/')) && input.ArchivedEnvironment.ContainsKey(key))
                {
                    refusals.Add($"-Environment {key}={given} is the archived folder itself: a recovery into a new folder never uses the folders of the deployment it came from");
                }

                if (forDatabase || forUpstream)
                {
                    fresh.Add(new FreshFolder(key, chosen, forDatabase, forUpstream));
                }

                isolation.Add(new FrostRecoveryIsolation { Item = key, From = source, To = chosen, Reason = "given with -Environment" });
                continue;
            }

            if (inDeployment)
            {
                continue; // a folder of the restored deployment itself: new with it
            }

            if (key is null)
            {
                refusals.Add($"the {service} service mounts {source} writable, written in the compose file itself rather than taken from .env, so a recovery into a new folder cannot give it a folder of its own{(others.Count > 0 ? $" ({usedBy})" : "")}; put it in a .env variable, or recover in place once the old deployment is gone");
                continue;
            }

            var folder = Path.Combine(input.Home, "data", key.ToLowerInvariant());
            environment[key] = folder;
            fresh.Add(new FreshFolder(key, folder, forDatabase, forUpstream));
            isolation.Add(new FrostRecoveryIsolation
            {
                Item = key, From = source, To = folder,
                Reason = forDatabase ? "a new data folder, initialised empty: never the live one"
                    : forUpstream ? "the proxy's own upstream folder, naming the restored slots: never the live proxy's"
                    : $"a new empty folder for a writable mount{(others.Count > 0 ? $" ({usedBy})" : "")}",
            });
        }

        return fresh;
    }

    /// <summary>
    /// The second look, at the deployment as Compose renders it with the plan's .env: no writable
    /// folder that another container mounts, and (beside a running deployment) no port or
    /// writable folder of the deployment it came from written anywhere, as a compose file could
    /// write one literally instead of taking it from .env.
    /// </summary>
    public static IReadOnlyList<string> Leaks(FrostRecoveryMode mode, FrostConfig source, IReadOnlyDictionary<string, string> archivedEnvironment, RecoveryPlan plan,
        ComposeRendering rendered, HostUsage host)
    {
        var leaks = new List<string>();
        foreach (var (service, volume) in rendered.Services.SelectMany(s => s.Volumes.Where(v => v.IsBind && !v.ReadOnly).Select(v => (s.Name, v))))
        {
            if (host.Binds.FirstOrDefault(b => Conflicts(b, volume.Source!)) is { } other)
            {
                leaks.Add($"the {service} service would mount {volume.Source} writable, and {other.Container} ({(other.Project.Length > 0 ? "project " + other.Project : "no project")}) mounts it");
            }
        }

        if (mode == FrostRecoveryMode.InPlace)
        {
            return leaks;
        }

        foreach (var port in LivePorts(source, plan))
        {
            if (HoldsPort(rendered.Text, port))
            {
                leaks.Add($"the rendered compose files still hold port {port} of the deployment the backup came from (written in a compose file rather than taken from .env)");
            }
        }

        foreach (var path in plan.FreshFolders.Select(f => archivedEnvironment.GetValueOrDefault(f.EnvironmentKey)).OfType<string>().Where(p => p.Length > 1))
        {
            if (rendered.Text.Contains(path.TrimEnd('/'), StringComparison.Ordinal))
            {
                leaks.Add($"the rendered compose files still hold {path}, a writable folder of the deployment the backup came from");
            }
        }

        return leaks;
    }

    /// <summary>
    /// Names Compose does not scope by project: a `container_name:` (the same container for every
    /// project), a volume with a fixed `name:` or `external:` (the same data), a published port.
    /// Beside a running deployment these are shared, so refused; in place, refused only when taken.
    /// </summary>
    private static void CheckFixedNames(IsolationInput input, List<string> refusals)
    {
        var inPlace = input.Mode == FrostRecoveryMode.InPlace;
        foreach (var service in input.Rendering.Services)
        {
            if (service.ContainerName is { } name && (!inPlace || input.Host.ContainerNames.Contains(name)))
            {
                refusals.Add(inPlace
                    ? $"the {service.Name} service's container_name {name} is taken by a container on this host"
                    : $"the {service.Name} service has the fixed container_name {name}, which a recovery beside the live deployment would share with it; remove container_name from the compose file");
            }

            if (!inPlace && service.Ports.Count > 0)
            {
                refusals.Add($"the {service.Name} service publishes ports ({string.Join(", ", service.Ports)}), written in the compose file rather than taken from .env; a recovery beside the live deployment would publish the same ones");
            }
        }

        foreach (var volume in input.Rendering.FixedVolumes)
        {
            if (!inPlace || input.Host.VolumeNames.Contains(volume.Name) && volume.External is false)
            {
                refusals.Add(inPlace
                    ? $"the volume {volume.Name} exists on this host already; a recovery in place would mount its data"
                    : $"the volume {volume.Key} has the fixed name {volume.Name}{(volume.External ? " (external)" : "")}: a recovery beside the live deployment would mount the same data; recover in place once the old deployment is gone");
            }
        }
    }

    /// <summary>
    /// The configuration the restored deployment will run with (rewritten, or given with
    /// -TargetConfigPath) must name the planned project and folder and, beside a running
    /// deployment, reach none of the source's ports, its backup root or its state folder. A port
    /// something listens on now is the source's or another deployment's: nothing of the restored
    /// stack runs yet.
    /// </summary>
    public static IReadOnlyList<string> CheckEffective(FrostRecoveryMode mode, FrostConfig source, string sourceStateFolder, string sourceBackupRoot,
        FrostConfig effective, string target, RecoveryPlan plan, HostUsage host)
    {
        var refusals = new List<string>();
        var origin = effective.SourcePath;
        if (effective.Project.Name != plan.Project)
        {
            refusals.Add($"{origin} names project {effective.Project.Name}, and the recovery runs as {plan.Project}: Compose would start (and a drill remove) the containers of {effective.Project.Name}");
        }

        if (Path.GetFullPath(effective.Project.Directory).TrimEnd('/') != target.TrimEnd('/'))
        {
            refusals.Add($"{origin} points at {effective.Project.Directory}, not at the restored deployment {target}");
        }

        if (mode == FrostRecoveryMode.InPlace)
        {
            return refusals;
        }

        var sourcePorts = SourcePorts(source);
        foreach (var (key, port) in EndpointPorts(effective))
        {
            if (sourcePorts.Contains(port))
            {
                refusals.Add($"{key} in {origin} is port {port}, the deployment's the backup came from");
            }
            else if (host.ListeningPorts.Contains(port))
            {
                refusals.Add($"{key} in {origin} is port {port}, which something on this host listens on already (the restored deployment does not run yet)");
            }
        }

        foreach (var (key, folder, live) in new[] { ("backupRoot", effective.BackupRoot, sourceBackupRoot), ("stateFolder", effective.StateFolder, sourceStateFolder) })
        {
            if (folder is null)
            {
                refusals.Add($"{origin} has no {key}: the restored deployment would share the default one with the deployment the backup came from");
            }
            else if (Overlaps(folder, live))
            {
                refusals.Add($"{key} {folder} in {origin} is (or holds, or lies in) the source's {live}");
            }
        }

        return refusals;
    }

    private static IEnumerable<(string Key, int Port)> EndpointPorts(FrostConfig config)
    {
        yield return ("database.port", config.Database.Port);
        if (config.Tls is { } tls)
        {
            yield return ("tls.port", tls.Port);
        }

        foreach (var (key, url) in new[] { ("health.healthUrl", config.Health.HealthUrl), ("health.metricsUrl", config.Health.MetricsUrl), ("health.prometheusUrl", config.Health.PrometheusUrl), ("update.proxy.internalUrl", config.Update.Proxy?.InternalUrl) })
        {
            if (url is not null && Uri.TryCreate(url, UriKind.Absolute, out var uri))
            {
                yield return (key, uri.Port);
            }
        }

        for (var i = 0; i < config.Update.Slots.Count; i++)
        {
            yield return ($"update.slots[{i}].port", config.Update.Slots[i].Port);
        }
    }

    /// <summary>
    /// The files of the restored deployment (an nginx.conf, an appsettings file) that still name a
    /// port of the source the plan moved: a service would reach the live deployment through them.
    /// Text files only, the compose files and .env aside (Compose's rendering is checked instead).
    /// </summary>
    public static IReadOnlyList<string> LeaksInFiles(FrostConfig source, RecoveryPlan plan, string deployment, IEnumerable<string> files)
    {
        var leaks = new List<string>();
        var ports = LivePorts(source, plan).ToList();
        foreach (var file in files)
        {
            var path = Path.Combine(deployment, file);
            var info = new FileInfo(path);
            if (!info.Exists || info.Length > 1 << 20 || file.StartsWith(".frostguard/", StringComparison.Ordinal) || file == ".env" || IsRotationCopy(file))
            {
                continue;
            }

            var text = File.ReadAllText(path);
            if (text.Contains('\0', StringComparison.Ordinal))
            {
                continue; // not text
            }

            foreach (var port in ports.Where(p => HoldsPort(text, p)))
            {
                leaks.Add($"{file} of the restored deployment names port {port} of the deployment the backup came from; take it from .env or recover in place");
            }
        }

        return leaks;
    }

    /// <summary>The dated copy of the .env a rotation keeps (.env.20261204T230516Z): history, never read by Compose.</summary>
    private static bool IsRotationCopy(string file) => Regex.IsMatch(file, @"^\.env\.[0-9]{8}T[0-9]{6}Z$");

    private static IEnumerable<int> LivePorts(FrostConfig source, RecoveryPlan plan) =>
        SourcePorts(source).Concat(plan.Ports.Where(p => p.Key != p.Value).Select(p => p.Key)).Distinct().Order();

    /// <summary>A port written as an address's or setting's value (":5432", "=5432", "'5432'", "port 5432"), not as part of a longer number.</summary>
    private static bool HoldsPort(string text, int port) => Regex.IsMatch(text, $@"(?:[:=""']|\bport\s+){port}(?![0-9])", RegexOptions.IgnoreCase);

    /// <summary>The restored configuration must not reach the source's database, site, metrics or backups.</summary>
    private static void CheckEndpoints(IsolationInput input, IReadOnlyDictionary<int, int> ports, List<string> refusals)
    {
        var archived = input.Archived;
        if (!ports.ContainsKey(archived.Database.Port) && SourcePorts(input.Source).Contains(archived.Database.Port))
        {
            refusals.Add($"database.port {archived.Database.Port} in the archived frostguard.json is not the value of a *_PORT key of its .env, so the restored configuration would reach the live database; recover with -TargetConfigPath pointing at a configuration of your own");
        }

        foreach (var (key, url) in new[] { ("health.healthUrl", archived.Health.HealthUrl), ("health.metricsUrl", archived.Health.MetricsUrl) })
        {
            if (url is not null && Uri.TryCreate(url, UriKind.Absolute, out var uri) && !ports.ContainsKey(uri.Port) && SourcePorts(input.Source).Contains(uri.Port))
            {
                refusals.Add($"{key} {url} uses port {uri.Port}, which is the live deployment's and not a *_PORT key of the .env: verification would check the live site; recover with -TargetConfigPath");
            }
        }
    }

    /// <summary>The ports the source configuration reaches: database, TLS, health and metrics URLs.</summary>
    public static IReadOnlySet<int> SourcePorts(FrostConfig config)
    {
        var ports = new HashSet<int> { config.Database.Port };
        ports.UnionWith(config.Update.Slots.Select(s => s.Port));
        if (config.Update.Proxy is { } proxy && Uri.TryCreate(proxy.InternalUrl, UriKind.Absolute, out var internalUrl))
        {
            ports.Add(internalUrl.Port);
        }

        if (config.Tls is { } tls)
        {
            ports.Add(tls.Port);
        }

        foreach (var url in new[] { config.Health.HealthUrl, config.Health.MetricsUrl })
        {
            if (url is not null && Uri.TryCreate(url, UriKind.Absolute, out var uri))
            {
                ports.Add(uri.Port);
            }
        }

        return ports;
    }

    /// <summary>A free port near the archived one, below the ephemeral range when it was.</summary>
    public static int FreePort(int archived, IReadOnlySet<int> unavailable)
    {
        var ceiling = archived < EphemeralStart ? EphemeralStart : 65536;
        for (var candidate = archived + 100; candidate < ceiling; candidate++)
        {
            if (!unavailable.Contains(candidate))
            {
                return candidate;
            }
        }

        for (var candidate = LowestPort + 19000; candidate < ceiling; candidate++)
        {
            if (!unavailable.Contains(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"no free port for {archived}");
    }

    /// <summary>
    /// Another container's mount gets in the way of a writable folder of ours when either could
    /// write what the other uses: it mounts an overlapping folder writable, or it reads (ro) this
    /// folder or something in it. A read-only mount of a folder that merely holds ours (a
    /// monitoring agent's `/:/rootfs:ro`) does not.
    /// </summary>
    public static bool Conflicts(BindUse other, string ours) =>
        Overlaps(other.Source, ours) && (other.Writable || IsAtOrBelow(other.Source, ours));

    private static bool IsAtOrBelow(string path, string folder)
    {
        path = path.TrimEnd('/');
        folder = folder.TrimEnd('/');
        return path == folder || path.StartsWith(folder + "/", StringComparison.Ordinal);
    }

    /// <summary>True when one folder is the other or holds it.</summary>
    public static bool Overlaps(string a, string b)
    {
        if (a.Length == 0 || b.Length == 0)
        {
            return false;
        }

        a = a.TrimEnd('/');
        b = b.TrimEnd('/');
        return a == b || a.StartsWith(b + "/", StringComparison.Ordinal) || b.StartsWith(a + "/", StringComparison.Ordinal);
    }

    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]*$")]
    private static partial Regex ProjectName();
}
