using System.Text.Json;
using FrostGuard.Engine.Platform.Os;

namespace FrostGuard.Engine.Health;

/// <summary>A small JSON file in the state folder's health/ directory, written atomically.</summary>
public sealed class StateFile<T> where T : class
{
    private static readonly JsonSerializerOptions Options = new()
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly string _path;

    public StateFile(string stateFolder, string name) => _path = Path.Combine(stateFolder, "health", name);

    public string FilePath => _path;

    /// <summary>Null when there is none yet or it cannot be read (a new one replaces it).</summary>
    public T? Read()
    {
        if (!File.Exists(_path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(_path), Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Write(T value)
    {
        PrivateFiles.CreateFolder(Path.GetDirectoryName(_path)!);
        var temp = _path + "." + Environment.ProcessId + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        PrivateFiles.WriteAllText(temp, JsonSerializer.Serialize(value, Options));
        File.Move(temp, _path, overwrite: true);
    }
}
