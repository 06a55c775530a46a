using System.Text.Json.Serialization;

namespace FrostGuard.Engine.Platform.Durability;

/// <summary>
/// What a state-changing command is doing to the deployment, written (0600, fsynced) before it
/// changes anything and removed once it is done: a command killed half way leaves it, and the
/// next command reads from it what was changed and how to finish or undo it.
/// </summary>
public sealed record OperationRecord
{
    public const string Restore = "restore";
    public const string Update = "update";
    public const string Undo = "undo";
    public const string Rotation = "rotation";
    public const string Recovery = "recovery";
    public const string PointInTime = "point-in-time";

    /// <summary>One of the constants above; also the record's file name.</summary>
    public required string Operation { get; init; }
    /// <summary>The command as run, for messages.</summary>
    public required string Command { get; init; }
    /// <summary>The process doing it (<see cref="Os.ProcessIdentity"/>).</summary>
    public required string Owner { get; init; }
    public required DateTimeOffset Started { get; init; }
    /// <summary>The last commit point passed (a <see cref="CrashPoint"/> name, or "begun").</summary>
    public string Stage { get; init; } = "begun";
    /// <summary>Services the command stopped and must start again.</summary>
    public IReadOnlyList<string> StoppedServices { get; init; } = [];
    /// <summary>Operation-specific facts (backup ids, release ids, paths); a pending password for a rotation.</summary>
    public IReadOnlyDictionary<string, string> Facts { get; init; } = new Dictionary<string, string>();

    [JsonIgnore]
    public string Path { get; init; } = "";

    /// <summary>What was interrupted, by whom and where: the start of every resolver's message.</summary>
    [JsonIgnore]
    public string Interruption => $"{Command}, started {Started:u} by PID {Os.ProcessIdentity.PidOf(Owner)}, was interrupted at {Stage}";

    public string Fact(string key) => Facts.TryGetValue(key, out var value) ? value : "";

    public OperationRecord At(CrashPoint stage) => this with { Stage = stage.Name };

    public OperationRecord With(string key, string value) =>
        this with { Facts = new Dictionary<string, string>(Facts) { [key] = value } };
}
