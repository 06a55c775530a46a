namespace FrostGuard.Engine.Platform.Docker;

/// <summary>Which of the process's output streams a chunk came from.</summary>
public enum AttachedTarget
{
    StandardOutput,
    StandardError,
}

/// <summary>One piece of output; <see cref="Data"/> is valid only until the next read.</summary>
public readonly record struct AttachedChunk(AttachedTarget Target, ReadOnlyMemory<byte> Data)
{
    public static AttachedChunk End => default;

    public bool IsEnd => Data.IsEmpty;
}

/// <summary>
/// The connection to a process started or attached through the Engine API with TTY off: its
/// stdin going in, its demultiplexed stdout and stderr coming out.
/// </summary>
public interface IAttachedStream : IDisposable
{
    /// <summary>The next chunk of output, or <see cref="AttachedChunk.End"/> when the process's output has ended.</summary>
    ValueTask<AttachedChunk> ReadAsync(CancellationToken cancellationToken);

    ValueTask WriteAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken);

    /// <summary>Ends the process's stdin (it reads end-of-file). Does nothing once the input is closed or aborted.</summary>
    void CloseInput();

    /// <summary>
    /// Gives up on the input once the process has ended: a write still in progress fails at once
    /// instead of waiting for the Engine to drop the connection.
    /// </summary>
    void AbortInput();
}
