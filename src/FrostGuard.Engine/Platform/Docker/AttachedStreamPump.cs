using System.Text;

namespace FrostGuard.Engine.Platform.Docker;

/// <summary>What came back from a process's stream: the end of its stderr, and why its input or output stopped early.</summary>
public sealed record PumpOutcome(string StandardError, Exception? InputFailure, Exception? SinkFailure);

/// <summary>
/// Drives one attached process to the end of its output: feeds its stdin (concurrently, so a
/// process that writes while it reads never deadlocks), hands stdout to a sink chunk by chunk,
/// keeps the end of stderr. A sink that fails stops the producer and the stream is still drained,
/// so every way out goes through the end of the process's output.
/// </summary>
public static class AttachedStreamPump
{
    private const int StderrLimit = 16 * 1024;

    /// <param name="stopProducer">Ends the process (the Engine API cannot); called when the sink fails.</param>
    public static Task<PumpOutcome> RunAsync(
        IAttachedStream stream,
        Func<IAttachedStream, CancellationToken, Task>? feedInput,
        Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> onStdout,
        Func<Task> stopProducer,
        CancellationToken cancellationToken) =>
        // A thread of its own: the socket stream blocks in its reads, and the sinks write synchronously.
        Task.Factory.StartNew(
            () => PumpAsync(stream, feedInput, onStdout, stopProducer, cancellationToken),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    private static async Task<PumpOutcome> PumpAsync(
        IAttachedStream stream,
        Func<IAttachedStream, CancellationToken, Task>? feedInput,
        Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> onStdout,
        Func<Task> stopProducer,
        CancellationToken cancellationToken)
    {
        Exception? inputFailure = null;
        var feeding = feedInput is null ? Task.CompletedTask : Task.Run(async () =>
        {
            try
            {
                await feedInput(stream, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
            {
                // The process stopped reading (it exited, or needed no more input): its exit code says which.
                inputFailure = e;
            }
            finally
            {
                stream.CloseInput();
            }
        }, CancellationToken.None);

        var stderr = new StringBuilder();
        Exception? sinkFailure = null;
        try
        {
            while (true)
            {
                var chunk = await stream.ReadAsync(CancellationToken.None).ConfigureAwait(false);
                if (chunk.IsEnd)
                {
                    break;
                }

                if (chunk.Target == AttachedTarget.StandardOutput)
                {
                    if (sinkFailure is null)
                    {
                        try
                        {
                            await onStdout(chunk.Data, cancellationToken).ConfigureAwait(false);
                        }
                        catch (Exception e)
                        {
                            // Stop the producer, then keep draining until its output ends.
                            sinkFailure = e;
                            await stopProducer().ConfigureAwait(false);
                        }
                    }
                }
                else if (stderr.Length < StderrLimit)
                {
                    stderr.Append(Encoding.UTF8.GetString(chunk.Data.Span));
                }
            }
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
        {
            // The connection broke (the container stopped): the exit code, if any, tells the rest.
            stderr.Append(" [output stream broke: ").Append(e.Message).Append(']');
        }

        if (!feeding.IsCompleted)
        {
            // The process has ended and reads no more (pg_restore --list stops after the table of
            // contents): a write still blocked would wait for the Engine to drop the connection,
            // which took 30 s and more.
            stream.AbortInput();
        }

        await feeding.ConfigureAwait(false);
        return new PumpOutcome(stderr.ToString().Trim(), inputFailure, sinkFailure);
    }
}
