using System.Collections.Concurrent;
using System.IO.Compression;
using System.Security.Cryptography;
using FrostGuard.Engine.Fleet;

namespace FrostGuard.Fleet;

/// <summary>The FrostGuard build this controller runs: its folder, identity and, to install it elsewhere, a zip of what it ships.</summary>
internal sealed class ControllerModule
{
    private static readonly ConcurrentDictionary<string, ControllerModule> Known = new();
    private readonly Lazy<(byte[] Zip, string Sha256, int Files, long Bytes)> _package;

    private ControllerModule(string folder, string version)
    {
        Folder = folder;
        Identity = ModuleIdentity.Of(folder, version);
        _package = new Lazy<(byte[], string, int, long)>(Pack);
    }

    public string Folder { get; }

    /// <summary>"0.1.0+3f2a9c0d1e4b": version and content hash.</summary>
    public string Identity { get; }

    public (byte[] Zip, string Sha256, int Files, long Bytes) Package => _package.Value;

    /// <summary>The build in <paramref name="folder"/> (the loaded module's base), hashed once per process and folder.</summary>
    public static ControllerModule Of(string folder, string version) =>
        Known.GetOrAdd(folder + "\0" + version, _ => new ControllerModule(folder, version));

    /// <summary>What Install-FrostModule would copy, for -WhatIf: files and bytes, without packing.</summary>
    public (int Files, long Bytes) Size()
    {
        var files = ModuleIdentity.Files(Folder);
        return (files.Count, files.Sum(f => new FileInfo(f).Length));
    }

    private (byte[], string, int, long) Pack()
    {
        var files = ModuleIdentity.Files(Folder);
        using var buffer = new MemoryStream();
        long bytes = 0;
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var file in files)
            {
                zip.CreateEntryFromFile(file, Path.GetRelativePath(Folder, file).Replace('\\', '/'), CompressionLevel.Fastest);
                bytes += new FileInfo(file).Length;
            }
        }

        var zipped = buffer.ToArray();
        return (zipped, Convert.ToHexString(SHA256.HashData(zipped)).ToLowerInvariant(), files.Count, bytes);
    }
}
