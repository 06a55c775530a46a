
namespace FrostGuard.Engine.Platform.Os;

/// <summary>
/// Replaces a file so a reader sees the old or the new content, never half: a temporary file in
/// the same folder with the final mode (whatever the umask), written and fsynced, renamed over the target, the folder
/// synced. The owner of an existing file is kept (the sandbox's .env belongs to the app's uid).
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, string content, UnixFileMode mode, string? ownerReference = null)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.frostguard-{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = mode;
            }

            using (var stream = new FileStream(temporary, options))
            using (var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false)))
            {
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(stream.SafeFileHandle, mode); // the umask narrowed the mode asked of open(2)
                }

                writer.Write(content);
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }

            if (ownerReference is not null && File.Exists(ownerReference))
            {
                CopyOwner(ownerReference, temporary);
            }

            File.Move(temporary, path, overwrite: true);
            if (!OperatingSystem.IsWindows())
            {
                Posix.SyncDirectory(folder);
            }
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>.NET cannot read a file's owner: chown --reference does, with an argument list.</summary>
    private static void CopyOwner(string reference, string target)
    {
        var result = ProcessRunner.RunToolAsync("chown", ["--reference=" + reference, "--", target], Path.GetDirectoryName(target)!,
            TimeSpan.FromSeconds(10), null, CancellationToken.None).GetAwaiter().GetResult();
        if (!result.Succeeded)
        {
            throw new IOException($"chown --reference={reference} {target} failed: {result.Tail()}");
        }
    }
}
