using FrostGuard.Engine.Configuration;

namespace FrostGuard.Engine.Tests.Configuration;

public sealed class ConfigLoaderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private FrostConfig Load(string json) => ConfigLoader.Load(_folder.Write("frostguard.json", json));

    private FrostException Invalid(string json)
    {
        var error = Assert.Throws<FrostException>(() => Load(json));
        Assert.Equal(ErrorIds.ConfigInvalid, error.ErrorId);
        Assert.Contains(Path.Combine(_folder.Path, "frostguard.json"), error.Message);
        return error;
    }

    [Fact]
    public void MinimalConfigGetsDefaults()
    {
        var config = Load(ConfigSamples.Minimal);

        Assert.Equal("unix:///var/run/docker.sock", config.Docker.Endpoint);
        Assert.Equal("postgres", config.Database.Service);
        Assert.Equal(5432, config.Database.Port);
        Assert.Equal(["docker-compose.yml"], config.Project.ComposeFiles);
        Assert.Equal(".env", config.Project.EnvFile);
    }

    [Fact]
    public void RelativePathsAreRelativeToTheConfigFile()
    {
        var config = Load(ConfigSamples.Minimal.Replace("\"deploy\"", "\"deploy\", \"composeFiles\": [\"a.yml\"]") [..^1] + ", \"backupRoot\": \"../backups\" }");

        Assert.Equal(Path.Combine(_folder.Path, "deploy"), config.Project.Directory);
        Assert.Equal(Path.GetFullPath(Path.Combine(_folder.Path, "..", "backups")), config.BackupRoot);
        Assert.Equal(Path.Combine(_folder.Path, "frostguard.json"), config.SourcePath);
    }

    [Fact]
    public void UnknownKeyIsAnErrorNamingTheKeyTheLineAndTheKnownKeys()
    {
        var error = Invalid("""
            {
              "project": { "name": "shop", "directory": "deploy" },
              "database": {
                "name": "frostguard",
                "user": "frostguard",
                "pasword": { "envFileKey": "POSTGRES_PASSWORD" }
              }
            }
            """);

        Assert.Contains("unknown key 'pasword'", error.Message);
        Assert.Contains("frostguard.json:6", error.Message);
        Assert.Contains("password", error.Message);
        Assert.Equal(FailureKind.InvalidConfiguration, error.Kind);
    }

    [Fact]
    public void WrongTypeNamesTheKeyAndLine()
    {
        var error = Invalid("""
            {
              "project": { "name": "shop", "directory": "deploy" },
              "database": { "name": "db", "user": "u", "port": "fivefourthreetwo",
                            "password": { "envFileKey": "P" } }
            }
            """);

        Assert.Contains("database.port", error.Message);
        Assert.Contains("frostguard.json:3", error.Message);
    }

    [Fact]
    public void MissingRequiredKeyIsNamed()
    {
        var error = Invalid("""{ "project": { "name": "shop", "directory": "d" } }""");

        Assert.Contains("database", error.Message);
        Assert.Contains("missing", error.Message);
    }

    [Fact]
    public void MalformedJsonGivesTheLine()
    {
        var error = Invalid("{\n  \"project\": { \"name\": \"shop\",\n  ,, }\n}");

        Assert.Contains("frostguard.json:3", error.Message);
    }

    [Theory]
    [InlineData("\"port\": 70000", "database.port")]
    [InlineData("\"port\": 0", "database.port")]
    [InlineData("\"name\": \"\"", "database.name")]
    [InlineData("\"dumpOutput\": \"pipe\"", "database.dumpOutput")]
    public void OutOfRangeDatabaseValuesAreNamed(string replacement, string key)
    {
        var json = ConfigSamples.Minimal.Replace("\"name\": \"frostguard\"", replacement.StartsWith("\"name\"") ? replacement : "\"name\": \"frostguard\", " + replacement);

        var error = Invalid(json);

        Assert.Contains($"key '{key}'", error.Message);
    }

    [Fact]
    public void BothPasswordSourcesAtOnceAreRejected()
    {
        var error = Invalid(ConfigSamples.Minimal.Replace("\"envFileKey\": \"POSTGRES_PASSWORD\"", "\"envFileKey\": \"A\", \"environmentVariable\": \"B\""));

        Assert.Contains("database.password", error.Message);
        Assert.Contains("exactly one", error.Message);
    }

    [Fact]
    public void ProjectNameMustBeAComposeName()
    {
        var error = Invalid(ConfigSamples.Minimal.Replace("\"shop\"", "\"My Shop\""));

        Assert.Contains("project.name", error.Message);
        Assert.Contains("frostguard.json:2", error.Message);
    }

    [Fact]
    public void DockerEndpointMustBeAUri()
    {
        var error = Invalid(ConfigSamples.Minimal[..^1] + ", \"docker\": { \"endpoint\": \"/var/run/docker.sock\" } }");

        Assert.Contains("docker.endpoint", error.Message);
    }

    [Fact]
    public void WebhookMustBeAnHttpUrlAndItsIndexIsNamed()
    {
        var error = Invalid(ConfigSamples.Minimal[..^1] + ", \"alerts\": { \"webhooks\": [\"https://ok.example/x\", \"ftp://nope\"] } }");

        Assert.Contains("alerts.webhooks[1]", error.Message);
    }

    [Fact]
    public void MetricNamesDefaultToTheSandboxBackendsNames()
    {
        var names = Load(ConfigSamples.Minimal).Health.MetricNames;

        // The names MetricsScrape matched before they were configurable.
        Assert.Equal("frostguard_http_requests_total", names.Requests);
        Assert.Equal("frostguard_http_request_duration_seconds_bucket", names.RequestDurationBuckets);
    }

    [Fact]
    public void AConfiguredMetricNameReplacesItsDefaultOnly()
    {
        var names = Load(ConfigSamples.Minimal[..^1] + ", \"health\": { \"metricNames\": { \"requests\": \"shop:requests_total\" } } }").Health.MetricNames;

        Assert.Equal("shop:requests_total", names.Requests);
        Assert.Equal("frostguard_http_request_duration_seconds_bucket", names.RequestDurationBuckets);
    }

    [Theory]
    [InlineData("\"requests\": \"shop requests\"", "health.metricNames.requests", "not a Prometheus metric name")]
    [InlineData("\"requestDuration\": \"9_seconds\"", "health.metricNames.requestDuration", "not a Prometheus metric name")]
    [InlineData("\"requestDuration\": \"shop_seconds_bucket\"", "health.metricNames.requestDuration", "name the histogram itself ('shop_seconds')")]
    public void AMetricNamePrometheusWouldNotExposeIsNamed(string setting, string key, string problem)
    {
        var error = Invalid(ConfigSamples.Minimal[..^1] + $", \"health\": {{ \"metricNames\": {{ {setting} }} }} }}");

        Assert.Contains($"key '{key}'", error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void UnreadableFileIsItsOwnError()
    {
        var error = Assert.Throws<FrostException>(() => ConfigLoader.Load(Path.Combine(_folder.Path, "missing.json")));

        Assert.Equal(ErrorIds.ConfigUnreadable, error.ErrorId);
    }
}
