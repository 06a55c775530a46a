using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Deployments.Recovery;

namespace FrostGuard.Engine.Tests.Deployments;

/// <summary>The isolation rules of a recovery, decided without Docker: what it gets, and what it refuses.</summary>
public sealed class RecoveryIsolationTests
{
    private const string LiveData = "/var/lib/frostguard/data/postgres";

    private static readonly FrostConfig Live = new()
    {
        Project = new ProjectSection { Name = "frostguard", Directory = "/opt/frostguard" },
        Database = new DatabaseSection { Name = "frostguard", User = "frostguard", Port = 25432, Password = new PasswordSource { EnvFileKey = "POSTGRES_PASSWORD" } },
        BackupRoot = "/var/backups/frostguard",
        Health = new HealthSection { HealthUrl = "https://localhost:28443/health", MetricsUrl = "http://127.0.0.1:28080/metrics" },
        Tls = new TlsSection { Domain = "localhost", Port = 28443 },
    };

    private static readonly Dictionary<string, string> ArchivedEnvironment = new()
    {
        ["COMPOSE_PROJECT_NAME"] = "frostguard", ["POSTGRES_PASSWORD"] = "secret", ["PG_PORT"] = "25432", ["BACKEND_PORT"] = "28080",
        ["PROXY_PORT"] = "28443", ["PG_DATA"] = LiveData, ["TLS_DIR"] = "/var/lib/frostguard/tls",
    };

    private static ComposeRendering Rendering(string postgresData = LiveData, string extra = "") => ComposeRendering.Parse($$"""
        services:
          postgres:
            image: postgres:15
            user: 101:104
            command: [postgres, -c, port=25432]
            volumes:
            - /usr:/usr:ro
            - /opt/frostguard/postgres:/config:ro
            - {{postgresData}}:/var/lib/postgresql/data
            tmpfs:
            - /tmp:mode=1777
          proxy:
            image: nginx
            volumes:
            - type: bind
              source: /var/lib/frostguard/tls
              target: /tls
              read_only: true
        {{extra}}
        """);

    private static HostUsage LiveHost(params int[] alsoListening) => new(
        new HashSet<string> { "frostguard" },
        [new BindUse("frostguard", "frostguard_postgres_1", LiveData, true), new BindUse("frostguard", "frostguard_proxy_1", "/var/lib/frostguard/tls", false)],
        new HashSet<int>([25432, 28080, 28443, 22, .. alsoListening]));

    private static IsolationInput Input(FrostRecoveryMode mode = FrostRecoveryMode.Drill, HostUsage? host = null, ComposeRendering? rendering = null,
        Dictionary<string, string>? operatorEnvironment = null, string? project = null) => new()
    {
        Mode = mode, Source = Live, Archived = Live, ArchivedEnvironment = ArchivedEnvironment, OperatorEnvironment = operatorEnvironment ?? [],
        OperatorProject = project, Target = "/var/tmp/drill", Home = "/var/tmp/drill.frostguard", Rendering = rendering ?? Rendering(), Host = host ?? LiveHost(),
    };

    [Fact]
    public void A_drill_gets_its_own_project_ports_and_a_new_data_folder_never_the_live_one()
    {
        var plan = RecoveryIsolation.Plan(Input());

        Assert.Empty(plan.Refusals);
        Assert.Equal("frostguard-drill", plan.Project);
        Assert.Equal("frostguard-drill", plan.Environment["COMPOSE_PROJECT_NAME"]);
        Assert.Equal(new Dictionary<int, int> { [25432] = 25532, [28080] = 28180, [28443] = 28543 }, plan.Ports);
        var data = Assert.Single(plan.FreshFolders);
        Assert.Equal(new FreshFolder("PG_DATA", "/var/tmp/drill.frostguard/data/pg_data", ForDatabase: true), data);
        Assert.Equal(data.Path, plan.Environment["PG_DATA"]);
        Assert.False(plan.Environment.ContainsKey("TLS_DIR")); // read-only: shared, not copied
    }

    [Fact]
    public void A_derived_name_and_port_skip_what_is_taken()
    {
        var host = LiveHost(25532, 25533) with { Projects = new HashSet<string> { "frostguard", "frostguard-drill", "frostguard-drill-2" } };

        var plan = RecoveryIsolation.Plan(Input(host: host));

        Assert.Equal("frostguard-drill-3", plan.Project);
        Assert.Equal(25534, plan.Ports[25432]);
    }

