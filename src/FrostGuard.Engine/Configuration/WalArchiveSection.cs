namespace FrostGuard.Engine.Configuration;

/// <summary>
/// Continuous WAL archiving (Enable-FrostWalArchive): pg_receivewal streams through a physical
/// replication slot as a role with the REPLICATION attribute. The defaults are the sandbox's.
/// </summary>
public sealed record WalArchiveSection
{
    /// <summary>The Compose service FrostGuard adds to its override file for pg_receivewal.</summary>
    public string Service { get; init; } = "wal-archive";

    /// <summary>The physical replication slot the archiver streams through.</summary>
    public string Slot { get; init; } = "frostguard_wal_archive";

    /// <summary>The role pg_receivewal connects as (LOGIN REPLICATION; pg_hba.conf must let it in for "replication").</summary>
    public string User { get; init; } = "frostguard_replication";

    /// <summary>Where that role's password comes from.</summary>
    public PasswordSource Password { get; init; } = new() { EnvFileKey = "REPLICATION_PASSWORD" };

    /// <summary>
    /// max_slot_wal_keep_size, set with ALTER SYSTEM: the most WAL a slot whose archiver is gone
    /// may hold on the database's disk before PostgreSQL invalidates the slot.
    /// </summary>
    public string MaxSlotWalKeepSize { get; init; } = "1GB";
}
