using FrostGuard.Engine.Fleet;

namespace FrostGuard.Engine.Tests.Fleet;

public sealed class FleetInventoryTests
{
    private const string Settings = """
        | Setting     | Value              |
        |-------------|--------------------|
        | Known hosts | known_hosts        |
        | Key file    | keys/controller    |
        | User        | frostguard         |

        """;

    private static string Document(string rows) => "# Fleet\n\n" + Settings + "\n" + """
        | Host | Address | Port | User | Key file | Roles | Config |
        |------|---------|------|------|----------|-------|--------|

        """.TrimEnd('\n') + "\n" + rows;

    private static FleetInventory Parse(string rows) => FleetInventory.Parse(Document(rows), "/fleet/inventory.md");

    private static FrostException Invalid(string markdown) =>
        Assert.Throws<FrostException>(() => FleetInventory.Parse(markdown, "/fleet/inventory.md"));

    [Fact]
    public void Reads_hosts_in_order_with_defaults_from_the_settings_and_paths_relative_to_the_document()
    {
        var inventory = Parse("""
            | db | db.internal | | | | db | /etc/frostguard/frostguard.json |
            | app1 | 127.0.0.1 | 2202 | root | /keys/app1 | app, lb | |
            """);

        Assert.Equal("/fleet/known_hosts", inventory.KnownHostsFile);
        Assert.Equal(["db", "app1"], inventory.Hosts.Select(h => h.Name));
        var db = inventory.Hosts[0];
        Assert.Equal((22, "frostguard", "/fleet/keys/controller", "/etc/frostguard/frostguard.json"), (db.Port, db.User, db.KeyFile, db.ConfigPath));
        Assert.Equal("db.internal", db.KnownHostsName);
        var app = inventory.Hosts[1];
        Assert.Equal((2202, "root", "/keys/app1"), (app.Port, app.User, app.KeyFile));
        Assert.Equal(["app", "lb"], app.Roles);
        Assert.Null(app.ConfigPath);
        Assert.Equal("[127.0.0.1]:2202", app.KnownHostsName);
    }

    [Theory]
    [InlineData("| db | 127.0.0.1 | 70000 | | | db | |", "port '70000'")]
    [InlineData("| db | 127.0.0.1 | 22x | | | db | |", "port '22x'")]
    [InlineData("| db | 127.0.0.1 | | | | database | |", "unknown role 'database'")]
    [InlineData("| db | 127.0.0.1 | | | | | |", "has no role")]
    [InlineData("| db; rm -rf / | 127.0.0.1 | | | | db | |", "is not a name")]
    [InlineData("| db | -oProxyCommand=evil | | | | db | |", "not a host name or IP address")]
    [InlineData("| db | 127.0.0.1 | | -l root | | db | |", "is not a user name")]
    [InlineData("| db | 127.0.0.1 | | | | db | relative/frostguard.json |", "must be absolute")]
    public void A_bad_row_is_an_error_naming_the_file_line_and_cell(string row, string problem)
    {
        var e = Invalid(Document(row));
        Assert.Equal(ErrorIds.InventoryInvalid, e.ErrorId);
        Assert.Contains(problem, e.Message);
        Assert.StartsWith("/fleet/inventory.md:11:", e.Message);
    }

    [Fact]
    public void A_host_listed_twice_names_both_lines()
    {
        var e = Invalid(Document("| app1 | 127.0.0.1 | | | | app | |\n| APP1 | 127.0.0.2 | | | | app | |"));
        Assert.Contains("listed twice (also on line 11)", e.Message);
        Assert.StartsWith("/fleet/inventory.md:12:", e.Message);
    }

    [Fact]
    public void Without_a_known_hosts_setting_nothing_is_trusted_and_the_inventory_is_refused()
    {
        var e = Invalid("| Host | Address | Roles |\n|---|---|---|\n| db | 127.0.0.1 | db |\n");
        Assert.Contains("names no known-hosts file", e.Message);
    }

    [Fact]
    public void Without_a_hosts_table_the_error_says_which_columns_it_needs()
    {
        var e = Invalid("# Fleet\n\nNothing here.\n");
        Assert.Contains("has no hosts table", e.Message);
        Assert.Contains("Key file", e.Message);
    }

    [Fact]
    public void An_unknown_setting_is_an_error_not_ignored()
    {
        var e = Invalid(Settings.Replace("| User        | frostguard         |", "| Usr | frostguard |") + "\n| Host | Address | Roles |\n|---|---|---|\n| db | 127.0.0.1 | db |\n");
        Assert.Contains("unknown setting 'usr'", e.Message);
    }

    [Fact]
    public void Targets_select_hosts_and_roles_in_inventory_order_each_once()
    {
        var inventory = Parse("""
            | db | 127.0.0.1 | 2201 | | | db | |
            | app1 | 127.0.0.1 | 2202 | | | app | |
            | app2 | 127.0.0.1 | 2203 | | | app, lb | |
            | lb | 127.0.0.1 | 2204 | | | lb | |
            """);

        Assert.Equal(["app1", "app2", "lb"], inventory.Select(["lb", "app"]).Select(h => h.Name));
        Assert.Equal(["db", "app2"], inventory.Select(["APP2", "db"]).Select(h => h.Name));
        Assert.Equal(4, inventory.Select(null).Count);
    }

    [Fact]
    public void A_target_that_is_neither_host_nor_role_is_refused_so_a_typo_never_shrinks_a_rollout()
    {
        var inventory = Parse("| app1 | 127.0.0.1 | 2202 | | | app | |");
        var e = Assert.Throws<FrostException>(() => inventory.Select(["app", "ap2"]));
        Assert.Equal(ErrorIds.FleetTargetNotFound, e.ErrorId);
        Assert.Contains("'ap2'", e.Message);
        Assert.Contains("app1", e.RecommendedAction);
    }

    [Fact]
    public void Locate_without_a_path_or_variable_says_how_to_name_one()
    {
        var e = Assert.Throws<FrostException>(() => FleetInventory.Locate(null, "/", _ => null));
        Assert.Equal(ErrorIds.InventoryNotFound, e.ErrorId);
        Assert.Contains(FleetInventory.InventoryVariable, e.RecommendedAction);
    }
}
