using Npgsql;

namespace FrostGuard.Sandbox.Backend;

/// <summary>
/// The service's schema as numbered migrations, applied at start-up. The 'next' image adds
/// migration 2, so an update has something a rollback must undo.
/// </summary>
public static class Schema
{
    private static readonly (int Version, string Name, string Sql)[] Base =
    [
        (1, "sites, sensors and readings", """
            CREATE TABLE sites (
                id serial PRIMARY KEY,
                name text NOT NULL UNIQUE,
                city text NOT NULL);
            CREATE TABLE sensors (
                id serial PRIMARY KEY,
                site_id int NOT NULL REFERENCES sites(id),
                label text NOT NULL,
                min_celsius numeric(5,2) NOT NULL,
                max_celsius numeric(5,2) NOT NULL,
                UNIQUE (site_id, label));
            CREATE TABLE readings (
                id bigserial PRIMARY KEY,
                sensor_id int NOT NULL REFERENCES sensors(id),
                celsius numeric(5,2) NOT NULL,
                recorded_at timestamptz NOT NULL DEFAULT now());
            CREATE INDEX readings_sensor_time ON readings (sensor_id, recorded_at DESC);
            INSERT INTO sites (name, city) VALUES
                ('North Depot', 'Oslo'), ('Harbour Store', 'Bergen'), ('Airport Cold Hub', 'Trondheim');
            INSERT INTO sensors (site_id, label, min_celsius, max_celsius)
            SELECT s.id, l.label, l.lo, l.hi
            FROM sites s
            CROSS JOIN (VALUES ('freezer-1', -25.0, -15.0), ('freezer-2', -25.0, -15.0), ('chiller-1', 0.0, 5.0)) AS l(label, lo, hi);
            INSERT INTO readings (sensor_id, celsius, recorded_at)
            SELECT se.id, (se.min_celsius + se.max_celsius) / 2 + (random() - 0.5), now() - make_interval(mins => g)
            FROM sensors se CROSS JOIN generate_series(1, 200) g;
            """),
    ];

    private static readonly (int Version, string Name, string Sql) Next =
        (2, "reading quality flag and maintenance windows", """
            ALTER TABLE readings ADD COLUMN quality smallint NOT NULL DEFAULT 100;
            CREATE TABLE maintenance_windows (
                id serial PRIMARY KEY,
                site_id int NOT NULL REFERENCES sites(id),
                starts_at timestamptz NOT NULL,
                ends_at timestamptz NOT NULL);
            """);

    public static async Task MigrateAsync(NpgsqlDataSource dataSource, string variant, CancellationToken cancellationToken)
    {
        var migrations = variant == "next" ? [.. Base, Next] : Base;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var create = new NpgsqlCommand("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
            """, connection))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var (version, name, sql) in migrations)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            // One migrator at a time, even when two backends start together.
            await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(4242)", connection, transaction))
            {
                await lockCommand.ExecuteNonQueryAsync(cancellationToken);
            }

            await using var check = new NpgsqlCommand("SELECT 1 FROM schema_migrations WHERE version = $1", connection, transaction);
            check.Parameters.AddWithValue(version);
            if (await check.ExecuteScalarAsync(cancellationToken) is not null)
            {
                await transaction.RollbackAsync(cancellationToken);
                continue;
            }

            await using (var apply = new NpgsqlCommand(sql, connection, transaction))
            {
                await apply.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", connection, transaction))
            {
                record.Parameters.AddWithValue(version);
                record.Parameters.AddWithValue(name);
                await record.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            Console.WriteLine($"migration {version} applied: {name}");
        }
    }
}
