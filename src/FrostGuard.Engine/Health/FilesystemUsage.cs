namespace FrostGuard.Engine.Health;

/// <summary>The filesystem a path lives on and how full it is, counted as `df` counts it.</summary>
public sealed record FilesystemUsage(string MountPoint, long UsedBytes, long AvailableBytes)
{
    /// <summary>used / (used + available): the root-reserved blocks count as neither, as in df's Use%.</summary>
    public double UsedPercent => UsedBytes + AvailableBytes == 0 ? 0 : UsedBytes * 100.0 / (UsedBytes + AvailableBytes);

    public static FilesystemUsage Of(string path)
    {
        var full = Path.GetFullPath(path);
        var drive = DriveInfo.GetDrives()
            .Where(d => IsUnder(full, d.Name))
            .OrderByDescending(d => d.Name.Length)
            .First();
        return new FilesystemUsage(drive.Name, drive.TotalSize - drive.TotalFreeSpace, drive.AvailableFreeSpace);
    }

    private static bool IsUnder(string path, string mountPoint) =>
        mountPoint == "/" || path == mountPoint || path.StartsWith(mountPoint.TrimEnd('/') + "/", StringComparison.Ordinal);
}
