using Npgsql;

namespace FrostGuard.Engine.Backups;

/// <summary>
/// A REPEATABLE READ transaction that exports its snapshot for pg_dump --snapshot and counts the
/// rows of every user table in that same snapshot, so the manifest's counts are exactly what the
/// dump holds. It stays open until the dump is done.
/// </summary>
public sealed class DumpSnapshot : IAsyncDisposable
{
    private const string TablesQuery = """
        SELECT n.nspname, c.relname, format('SELECT count(*) FROM %I.%I', n.nspname, c.relname)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
        ORDER BY 1, 2
        """;

    private readonly NpgsqlTransaction _transaction;
    private readonly CancellationTokenSource _checksumCancel = new();
    private Task<IReadOnlyList<TableChecksum>>? _checksums;

    private DumpSnapshot(NpgsqlTransaction transaction, string id, IReadOnlyList<TableRowCount> tables)
    {
        _transaction = transaction;
        Id = id;
        Tables = tables;
    }

    public string Id { get; }
    public IReadOnlyList<TableRowCount> Tables { get; }

    public static async Task<DumpSnapshot> ExportAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        try
        {
            string id;
            await using (var export = new NpgsqlCommand("SELECT pg_export_snapshot()", connection, transaction))
            {
                id = (string)(await export.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            }

            var tables = await CountRowsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            return new DumpSnapshot(transaction, id, tables);
        }
        catch
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Rows of every user table as this connection's transaction (or a fresh statement) sees them.</summary>
    public static async Task<IReadOnlyList<TableRowCount>> CountRowsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        var tables = new List<(string Schema, string Table, string Count)>();
        await using (var list = new NpgsqlCommand(TablesQuery, connection, transaction))
        await using (var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                tables.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        var counts = new List<TableRowCount>(tables.Count);
        foreach (var (schema, table, countSql) in tables)
        {
            // The statement text was built by the server's format('%I.%I'): identifiers quoted by the database.
            await using var count = new NpgsqlCommand(countSql, connection, transaction);
            counts.Add(new TableRowCount(schema, table, (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!));
        }

        return counts;
    }

    /// <summary>
    /// Starts the content checksums (<see cref="TableChecksums"/>) in this snapshot on its own
    /// connection, which is idle while pg_dump runs: they take as long as a pass over the tables,
    /// so they run beside the dump rather than before it. Await the task before the manifest.
    /// </summary>
    public Task<IReadOnlyList<TableChecksum>> StartChecksums(CancellationToken cancellationToken)
    {
        var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _checksumCancel.Token);
        _checksums = Task.Run(async () =>
        {
            using (linked)
            {
                return await TableChecksums.TakeAsync(_transaction.Connection!, _transaction, linked.Token).ConfigureAwait(false);
            }
        }, CancellationToken.None);
        return _checksums;
    }

    public async ValueTask DisposeAsync()
    {
        if (_checksums is { IsCompleted: false })
        {
            // The run failed before it awaited them: stop the statement, then wait for it to end.
            await _checksumCancel.CancelAsync().ConfigureAwait(false);
            try
            {
                await _checksums.ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException || (e is PostgresException p && p.SqlState == PostgresErrorCodes.QueryCanceled))
            {
                // The cancellation asked for above; the run's own failure is what gets reported.
            }
        }

        _checksumCancel.Dispose();
        await _transaction.DisposeAsync().ConfigureAwait(false);
    }
}