    [Fact]
    public void Operator_values_that_reach_the_live_deployment_are_refused()
    {
        // The live site is stopped (nothing listens), yet its port and data stay its own.
        var stopped = LiveHost() with { ListeningPorts = new HashSet<int> { 22 } };
        var plan = RecoveryIsolation.Plan(Input(host: stopped, operatorEnvironment: new() { ["PG_PORT"] = "28080", ["PG_DATA"] = LiveData + "/" }, project: "frostguard"));

        Assert.Contains(plan.Refusals, r => r.Contains("project name frostguard is in use", StringComparison.Ordinal));
        Assert.Contains(plan.Refusals, r => r.Contains("PG_PORT=28080: port 28080 belongs to the deployment", StringComparison.Ordinal));
        Assert.Contains(plan.Refusals, r => r.Contains($"PG_DATA={LiveData}/: frostguard_postgres_1 (project frostguard) mounts that folder", StringComparison.Ordinal));
    }

    [Fact]
    public void A_writable_folder_written_literally_in_a_compose_file_is_refused()
    {
        var rendering = Rendering(extra: """
              worker:
                image: worker
                volumes:
                - /srv/uploads:/uploads
            """);

        var plan = RecoveryIsolation.Plan(Input(rendering: rendering));

        Assert.Contains(plan.Refusals, r => r.Contains("mounts /srv/uploads writable, written in the compose file itself", StringComparison.Ordinal));
    }

    [Fact]
    public void The_rendering_of_the_planned_deployment_must_not_hold_a_live_port_or_data_folder()
    {
        var plan = RecoveryIsolation.Plan(Input());
        var rendered = Rendering(postgresData: plan.Environment["PG_DATA"]); // its command still says port=25432

        var leaks = RecoveryIsolation.Leaks(FrostRecoveryMode.Drill, Live, ArchivedEnvironment, plan, rendered, LiveHost());

        Assert.Equal(["the rendered compose files still hold port 25432 of the deployment the backup came from (written in a compose file rather than taken from .env)"], leaks);
    }

    [Fact]
    public void In_place_keeps_everything_and_is_refused_while_the_old_project_exists()
    {
        var plan = RecoveryIsolation.Plan(Input(FrostRecoveryMode.InPlace));

        Assert.Equal("frostguard", plan.Project);
        Assert.All(plan.Ports, p => Assert.Equal(p.Key, p.Value));
        Assert.Contains(plan.Refusals, r => r.Contains("project frostguard still has containers", StringComparison.Ordinal));
        Assert.Contains(plan.Refusals, r => r.Contains("PG_PORT=25432: something listens on port 25432", StringComparison.Ordinal));
        Assert.Contains(plan.Refusals, r => r.Contains($"mount {LiveData} writable, and frostguard_postgres_1", StringComparison.Ordinal));
    }

    [Fact]
    public void In_place_on_a_rebuilt_server_starts_from_the_archived_data_folder_initialised()
    {
        var empty = new HostUsage(new HashSet<string>(), [], new HashSet<int> { 22 });

        var plan = RecoveryIsolation.Plan(Input(FrostRecoveryMode.InPlace, host: empty));

        Assert.Empty(plan.Refusals);
        Assert.Equal(new FreshFolder("PG_DATA", LiveData, ForDatabase: true), Assert.Single(plan.FreshFolders));
        Assert.DoesNotContain("PG_PORT", plan.Environment.Keys);
    }

    [Fact]
    public void Compose_renderings_in_short_and_long_syntax_are_read()
    {
        var services = Rendering().Services.ToDictionary(s => s.Name);

        Assert.Equal("101:104", services["postgres"].User);
        Assert.Equal(["/tmp:mode=1777"], services["postgres"].Tmpfs);
        Assert.Contains(new ComposeVolume(LiveData, "/var/lib/postgresql/data", ReadOnly: false), services["postgres"].Volumes);
        Assert.Equal([new ComposeVolume("/var/lib/frostguard/tls", "/tls", ReadOnly: true)], services["proxy"].Volumes);
    }

