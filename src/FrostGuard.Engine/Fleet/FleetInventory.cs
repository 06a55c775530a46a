using System.Globalization;
using System.Text.RegularExpressions;
using FrostGuard.Engine.Runbooks.Parsing;
using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Fleet;

/// <summary>
/// The fleet, as a Markdown document an operator reads and edits: a hosts table (Host, Address,
/// Port, User, Key file, Roles, Config, and for application hosts Upstream: the host:port a load
/// balancer forwards to) and a settings table (Setting, Value) that names the
/// known-hosts file and the defaults for empty cells. Relative paths are relative to the document.
/// Every problem names the file and line.
/// </summary>
public sealed partial record FleetInventory(string Path, string KnownHostsFile, IReadOnlyList<FleetHost> Hosts)
{
    public const string InventoryVariable = "FROSTGUARD_INVENTORY";
    public static readonly IReadOnlyList<string> KnownRoles = ["db", "app", "lb"];

    private static readonly string[] HostColumns = ["Host", "Address", "Port", "User", "Key file", "Roles", "Config"];

    /// <summary>The inventory named by -Inventory or $env:FROSTGUARD_INVENTORY.</summary>
    public static FleetInventory Locate(string? path, string workingDirectory, Func<string, string?> getEnvironment)
    {
        var chosen = path;
        var source = "-Inventory";
        if (string.IsNullOrWhiteSpace(chosen))
        {
            chosen = getEnvironment(InventoryVariable);
            source = "$env:" + InventoryVariable;
        }

        if (string.IsNullOrWhiteSpace(chosen))
        {
            throw new FrostException(ErrorIds.InventoryNotFound, FailureKind.NotFound,
                "No fleet inventory was given.", null,
                $"Pass -Inventory <path of the fleet's Markdown inventory> or set $env:{InventoryVariable} (docs/fleet.md describes the format).");
        }

        var full = System.IO.Path.GetFullPath(chosen, workingDirectory);
        if (!File.Exists(full))
        {
            throw new FrostException(ErrorIds.InventoryNotFound, FailureKind.NotFound,
                $"The fleet inventory {full} ({source}) does not exist.", full,
                "Check the path; docs/fleet.md describes the inventory's format.");
        }

        return Read(full);
    }

    public static FleetInventory Read(string path)
    {
        string markdown;
        try
        {
            markdown = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FrostException(ErrorIds.InventoryInvalid, FailureKind.InvalidData,
                $"Cannot read the fleet inventory {path}: {e.Message}", path, "Check the file's permissions.", e);
        }

        return Parse(markdown, path);
    }

    public static FleetInventory Parse(string markdown, string path)
    {
        var tables = RunbookParser.Parse(markdown, path).Tables;
        var hostsTable = tables.FirstOrDefault(t => HasColumn(t, "Host") && HasColumn(t, "Address"))
                         ?? throw Invalid(path, 1, "has no hosts table: a pipe table with the columns " + string.Join(", ", HostColumns));
        var settings = ReadSettings(tables.FirstOrDefault(t => HasColumn(t, "Setting") && HasColumn(t, "Value")), path);
        var folder = System.IO.Path.GetDirectoryName(path) ?? ".";

        if (!settings.TryGetValue("known hosts", out var knownHosts))
        {
            throw Invalid(path, 1, "names no known-hosts file: add a settings table (| Setting | Value |) with a 'Known hosts' row. FrostGuard checks every host key against it and never trusts a new key on its own");
        }

        foreach (var column in HostColumns.Where(c => c != "Port" && c != "User" && c != "Key file" && c != "Config"))
        {
            if (!HasColumn(hostsTable, column))
            {
                throw Invalid(path, hostsTable.Line, $"the hosts table has no '{column}' column (columns: {string.Join(", ", HostColumns)})");
            }
        }

        var hosts = new List<FleetHost>();
        for (var i = 0; i < hostsTable.Rows.Count; i++)
        {
            var line = hostsTable.RowLines[i];
            string Cell(string column) => CellOf(hostsTable, hostsTable.Rows[i], column);

            var name = Cell("Host");
            if (!NamePattern().IsMatch(name))
            {
                throw Invalid(path, line, $"the host name '{name}' is not a name: use letters, digits, '-', '_' and '.', starting with a letter or digit");
            }

            if (hosts.FirstOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) is { } twin)
            {
                throw Invalid(path, line, $"the host '{name}' is listed twice (also on line {twin.Line})");
            }

            var address = Cell("Address");
            if (!AddressPattern().IsMatch(address))
            {
                throw Invalid(path, line, $"'{address}' is not a host name or IP address for host '{name}'");
            }

            var portText = Cell("Port");
            var port = 22;
            if (portText.Length > 0 && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
            {
                throw Invalid(path, line, $"the port '{portText}' of host '{name}' is not a TCP port (1-65535)");
            }

            var user = Or(Cell("User"), settings, "user")
                       ?? throw Invalid(path, line, $"host '{name}' has no user: fill its User cell or add a 'User' setting");
            if (!UserPattern().IsMatch(user))
            {
                throw Invalid(path, line, $"the user '{user}' of host '{name}' is not a user name");
            }

            var keyFile = Or(Cell("Key file"), settings, "key file")
                          ?? throw Invalid(path, line, $"host '{name}' has no key file: fill its Key file cell or add a 'Key file' setting (FrostGuard logs in with keys only)");
            var roles = Cell("Roles").Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(r => r.ToLowerInvariant()).Distinct().ToList();
            if (roles.FirstOrDefault(r => !KnownRoles.Contains(r)) is { } unknown)
            {
                throw Invalid(path, line, $"host '{name}' has the unknown role '{unknown}' (roles: {string.Join(", ", KnownRoles)})");
            }

            if (roles.Count == 0)
            {
                throw Invalid(path, line, $"host '{name}' has no role: give it one or more of {string.Join(", ", KnownRoles)}");
            }

            var config = Or(Cell("Config"), settings, "config");
            if (config is not null && !config.StartsWith('/'))
            {
                throw Invalid(path, line, $"the configuration path '{config}' of host '{name}' must be absolute: it is a path on that host");
            }

            var upstream = Cell("Upstream");
            if (upstream.Length > 0 && !UpstreamPattern().IsMatch(upstream))
            {
                throw Invalid(path, line, $"the upstream '{upstream}' of host '{name}' is not host:port (the server a load balancer forwards to)");
            }

            hosts.Add(new FleetHost(name, address, port, user, Absolute(keyFile, folder), roles, config, line, upstream.Length > 0 ? upstream : null));
        }

        if (hosts.Count == 0)
        {
            throw Invalid(path, hostsTable.Line, "the hosts table has no hosts");
        }

        var knownHostsFile = Absolute(knownHosts, folder);
        if (knownHostsFile.Any(char.IsWhiteSpace))
        {
            throw Invalid(path, 1, $"names the known-hosts file '{knownHostsFile}', whose path has a space: ssh would read it as several files. Move it to a path without spaces");
        }

        return new FleetInventory(path, knownHostsFile, hosts);
    }

