using System.Security.Cryptography;
using System.Text;

namespace FrostGuard.Engine.Fleet;

/// <summary>
/// Which FrostGuard a module folder is: its version and a hash of every file it ships, e.g.
/// "0.1.0+3f2a9c0d1e4b". Two builds of the same version differ, so a host is never taken for
/// up to date while it runs other code than the controller; the identity also names the folder a
/// host keeps that build in, so installing never overwrites a DLL a running pwsh has loaded.
/// </summary>
public static class ModuleIdentity
{
    /// <summary>What a module folder ships: the manifest and these folders.</summary>
    public static readonly IReadOnlyList<string> ShippedFolders = ["bin", "module", "en-US"];
    public const string Manifest = "FrostGuard.psd1";

    public static string Of(string moduleFolder, string version)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in Files(moduleFolder))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(moduleFolder, file).Replace('\\', '/') + "\0"));
            using var stream = File.OpenRead(file);
            var buffer = new byte[81920];
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }

            hash.AppendData("\0"u8);
        }

        return $"{version}+{Convert.ToHexString(hash.GetHashAndReset())[..12].ToLowerInvariant()}";
    }

    /// <summary>The files a module folder ships, in a stable order (the manifest first).</summary>
    public static IReadOnlyList<string> Files(string moduleFolder)
    {
        var files = new List<string> { Path.Combine(moduleFolder, Manifest) };
        foreach (var folder in ShippedFolders.Select(f => Path.Combine(moduleFolder, f)).Where(Directory.Exists))
        {
            files.AddRange(Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
        }

        return files;
    }

    /// <summary>True when <paramref name="identity"/> can name a folder: version, '+', hex.</summary>
    public static bool IsWellFormed(string? identity) =>
        identity is { Length: > 0 and < 64 } && System.Text.RegularExpressions.Regex.IsMatch(identity, @"^[0-9]+(\.[0-9]+){1,3}\+[0-9a-f]{12}$");
}
