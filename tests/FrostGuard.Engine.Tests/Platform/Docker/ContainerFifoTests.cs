using System.Diagnostics;
using System.Security.Cryptography;
using FrostGuard.Engine.Platform.Docker;
using FrostGuard.Engine.Platform.Os;

namespace FrostGuard.Engine.Tests.Platform.Docker;

/// <summary>
/// The FIFO pg_dump writes into, with a real FIFO and a real writer process on this host (the
/// container side, /proc/&lt;pid&gt;/root, is exercised by every backup Pester test).
/// </summary>
public sealed class ContainerFifoTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private ContainerFifo NewFifo() =>
        ContainerFifo.Create(Path.Combine(_folder.Path, "dump.fifo"), "/tmp/dump.fifo", (Posix.EffectiveUserId, Posix.EffectiveGroupId));

    private static async Task<int> WriteWithShellAsync(string script, string fifo)
    {
        using var process = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", script, "writer", fifo]))!;
        await process.WaitForExitAsync();
        return process.ExitCode;
    }

    [Fact]
    public void FIFOs_of_processes_that_died_mid_backup_are_found_and_no_others()
    {
        // Found by the crash suite: every backup killed mid-stream left its FIFO in the database container's /tmp.
        string Fifo(string name)
        {
            var path = Path.Combine(_folder.Path, name);
            Assert.Equal(0, Posix.MakeFifo(path, Convert.ToInt32("600", 8)));
            return path;
        }

        var dead = Fifo($"frostguard-dump-{Guid.NewGuid():N}.another-boot.1.1");
        var live = Fifo($"frostguard-dump-{Guid.NewGuid():N}.{ProcessIdentity.Current.Replace('/', '.')}");
        var unnamed = Fifo($"frostguard-dump-{Guid.NewGuid():N}");
        var notAFifo = _folder.Write($"frostguard-dump-{Guid.NewGuid():N}.another-boot.1.2", "planted");
        Directory.CreateDirectory(Path.Combine(_folder.Path, $"frostguard-dump-{Guid.NewGuid():N}.another-boot.1.3"));

        Assert.Equal([dead], ContainerFifo.LeftByDeadProcesses(_folder.Path));
        Assert.True(File.Exists(live) && File.Exists(unnamed) && File.Exists(notAFifo));
    }

    [Fact]
    public async Task Hands_over_everything_the_writer_wrote_in_order_and_ends_when_it_is_done()
    {
        using var fifo = NewFifo();
        using var received = new MemoryStream();
        fifo.StartReading((chunk, _) => { received.Write(chunk.Span); return ValueTask.CompletedTask; }, () => Task.CompletedTask, CancellationToken.None);

        // 24 MB: many times the pipe's buffer, so the writer blocks and resumes as the reader goes.
        var exit = await WriteWithShellAsync("head -c 25165824 /dev/urandom | tee \"$1.copy\" > \"$1\"", fifo.HostPath);
        var failure = await fifo.FinishAsync();

        Assert.Equal(0, exit);
        Assert.Null(failure);
        Assert.Equal(25165824, fifo.BytesRead);
        Assert.Equal(SHA256.HashData(File.ReadAllBytes(fifo.HostPath + ".copy")), SHA256.HashData(received.ToArray()));
    }

    [Fact]
    public async Task Ends_with_no_data_when_the_writer_never_opened_the_fifo()
    {
        using var fifo = NewFifo();
        var chunks = 0;
        fifo.StartReading((_, _) => { chunks++; return ValueTask.CompletedTask; }, () => Task.CompletedTask, CancellationToken.None);

        // The writer fails before it opens its output, as pg_dump does with a bad option.
        var exit = await WriteWithShellAsync("exit 1", fifo.HostPath);
        var finished = fifo.FinishAsync();

        Assert.Equal(1, exit);
        Assert.Same(finished, await Task.WhenAny(finished, Task.Delay(TimeSpan.FromSeconds(10))));
        Assert.Null(await finished);
        Assert.Equal(0, chunks);
        Assert.Equal(0, fifo.BytesRead);
    }

    [Fact]
    public async Task A_failing_sink_stops_the_writer_and_the_rest_is_drained()
    {
        using var fifo = NewFifo();
        var stops = 0;
        using var writer = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "exec head -c 8388608 /dev/zero > \"$1\"", "writer", fifo.HostPath]))!;
        fifo.StartReading(
            (_, _) => throw new IOException("No space left on device"),
            () => { stops++; return Task.CompletedTask; },
            CancellationToken.None);

        await writer.WaitForExitAsync();
        var failure = await fifo.FinishAsync();

        Assert.IsType<IOException>(failure);
        Assert.Equal(1, stops);
        Assert.Equal(8388608, fifo.BytesRead);
    }

    [Fact]
    public void Removes_the_fifo_when_disposed()
    {
        var fifo = NewFifo();
        Assert.True(File.Exists(fifo.HostPath));

        fifo.Dispose();

        Assert.False(File.Exists(fifo.HostPath));
    }

    [Theory]
    [InlineData("", 0, 0)]
    [InlineData("101:104", 101, 104)]
    [InlineData("999", 999, 999)]
    [InlineData("postgres", 70, 71)]
    [InlineData("postgres:staff", 70, 50)]
    [InlineData("70:staff", 70, 50)]
    public void Resolves_the_exec_user_by_number_or_by_the_containers_own_names(string user, int uid, int gid)
    {
        _folder.Write("etc/passwd", "root:x:0:0:root:/root:/bin/sh\npostgres:x:70:71:PostgreSQL:/var/lib/postgresql:/bin/sh\n");
        _folder.Write("etc/group", "root:x:0:\nstaff:x:50:\npostgres:x:71:\n");

        Assert.Equal((uid, gid), ContainerFifo.ExecUser(user, _folder.Path));
    }

    [Fact]
    public void An_unknown_user_name_gives_no_owner()
    {
        _folder.Write("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");

        Assert.Null(ContainerFifo.ExecUser("nobody-here", _folder.Path));
    }
}
