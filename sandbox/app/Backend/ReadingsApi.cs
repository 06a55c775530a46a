using Npgsql;

namespace FrostGuard.Sandbox.Backend;

/// <summary>Read and write temperature readings.</summary>
public static class ReadingsApi
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/api/sensors", async (NpgsqlDataSource db, CancellationToken ct) =>
        {
            await using var command = db.CreateCommand("SELECT s.id, s.label, t.name FROM sensors s JOIN sites t ON t.id = s.site_id ORDER BY s.id");
            await using var reader = await command.ExecuteReaderAsync(ct);
            var sensors = new List<Sensor>();
            while (await reader.ReadAsync(ct))
            {
                sensors.Add(new Sensor(reader.GetInt32(0), reader.GetString(1), reader.GetString(2)));
            }

            return Results.Json(sensors, SandboxJson.Default.ListSensor);
        });

        app.MapGet("/api/readings", async (int? sensor, int? limit, NpgsqlDataSource db, CancellationToken ct) =>
        {
            await using var command = db.CreateCommand("""
                SELECT id, sensor_id, celsius, recorded_at FROM readings
                WHERE ($1::int IS NULL OR sensor_id = $1) ORDER BY id DESC LIMIT $2
                """);
            command.Parameters.Add(new NpgsqlParameter<int?> { TypedValue = sensor, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Math.Clamp(limit ?? 50, 1, 1000) });
            await using var reader = await command.ExecuteReaderAsync(ct);
            var readings = new List<Reading>();
            while (await reader.ReadAsync(ct))
            {
                readings.Add(new Reading(reader.GetInt64(0), reader.GetInt32(1), reader.GetDecimal(2), reader.GetFieldValue<DateTimeOffset>(3)));
            }

            return Results.Json(readings, SandboxJson.Default.ListReading);
        });

        app.MapPost("/api/readings", async (NewReading reading, NpgsqlDataSource db, CancellationToken ct) =>
        {
            if (reading.Celsius is < -100 or > 100)
            {
                return Results.BadRequest("celsius must be between -100 and 100");
            }

            await using var command = db.CreateCommand("""
                INSERT INTO readings (sensor_id, celsius) SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM sensors WHERE id = $1)
                RETURNING id, sensor_id, celsius, recorded_at
                """);
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = reading.SensorId });
            command.Parameters.Add(new NpgsqlParameter<decimal> { TypedValue = reading.Celsius });
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                return Results.NotFound($"no sensor {reading.SensorId}");
            }

            var stored = new Reading(reader.GetInt64(0), reader.GetInt32(1), reader.GetDecimal(2), reader.GetFieldValue<DateTimeOffset>(3));
            return Results.Json(stored, SandboxJson.Default.Reading, statusCode: 201);
        });
    }
}
