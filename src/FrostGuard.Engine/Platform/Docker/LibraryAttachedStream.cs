using Docker.DotNet;

namespace FrostGuard.Engine.Platform.Docker;

/// <summary>An attached stream read through Docker.DotNet, for endpoints other than a local Unix socket.</summary>
internal sealed class LibraryAttachedStream : IAttachedStream
{
    private const int BufferSize = 256 * 1024;

    private readonly MultiplexedStream _stream;
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _inputClosed;

    public LibraryAttachedStream(MultiplexedStream stream) => _stream = stream;

    public async ValueTask<AttachedChunk> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await _stream.ReadOutputAsync(_buffer, 0, _buffer.Length, cancellationToken).ConfigureAwait(false);
            if (read.EOF)
            {
                return AttachedChunk.End;
            }

            if (read.Count > 0)
            {
                var target = read.Target == MultiplexedStream.TargetStream.StandardError ? AttachedTarget.StandardError : AttachedTarget.StandardOutput;
                return new AttachedChunk(target, _buffer.AsMemory(0, read.Count));
            }
        }
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken)
    {
        // MultiplexedStream writes arrays only; most inputs are arrays already.
        var segment = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(input, out var array) ? array : new ArraySegment<byte>(input.ToArray());
        await _stream.WriteAsync(segment.Array!, segment.Offset, segment.Count, cancellationToken).ConfigureAwait(false);
    }

    public void CloseInput()
    {
        if (Interlocked.Exchange(ref _inputClosed, 1) == 0)
        {
            _stream.CloseWrite();
        }
    }

    /// <summary>The library has no way to fail one direction only: the whole stream goes, and its output has ended anyway.</summary>
    public void AbortInput()
    {
        Interlocked.Exchange(ref _inputClosed, 1);
        _stream.Dispose();
    }

    public void Dispose() => _stream.Dispose();
}
