using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace FrostGuard;

/// <summary>
/// How a FrostGuard object crosses from a fleet host to the controller whole: the host writes it
/// as JSON, the controller reads it back into the same type, so views, types and nested values
/// work as on one host (PowerShell's remoting would hand over Deserialized.* property bags). The
/// controller adds the host's name (<c>Host</c>). Both sides run the same build; fleet commands
/// refuse a host that does not.
/// </summary>
public static class FleetTransport
{
    private static readonly JsonSerializerOptions Options = new()
    {
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Called on the host, on each object a command writes.</summary>
    public static string Pack(object value) =>
        JsonSerializer.Serialize(new JsonObject
        {
            ["type"] = value.GetType().FullName,
            ["value"] = JsonSerializer.SerializeToNode(value, value.GetType(), Options),
        }, Options);

    /// <summary>The object again, of its own type, with <c>Host</c> set when the type has one.</summary>
    public static object Unpack(string packed, string host)
    {
        var envelope = JsonNode.Parse(packed)?.AsObject() ?? throw new JsonException("empty transport envelope");
        var typeName = (string?)envelope["type"] ?? throw new JsonException("transport envelope without a type");
        var type = typeof(FleetTransport).Assembly.GetType(typeName)
                   ?? throw new JsonException($"'{typeName}' is not a FrostGuard type this build knows");
        var value = envelope["value"]?.AsObject() ?? throw new JsonException("transport envelope without a value");
        if (type.GetProperty("Host") is not null)
        {
            value["Host"] = host;
        }

        return value.Deserialize(type, Options) ?? throw new JsonException($"the host sent an empty {typeName}");
    }
}
