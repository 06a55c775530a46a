using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Platform.Database;
using FrostGuard.Engine.Platform.Docker;
using FrostGuard.Engine.Platform.Durability;

namespace FrostGuard.Engine.Platform;

/// <summary>
/// Everything one command needs to reach a deployment: its resolved configuration, a Docker
/// gateway and a database connector, each created on first use.
/// </summary>
public sealed class FrostSession : IDisposable
{
    private readonly Func<string, string?> _getEnvironment;
    private DockerGateway? _docker;
    private DatabaseConnector? _database;
    private string? _password;

    private FrostSession(FrostConfig config, Func<string, string?> getEnvironment)
    {
        Config = config;
        _getEnvironment = getEnvironment;
    }

    public FrostConfig Config { get; }

    public string StateFolder => StatePaths.StateFolder(Config, _getEnvironment);

    public string BackupRoot => StatePaths.BackupRoot(Config, _getEnvironment);

    public DockerGateway Docker => _docker ??= new DockerGateway(Config.Docker, Config.SourcePath);

    public DatabaseConnector Database => _database ??= new DatabaseConnector(Config, DatabasePassword);

    /// <summary>For tools that must authenticate themselves (pg_dump in the container); never logged.</summary>
    internal string DatabasePassword => _password ??= PasswordResolver.Resolve(Config, _getEnvironment);

    /// <summary>The WAL archiver's replication password (walArchive.password); never logged.</summary>
    public string ReplicationPassword => PasswordResolver.Resolve(Config, Config.WalArchive.Password, "walArchive.password", _getEnvironment);

    public ServiceInventory Services => new(Docker, Config.Project.Name, slots: Slots);

    /// <summary>The backend's slots, when the deployment runs it in two (docs/updates.md).</summary>
    public ServiceSlots Slots => ServiceSlots.Of(Config);

    /// <summary>The records of this deployment's state-changing operations (what a crash leaves).</summary>
    public OperationRecords OperationRecords => new(StateFolder, Config.Project.Name);

    /// <summary>The running container of the database service, with PostgreSQL's client tools.</summary>
    public Task<PostgresContainer> FindPostgresAsync(CancellationToken cancellationToken) =>
        PostgresContainer.FindAsync(Config, Docker, Services, cancellationToken);

    public static FrostSession Open(string? configPath, string workingDirectory, Func<string, string?> getEnvironment)
    {
        var path = new ConfigLocator(getEnvironment).Locate(configPath, workingDirectory);
        return new FrostSession(ConfigLoader.Load(path), getEnvironment);
    }

    public void Dispose() => _docker?.Dispose();
}
