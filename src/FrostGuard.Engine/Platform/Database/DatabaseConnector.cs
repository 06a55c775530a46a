using System.Net.Sockets;
using FrostGuard.Engine.Configuration;
using Npgsql;

namespace FrostGuard.Engine.Platform.Database;

/// <summary>Opens Npgsql connections to the deployment's database and explains failures.</summary>
public sealed class DatabaseConnector
{
    private readonly FrostConfig _config;
    private readonly string _password;

    public DatabaseConnector(FrostConfig config, string password)
    {
        _config = config;
        _password = password;
    }

    public string Endpoint => $"{_config.Database.Host}:{_config.Database.Port}/{_config.Database.Name}";

    public string ConnectionString(string? database = null) => new NpgsqlConnectionStringBuilder
    {
        Host = _config.Database.Host,
        Port = _config.Database.Port,
        Database = database ?? _config.Database.Name,
        Username = _config.Database.User,
        Password = _password,
        Timeout = _config.Database.ConnectTimeoutSeconds,
        ApplicationName = "FrostGuard",
        Pooling = false,
    }.ConnectionString;

    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken, string? database = null)
    {
        var connection = new NpgsqlConnection(ConnectionString(database));
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new FrostException(ErrorIds.DatabaseAuthenticationFailed, FailureKind.AuthenticationFailed,
                $"PostgreSQL at {Endpoint} rejected user {_config.Database.User}: {e.MessageText}", Endpoint,
                $"Check that the password source in database.password of {_config.SourcePath} holds the current password.", e);
        }
        catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException
                                  || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new FrostException(ErrorIds.DatabaseUnreachable, FailureKind.ConnectionFailed,
                $"Cannot connect to PostgreSQL at {Endpoint}: {Innermost(e).Message}", Endpoint,
                $"Check the '{_config.Database.Service}' service with Get-FrostService {_config.Database.Service}; start it with `docker-compose -p {_config.Project.Name} start {_config.Database.Service}` in {_config.Project.Directory}.", e);
        }
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }
}
