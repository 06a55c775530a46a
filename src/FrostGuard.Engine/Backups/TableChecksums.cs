using Npgsql;

namespace FrostGuard.Engine.Backups;

/// <summary>
/// A checksum of a table's contents, for every table with a one-column integer primary key (the
/// "main tables": readings, sensors, sites, ...). In the dump's snapshot it records the highest
/// key, the rows up to it and the checksum over them; after a restore the same statement over
/// the rows up to that key must give the same numbers, and no row may lie above it.
///
/// The checksum is a sum over the rows of a 64-bit hash of each row, as a numeric: order-
/// independent, so PostgreSQL streams it (and may run it as a parallel aggregate) in constant
/// memory, where md5(string_agg(row::text ORDER BY id)) would sort and hold the whole table as
/// one text value, which fails beyond 1 GB. The hash is <c>hash_record_extended(row, 0)</c>
/// (PostgreSQL 14+): each column's own extended hash function, the ones hash partitioning
/// relies on, so PostgreSQL keeps them stable across versions; it skips the text conversion
/// and measured 3.5–5× faster than md5 of the row's text here. Tables with a column type that
/// has no hash function (json, point, ...) and older servers use the first 64 bits of
/// md5(row::text) instead, with the settings that shape the text form fixed. The manifest
/// records which method each table used, and the comparison uses the same.
/// </summary>
public static class TableChecksums
{
    public const string HashMethod = "hash_record_extended";
    public const string Md5Method = "md5";

    private const string Settings = """
        SET LOCAL TimeZone = 'UTC';
        SET LOCAL DateStyle = 'ISO, YMD';
        SET LOCAL IntervalStyle = 'postgres';
        SET LOCAL extra_float_digits = 1;
        SET LOCAL bytea_output = 'hex'
        """;

    private const string KeyedTablesQuery = """
        SELECT n.nspname, c.relname, a.attname,
               format('SELECT count(*) FILTER (WHERE %3$I <= $1), coalesce(sum(hash_record_extended(t, 0)) FILTER (WHERE %3$I <= $1), 0)::text, count(*) FILTER (WHERE %3$I > $1), coalesce(max(%3$I), 0)::bigint FROM %1$I.%2$I t',
                      n.nspname, c.relname, a.attname),
               format('SELECT count(*) FILTER (WHERE %3$I <= $1), coalesce(sum((''x'' || substr(md5(t::text), 1, 16))::bit(64)::bigint::numeric) FILTER (WHERE %3$I <= $1), 0)::text, count(*) FILTER (WHERE %3$I > $1), coalesce(max(%3$I), 0)::bigint FROM %1$I.%2$I t',
                      n.nspname, c.relname, a.attname)
        FROM pg_index i
        JOIN pg_class c ON c.oid = i.indrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
        WHERE i.indisprimary AND i.indnatts = 1 AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype)
          AND c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
        ORDER BY 1, 2
        """;

    private sealed record KeyedTable(string Schema, string Table, string Key, string HashSql, string Md5Sql)
    {
        public string Sql(string method) => method == HashMethod ? HashSql : Md5Sql;
    }

    /// <summary>In the transaction's snapshot (the dump's): every keyed table's highest key, rows and checksum.</summary>
    public static async Task<IReadOnlyList<TableChecksum>> TakeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await ApplySettingsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        var result = new List<TableChecksum>();
        foreach (var table in await KeyedTablesAsync(connection, transaction, cancellationToken).ConfigureAwait(false))
        {
            // The hash first, under a savepoint: a column type without a hash function (or a
            // server before 14) fails the statement, which must not end the dump's transaction.
            var method = HashMethod;
            (long Rows, string Checksum, long Above, long Max) measured;
            await transaction.SaveAsync("frostguard_checksum", cancellationToken).ConfigureAwait(false);
            try
            {
                measured = await MeasureAsync(connection, transaction, table.HashSql, long.MaxValue, cancellationToken).ConfigureAwait(false);
                await transaction.ReleaseAsync("frostguard_checksum", cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedFunction or PostgresErrorCodes.FeatureNotSupported)
            {
                await transaction.RollbackAsync("frostguard_checksum", cancellationToken).ConfigureAwait(false);
                method = Md5Method;
                measured = await MeasureAsync(connection, transaction, table.Md5Sql, long.MaxValue, cancellationToken).ConfigureAwait(false);
            }

            result.Add(new TableChecksum(table.Schema, table.Table, table.Key, measured.Max, measured.Rows, measured.Checksum, method));
        }

        return result;
    }

    /// <summary>
    /// Measures a restored database against the manifest's checksums; returns one line per
    /// difference (missing table, other rows or checksum up to the key, rows above it).
    /// </summary>
    public static async Task<IReadOnlyList<string>> CompareAsync(NpgsqlConnection connection, IReadOnlyList<TableChecksum> expected, CancellationToken cancellationToken)
    {
        var differences = new List<string>();
        if (expected.Count == 0)
        {
            return differences;
        }

        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        await ApplySettingsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        var tables = (await KeyedTablesAsync(connection, transaction, cancellationToken).ConfigureAwait(false))
            .ToDictionary(t => $"{t.Schema}.{t.Table}", StringComparer.Ordinal);
        foreach (var want in expected)
        {
            if (!tables.TryGetValue(want.QualifiedName, out var found) || found.Key != want.KeyColumn)
            {
                differences.Add($"{want.QualifiedName} missing or without its primary key {want.KeyColumn}");
                continue;
            }

            var (rows, checksum, above, _) = await MeasureAsync(connection, transaction, found.Sql(want.Method), want.MaxId, cancellationToken).ConfigureAwait(false);
            differences.AddRange(Differences(want, rows, checksum, above));
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return differences;
    }

    /// <summary>What differs between a recorded checksum and what a restored table measured.</summary>
    public static IReadOnlyList<string> Differences(TableChecksum want, long rows, string checksum, long rowsAboveMaxId)
    {
        var differences = new List<string>();
        if (rows != want.Rows)
        {
            differences.Add($"{want.QualifiedName} has {rows} rows with {want.KeyColumn} <= {want.MaxId}, the backup's snapshot had {want.Rows}");
        }
        else if (!string.Equals(checksum, want.Checksum, StringComparison.Ordinal))
        {
            differences.Add($"{want.QualifiedName}: the content checksum ({want.Method}) of the rows with {want.KeyColumn} <= {want.MaxId} is {checksum}, the backup's snapshot had {want.Checksum}");
        }

        if (rowsAboveMaxId > 0)
        {
            differences.Add($"{want.QualifiedName} has {rowsAboveMaxId} rows with {want.KeyColumn} > {want.MaxId}, written after the backup's snapshot");
        }

        return differences;
    }

    private static async Task ApplySettingsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var set = new NpgsqlCommand(Settings, connection, transaction);
        await set.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<List<KeyedTable>> KeyedTablesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var tables = new List<KeyedTable>();
        await using var list = new NpgsqlCommand(KeyedTablesQuery, connection, transaction);
        await using var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tables.Add(new KeyedTable(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4)));
        }

        return tables;
    }

    private static async Task<(long Rows, string Checksum, long Above, long Max)> MeasureAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, long maxId, CancellationToken cancellationToken)
    {
        // The statement text was built by the server's format('%I'): identifiers quoted by the database.
        await using var measure = new NpgsqlCommand(sql, connection, transaction);
        measure.Parameters.Add(new NpgsqlParameter { Value = maxId, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        measure.CommandTimeout = 0;
        await using var reader = await measure.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3));
    }
}
