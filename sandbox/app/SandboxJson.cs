using System.Text.Json;
using System.Text.Json.Serialization;
using FrostGuard.Sandbox.Backend;

namespace FrostGuard.Sandbox;

public sealed record Sensor(int Id, string Label, string Site);
public sealed record Reading(long Id, int SensorId, decimal Celsius, DateTimeOffset RecordedAt);
public sealed record NewReading(int SensorId, decimal Celsius);
public sealed record HealthAnswer(string Status, string Variant, string? Detail);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(List<Sensor>))]
[JsonSerializable(typeof(List<Reading>))]
[JsonSerializable(typeof(Reading))]
[JsonSerializable(typeof(NewReading))]
[JsonSerializable(typeof(HealthAnswer))]
[JsonSerializable(typeof(ChaosSettings))]
internal sealed partial class SandboxJson : JsonSerializerContext;
