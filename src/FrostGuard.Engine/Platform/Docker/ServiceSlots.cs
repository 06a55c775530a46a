using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Platform.Files;

namespace FrostGuard.Engine.Platform.Docker;

/// <summary>
/// A service that runs in two slots (docs/updates.md): which Compose service is which slot, and
/// which slot serves. The serving slot is the one the .env's COMPOSE_PROFILES names, since that
/// is what every plain `compose up` starts; the switch keeps the proxy's upstream in step.
/// </summary>
public sealed class ServiceSlots
{
    public const string ProfilesKey = "COMPOSE_PROFILES";

    private readonly UpdateSection _update;
    private readonly string _envPath;

    public ServiceSlots(UpdateSection update, string envPath)
    {
        _update = update;
        _envPath = envPath;
    }

    public static ServiceSlots Of(FrostConfig config) => new(config.Update, config.Project.EnvPath);

    public bool Any => _update.HasSlots;

    /// <summary>The service the slots serve (backend).</summary>
    public string Logical => _update.Service;

    public IReadOnlyList<SlotSection> All => _update.Slots;

    public SlotSection? OfComposeService(string composeService) => Any ? _update.SlotOfService(composeService) : null;

    public SlotSection Other(SlotSection slot) => _update.Slots.First(s => s.Name != slot.Name);

    /// <summary>The slot COMPOSE_PROFILES names in the .env; null when it names none (or the .env cannot be read).</summary>
    public SlotSection? Serving()
    {
        if (!Any)
        {
            return null;
        }

        string text;
        try
        {
            text = File.ReadAllText(_envPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        return ServingIn(EnvFile.Parse(text));
    }

    public SlotSection? ServingIn(EnvFile env) =>
        env.TryGet(ProfilesKey, out var profiles)
            ? _update.Slots.FirstOrDefault(s => Profiles(profiles).Contains(s.Service, StringComparer.Ordinal))
            : null;

    /// <summary>COMPOSE_PROFILES with the serving slot's profile set to <paramref name="slot"/>'s, other profiles kept.</summary>
    public string ProfilesServing(string? profiles, SlotSection slot)
    {
        var kept = Profiles(profiles ?? "").Where(p => _update.Slots.All(s => s.Service != p));
        return string.Join(',', kept.Append(slot.Service));
    }

    /// <summary>The Compose services a command naming <paramref name="service"/> means: the serving slot's for the slots' service.</summary>
    public string ComposeServiceOf(string service) =>
        Any && service == Logical ? (Serving() ?? _update.Slots[0]).Service : service;

    /// <summary>Every Compose service behind <paramref name="service"/>: both slots for the slots' service (limits apply to both).</summary>
    public IReadOnlyList<string> AllComposeServicesOf(string service) =>
        Any && service == Logical ? _update.Slots.Select(s => s.Service).ToList() : [service];

    private static IEnumerable<string> Profiles(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