    /// <summary>
    /// The hosts a -Target names, in inventory order, each once: host names and roles, or all
    /// hosts for none. A name that is neither is an error, so a typo never shrinks a rollout.
    /// </summary>
    public IReadOnlyList<FleetHost> Select(IReadOnlyCollection<string>? targets)
    {
        if (targets is null || targets.Count == 0)
        {
            return Hosts;
        }

        foreach (var target in targets)
        {
            if (!KnownRoles.Contains(target, StringComparer.OrdinalIgnoreCase) && !Hosts.Any(h => h.Name.Equals(target, StringComparison.OrdinalIgnoreCase)))
            {
                throw new FrostException(ErrorIds.FleetTargetNotFound, FailureKind.NotFound,
                    $"'{target}' is neither a host nor a role in the fleet inventory {Path}.", target,
                    $"Use a host name ({string.Join(", ", Hosts.Select(h => h.Name))}) or a role ({string.Join(", ", KnownRoles)}); Get-FrostHost lists them.");
            }
        }

        return Hosts.Where(h => targets.Any(t => h.Name.Equals(t, StringComparison.OrdinalIgnoreCase) || h.HasRole(t))).ToList();
    }

    private static Dictionary<string, string> ReadSettings(RunbookTable? table, string path)
    {
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (table is null)
        {
            return settings;
        }

        string[] known = ["known hosts", "user", "key file", "config"];
        for (var i = 0; i < table.Rows.Count; i++)
        {
            var name = CellOf(table, table.Rows[i], "Setting").ToLowerInvariant();
            var value = CellOf(table, table.Rows[i], "Value");
            if (!known.Contains(name))
            {
                throw Invalid(path, table.RowLines[i], $"unknown setting '{name}' (settings: Known hosts, User, Key file, Config)");
            }

            if (value.Length == 0)
            {
                throw Invalid(path, table.RowLines[i], $"the setting '{name}' has no value");
            }

            settings[name] = value;
        }

        return settings;
    }

    private static string? Or(string cell, Dictionary<string, string> settings, string setting) =>
        cell.Length > 0 ? cell : settings.GetValueOrDefault(setting);

    private static string Absolute(string path, string folder) =>
        System.IO.Path.GetFullPath(path.StartsWith("~/", StringComparison.Ordinal)
            ? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..])
            : path, folder);

    private static bool HasColumn(RunbookTable table, string column) =>
        table.Header.Any(h => Normalize(h).Equals(column, StringComparison.OrdinalIgnoreCase));

    private static string CellOf(RunbookTable table, IReadOnlyList<string> row, string column)
    {
        for (var i = 0; i < table.Header.Count; i++)
        {
            if (Normalize(table.Header[i]).Equals(column, StringComparison.OrdinalIgnoreCase))
            {
                return i < row.Count ? Normalize(row[i]) : "";
            }
        }

        return "";
    }

    /// <summary>A cell as written, without the Markdown an operator puts around paths and names.</summary>
    private static string Normalize(string cell) => cell.Trim().Replace("`", "").Replace("**", "").Trim() is "-" or "—" ? "" : cell.Trim().Replace("`", "").Replace("**", "").Trim();

    private static FrostException Invalid(string path, int line, string problem) =>
        new(ErrorIds.InventoryInvalid, FailureKind.InvalidConfiguration, $"{path}:{line}: the fleet inventory {problem}.", $"{path}:{line}",
            "Fix that line of the inventory; docs/fleet.md describes the format.");

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^([A-Za-z0-9][A-Za-z0-9.-]{0,252}|\[?[0-9A-Fa-f:]+\]?)$")]
    private static partial Regex AddressPattern();

    [GeneratedRegex(@"^[A-Za-z0-9.\[\]:-]+:[0-9]{1,5}$")]
    private static partial Regex UpstreamPattern();

    [GeneratedRegex(@"^[a-z_][a-z0-9_.-]{0,31}$")]
    private static partial Regex UserPattern();
}
