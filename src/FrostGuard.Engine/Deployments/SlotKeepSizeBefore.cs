using System.Text.Json;
using System.Text.RegularExpressions;
using FrostGuard.Engine.Platform.Os;

namespace FrostGuard.Engine.Deployments;

/// <summary>
/// max_slot_wal_keep_size as it was before Enable-FrostWalArchive first changed it, kept in the
/// deployment's .frostguard folder so Disable-FrostWalArchive puts it back: the value, whether it
/// was ALTER SYSTEM's (set again) or postgresql.conf's or the default (reset, so the file's value
/// rules again; when the server does not say where it came from, set again to keep the value),
/// and what Enable set it to (only that is put back: a value changed since is someone's choice).
/// The file is read as untrusted: a value PostgreSQL would not print for this setting is refused,
/// never written into a statement.
/// </summary>
public sealed partial record SlotKeepSizeBefore(string Value, bool FromAlterSystem, string SetTo)
{
    private const string FileName = "wal-archive-keep-size-before.json";
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    public static string PathIn(string projectDirectory) => Path.Combine(projectDirectory, ".frostguard", FileName);

    /// <summary>The statement that puts the setting back.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Statement => FromAlterSystem ? $"ALTER SYSTEM SET max_slot_wal_keep_size = '{Value}'" : "ALTER SYSTEM RESET max_slot_wal_keep_size";

    /// <summary>
    /// The record for an Enable that sets <paramref name="setTo"/> while the server has
    /// <paramref name="live"/>: the earlier record when the server still has what that Enable set
    /// (a second Enable keeps what was there before the first), else what the server has now.
    /// </summary>
    public static SlotKeepSizeBefore Next(SlotKeepSizeBefore? earlier, string live, bool fromAlterSystem, string setTo) =>
        earlier is not null && Megabytes(live) == Megabytes(earlier.SetTo)
            ? earlier with { SetTo = setTo }
            : new SlotKeepSizeBefore(live, fromAlterSystem, setTo);

    /// <summary>
    /// What Disable does with the server's <paramref name="live"/> value: put the old one back when
    /// it is still what Enable set; leave it, with a warning, when someone changed it since; nothing
    /// when it is already the old one (a Disable that died after its ALTER SYSTEM).
    /// </summary>
    public KeepSizePutBack PutBackFrom(string live)
    {
        var mb = Megabytes(live);
        if (mb is not null && mb == Megabytes(SetTo))
        {
            return KeepSizePutBack.Restore;
        }

        return mb is not null && mb == Megabytes(Value) ? KeepSizePutBack.AlreadyBack : KeepSizePutBack.ChangedSince;
    }

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.Write(path, JsonSerializer.Serialize(this, Json), PrivateFiles.FileMode);
    }

    public static SlotKeepSizeBefore? Read(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        SlotKeepSizeBefore? record;
        try
        {
            record = JsonSerializer.Deserialize<SlotKeepSizeBefore>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw Unreadable(path, $"it is not the JSON FrostGuard writes ({e.Message})", e);
        }

        if (record is null || !ValuePattern().IsMatch(record.Value ?? "") || !ValuePattern().IsMatch(record.SetTo ?? ""))
        {
            throw Unreadable(path, $"its values '{record?.Value}' and '{record?.SetTo}' are not ones PostgreSQL prints for max_slot_wal_keep_size", null);
        }

        return record;
    }

    /// <summary>A size as PostgreSQL prints this setting, in MB (-1: no limit); null for anything else. '1024MB' and '1GB' are the same.</summary>
    public static long? Megabytes(string value)
    {
        var match = SizePattern().Match(value);
        if (!match.Success)
        {
            return null;
        }

        var number = long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch
        {
            "kB" => number / 1024,
            "GB" => number * 1024,
            "TB" => number * 1024 * 1024,
            _ => number,
        };
    }

    private static FrostException Unreadable(string path, string why, Exception? inner) =>
        new(ErrorIds.ConfigInvalid, FailureKind.InvalidData, $"{path} cannot be used to put max_slot_wal_keep_size back: {why}. The setting was left as it is.", path,
            $"Set it by hand (ALTER SYSTEM SET max_slot_wal_keep_size = '…' or RESET, then SELECT pg_reload_conf()), then remove {path}.", inner);

    [GeneratedRegex("^(-1|0|[1-9][0-9]{0,8}(kB|MB|GB|TB))$")]
    private static partial Regex ValuePattern();

    [GeneratedRegex("^(-1|[0-9]{1,9})(kB|MB|GB|TB)?$")]
    private static partial Regex SizePattern();
}

/// <summary>Disable's decision for max_slot_wal_keep_size (see <see cref="SlotKeepSizeBefore.PutBackFrom"/>).</summary>
public enum KeepSizePutBack
{
    Restore,
    AlreadyBack,
    ChangedSince,
}
