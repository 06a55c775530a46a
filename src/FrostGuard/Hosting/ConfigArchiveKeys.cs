using System.Security;
using FrostGuard.Engine.Backups.ConfigArchive;

namespace FrostGuard.Hosting;

/// <summary>The configuration archive's key from -Passphrase or -KeyFile, as Invoke-FrostBackup and Restore-FrostDeployment take them.</summary>
internal static class ConfigArchiveKeys
{
    /// <summary>Exactly one of the two must be given; the key file path is already resolved.</summary>
    public static ConfigArchiveKey Open(SecureString? passphrase, string? keyFilePath) =>
        keyFilePath is not null
            ? ConfigArchiveKey.FromKeyFile(keyFilePath)
            : SecureStrings.Use(passphrase ?? throw new ArgumentNullException(nameof(passphrase)), characters => ConfigArchiveKey.FromPassphrase(characters));
}
