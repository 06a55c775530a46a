using System.Diagnostics;
using FrostGuard.Engine.Platform.Os;

namespace FrostGuard.Engine.Tests.Platform.Os;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LockAcrossForkTests
{
    [Fact]
    public async Task A_lock_this_process_released_is_free_again_while_other_threads_start_processes()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "log");
        using var stop = new CancellationTokenSource();
        // Children forked while the file is open share its lock until they exec.
        var started = 0;
        var starter = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var child = Process.Start(new ProcessStartInfo("/bin/true") { UseShellExecute = false })!;
                Interlocked.Increment(ref started);
                await child.WaitForExitAsync();
            }
        });
        var opened = 0;
        try
        {
            // Until 200 children were started while files were opened and closed here (bounded: 20 s).
            var clock = Stopwatch.StartNew();
            while (Volatile.Read(ref started) < 200 && clock.Elapsed < TimeSpan.FromSeconds(20))
            {
                using var stream = PrivateFiles.Open(path, FileMode.Append);
                stream.Write("x\n"u8);
                opened++;
            }
        }
        finally
        {
            await stop.CancelAsync();
            await starter;
        }

        Assert.True(Volatile.Read(ref started) >= 200, "the children did not start");
        Assert.Equal(2L * opened, new FileInfo(path).Length);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_lock_another_thread_of_this_process_holds_fails_at_once_and_is_not_waited_for(bool heldThroughPrivateFiles)
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "lock");
        // .NET's own FileStream takes an exclusive flock for FileShare.None too (a test holding a FrostGuard lock does that).
        var held = heldThroughPrivateFiles
            ? PrivateFiles.Open(path, FileMode.OpenOrCreate)
            : new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        // Released two seconds from now: waiting for it (as for a fork's leftover) would then succeed.
        var release = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            await held.DisposeAsync();
        });

        var e = Assert.Throws<IOException>(() => PrivateFiles.Open(path, FileMode.OpenOrCreate));
        Assert.Contains("locked by another process", e.Message);
        await release;
    }
}