    [Fact]
    public void Ports_are_found_in_the_kernels_listening_table()
    {
        const string Table = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 0100007F:6350 00000000:0000 0A 00000000:00000000 00:00000000 00000000   101        0 1 1 0 100 0 0 10 0
               1: 0100007F:6E40 0100007F:C350 01 00000000:00000000 00:00000000 00000000 10001        0 2 1 0 20 4 30 10 -1
            """;

        Assert.Equal([25424], FrostGuard.Engine.Deployments.ListeningSockets.ListeningPorts(Table));
    }

    [Fact]
    public void The_configuration_a_recovery_runs_with_must_name_its_project_and_reach_none_of_the_live_endpoints()
    {
        var plan = RecoveryIsolation.Plan(Input());
        var liveCopy = Live with { Project = Live.Project with { Directory = "/var/tmp/drill" }, SourcePath = "/root/drill.json" };

        var refusals = RecoveryIsolation.CheckEffective(FrostRecoveryMode.Drill, Live, "/var/lib/frostguard/state", "/var/backups/frostguard", liveCopy, "/var/tmp/drill", plan, LiveHost());

        Assert.Contains(refusals, r => r.Contains("names project frostguard, and the recovery runs as frostguard-drill", StringComparison.Ordinal));
        Assert.Contains(refusals, r => r.Contains("database.port in /root/drill.json is port 25432, the deployment's the backup came from", StringComparison.Ordinal));
        Assert.Contains(refusals, r => r.Contains("backupRoot /var/backups/frostguard", StringComparison.Ordinal));
        Assert.Contains(refusals, r => r.Contains("has no stateFolder", StringComparison.Ordinal));
    }

    [Fact]
    public void A_port_left_to_its_default_is_written_out_remapped()
    {
        // The archive's configuration gives no database.port: 5432 by default, the live one's too.
        const string Archived = """
            { "project": { "name": "frostguard", "directory": "/opt/frostguard" },
              "database": { "name": "frostguard", "user": "frostguard", "password": { "envFileKey": "POSTGRES_PASSWORD" } } }
            """;
        var archived = ConfigLoader.Parse(Archived, "/x/frostguard.json");
        var plan = new RecoveryPlan
        {
            Project = "frostguard-drill", Environment = new Dictionary<string, string>(), Ports = new Dictionary<int, int> { [5432] = 5532 },
            FreshFolders = [], Isolation = [], Refusals = [],
        };

        var (json, changes) = RecoveredConfig.Rewrite(Archived, archived, "/var/tmp/drill", "/var/tmp/drill.frostguard", FrostRecoveryMode.Drill, plan);
        var effective = ConfigLoader.Parse(json, "/var/tmp/drill/.frostguard/frostguard.json");

        Assert.Equal(5532, effective.Database.Port);
        Assert.Equal("/var/tmp/drill.frostguard/backups", effective.BackupRoot);
        Assert.Contains(changes, c => c.Item == "database.port" && c.From == "5432" && c.To == "5532");
    }

    [Fact]
    public void A_drill_of_a_deployment_with_slots_gets_its_own_upstream_folder_slot_ports_and_internal_listener()
    {
        // The proxy mounts the upstream folder read-only, yet it decides where the proxy forwards: shared, the drill's proxy would reach the live slots.
        var live = Live with
        {
            Update = new UpdateSection
            {
                Strategy = UpdateStrategies.BlueGreen,
                Slots = [new SlotSection { Name = "blue", Service = "backend-blue", Port = 28081 }, new SlotSection { Name = "green", Service = "backend-green", Port = 28082 }],
                Proxy = new ProxySection { UpstreamFolder = "/var/lib/frostguard/proxy-upstream", InternalUrl = "http://127.0.0.1:28080" },
            },
        };
        var environment = new Dictionary<string, string>(ArchivedEnvironment)
        {
            ["BACKEND_BLUE_PORT"] = "28081", ["BACKEND_GREEN_PORT"] = "28082", ["UPSTREAM_DIR"] = "/var/lib/frostguard/proxy-upstream", ["COMPOSE_PROFILES"] = "backend-green",
        };
        var rendering = Rendering(extra: """
              proxy-upstream-reader:
                image: nginx
                volumes:
                - /var/lib/frostguard/proxy-upstream:/upstream:ro
            """);
        var input = Input(rendering: rendering) with { Source = live, Archived = live, ArchivedEnvironment = environment };

        var plan = RecoveryIsolation.Plan(input);

        Assert.Empty(plan.Refusals);
        var upstream = Assert.Single(plan.FreshFolders, f => f.ForUpstream);
        Assert.Equal(new FreshFolder("UPSTREAM_DIR", "/var/tmp/drill.frostguard/data/upstream_dir", ForDatabase: false, ForUpstream: true), upstream);
        Assert.Equal(upstream.Path, plan.Environment["UPSTREAM_DIR"]);
        Assert.DoesNotContain(28081, plan.Ports.Values);
        Assert.DoesNotContain(28082, plan.Ports.Values);

        const string archivedJson = """
            {
              "project": { "name": "frostguard", "directory": "/opt/frostguard" },
              "database": { "name": "frostguard", "user": "frostguard", "port": 25432, "password": { "envFileKey": "POSTGRES_PASSWORD" } },
              "update": {
                "strategy": "blueGreen",
                "slots": [ { "name": "blue", "service": "backend-blue", "port": 28081 }, { "name": "green", "service": "backend-green", "port": 28082 } ],
                "proxy": { "upstreamFolder": "/var/lib/frostguard/proxy-upstream", "internalUrl": "http://127.0.0.1:28080" }
              }
            }
            """;
        var (json, changes) = RecoveredConfig.Rewrite(archivedJson, live, "/var/tmp/drill", "/var/tmp/drill.frostguard", FrostRecoveryMode.Drill, plan);
        var effective = ConfigLoader.Parse(json, "/var/tmp/drill/.frostguard/frostguard.json");

        Assert.Equal([plan.Ports[28081], plan.Ports[28082]], effective.Update.Slots.Select(s => s.Port));
        Assert.Equal($"http://127.0.0.1:{plan.Ports[28080]}", effective.Update.Proxy!.InternalUrl);
        Assert.Equal(upstream.Path, effective.Update.Proxy.UpstreamFolder);
        Assert.Contains(changes, c => c.Item == "update.proxy.upstreamFolder");
        Assert.Empty(RecoveryIsolation.CheckEffective(FrostRecoveryMode.Drill, live, "/var/lib/frostguard/state", "/var/backups/frostguard", effective with { BackupRoot = "/var/tmp/drill.frostguard/backups", StateFolder = "/var/tmp/drill.frostguard/state" },
            "/var/tmp/drill", plan, LiveHost()));
    }

    [Fact]
    public void A_read_only_mount_of_the_whole_host_does_not_block_a_recovery_but_one_of_its_folder_does()
    {
        var agent = new BindUse("monitoring", "node-exporter", "/", Writable: false);
        var reader = new BindUse("other", "backup-agent", "/var/tmp/drill.frostguard/data/pg_data", Writable: false);
        var writer = new BindUse("other", "app", "/var/tmp", Writable: true);

        Assert.False(RecoveryIsolation.Conflicts(agent, "/var/tmp/drill.frostguard/data/pg_data"));
        Assert.True(RecoveryIsolation.Conflicts(reader, "/var/tmp/drill.frostguard/data/pg_data"));
        Assert.True(RecoveryIsolation.Conflicts(writer, "/var/tmp/drill.frostguard/data/pg_data"));
    }

    [Fact]
    public void Names_Compose_does_not_scope_by_project_are_refused_beside_the_live_deployment()
    {
        var rendering = ComposeRendering.Parse("""
            services:
              postgres:
                image: postgres:15
                container_name: frostguard-db
                ports: ["5432:5432"]
                volumes: [ "pgdata:/var/lib/postgresql/data" ]
            volumes:
              pgdata:
                external: true
                name: frostguard_pgdata
            """);

        var plan = RecoveryIsolation.Plan(Input(rendering: rendering));

        Assert.Contains(plan.Refusals, r => r.Contains("fixed container_name frostguard-db", StringComparison.Ordinal));
        Assert.Contains(plan.Refusals, r => r.Contains("publishes ports (5432:5432)", StringComparison.Ordinal));
        Assert.Contains(plan.Refusals, r => r.Contains("volume pgdata has the fixed name frostguard_pgdata (external)", StringComparison.Ordinal));
    }

    [Fact]
    public void A_file_of_the_deployment_that_names_a_live_port_is_refused()
    {
        using var folder = new TempFolder();
        folder.Write("proxy/nginx.conf", "upstream backend { server 127.0.0.1:28080; }\n");
        folder.Write("proxy/other.conf", "listen 128080; # not a port of ours\n");
        var plan = RecoveryIsolation.Plan(Input());

        var leaks = RecoveryIsolation.LeaksInFiles(Live, plan, folder.Path, ["proxy/nginx.conf", "proxy/other.conf"]);

        Assert.Equal(["proxy/nginx.conf of the restored deployment names port 28080 of the deployment the backup came from; take it from .env or recover in place"], leaks);
    }

    [Fact]
    public void The_dated_env_copies_a_rotation_keeps_are_no_leak()
    {
        // Found by the crash suite: after one Update-FrostSecret every drill was refused, for a copy Compose never reads.
        using var folder = new TempFolder();
        folder.Write(".env.20261204T230516Z", "PG_PORT=28080\n");
        folder.Write(".env.local", "PG_PORT=28080\n");
        var plan = RecoveryIsolation.Plan(Input());

        var leaks = RecoveryIsolation.LeaksInFiles(Live, plan, folder.Path, [".env.20261204T230516Z", ".env.local"]);

        Assert.Equal([".env.local of the restored deployment names port 28080 of the deployment the backup came from; take it from .env or recover in place"], leaks);
    }
}
