namespace FrostGuard.Engine.Platform.Durability;

/// <summary>
/// A commit point of a state-changing command: where a crash leaves a state the next command
/// must recognise. Named here so a test can stop the command exactly there.
/// </summary>
/// <param name="Name">operation.point, as FROSTGUARD_CRASH_AT names it.</param>
/// <param name="Command">The cmdlet whose run reaches it.</param>
/// <param name="Synced">What is on disk (fsynced, folder included) when it is reached: what survives power loss.</param>
/// <param name="Outcome">What a crash here leaves, and what the next command makes of it.</param>
public sealed record CrashPoint(string Name, string Command, string Synced, string Outcome)
{
    public override string ToString() => Name;
}
