using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Docker.DotNet;

namespace FrostGuard.Engine.Platform.Docker;

/// <summary>
/// An attached stream on its own blocking Unix socket to the Engine: the request is upgraded to a
/// raw stream (as the docker CLI does) and the multiplexed frames are read with blocking receives.
/// </summary>
/// <remarks>
/// Why not Docker.DotNet's stream: reading it costs about 10 s of CPU per GB on this 2-core
/// machine (every small receive completes through the thread pool, whose workers spin while they
/// wait), which made a backup CPU-bound; blocking receives on a socket that never goes async cost
/// 0.7 s per GB (docs/backups.md, "The exec stream"). Requests are still created, inspected and ended
/// through Docker.DotNet; only the byte stream of a started process comes through here.
/// </remarks>
internal sealed class UnixSocketAttachedStream : IAttachedStream
{
    private const int BufferSize = 1024 * 1024;
    private const int HeaderSize = 8;
    private const int MaxResponseHead = 64 * 1024;

    private readonly Socket _socket;
    private int _inputClosed;
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _start;
    private int _end;
    private int _frameRemaining;
    private AttachedTarget _frameTarget;
    private bool _ended;

    private UnixSocketAttachedStream(Socket socket) => _socket = socket;

    /// <summary>
    /// Sends <c>POST <paramref name="requestPath"/></c> with <paramref name="jsonBody"/> to the
    /// Engine at <paramref name="socketPath"/>, asking for the connection to be upgraded to the
    /// process's stream. A refusal throws <see cref="DockerApiException"/> with the Engine's answer.
    /// </summary>
    public static UnixSocketAttachedStream Open(string socketPath, string requestPath, string jsonBody)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
            var body = Encoding.UTF8.GetBytes(jsonBody);
            var head = Encoding.ASCII.GetBytes(
                $"POST {requestPath} HTTP/1.1\r\nHost: docker\r\nUser-Agent: FrostGuard\r\nContent-Type: application/json\r\n" +
                $"Content-Length: {body.Length.ToString(CultureInfo.InvariantCulture)}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n");
            socket.Send(head);
            socket.Send(body);
            var stream = new UnixSocketAttachedStream(socket);
            stream.ReadResponseHead();
            return stream;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public ValueTask<AttachedChunk> ReadAsync(CancellationToken cancellationToken)
    {
        // Blocking by design (see remarks): callers run the read loop on a thread of its own.
        while (_frameRemaining == 0)
        {
            if (!ReadFrameHeader())
            {
                return ValueTask.FromResult(AttachedChunk.End);
            }
        }

        if (_end == _start && Receive() == 0)
        {
            throw new IOException($"The Engine's stream ended inside a frame ({_frameRemaining} bytes missing).");
        }

        var count = Math.Min(_frameRemaining, _end - _start);
        var chunk = new AttachedChunk(_frameTarget, _buffer.AsMemory(_start, count));
        _start += count;
        _frameRemaining -= count;
        return ValueTask.FromResult(chunk);
    }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken)
    {
        var span = input.Span;
        while (!span.IsEmpty)
        {
            var sent = _socket.Send(span);
            span = span[sent..];
        }

        return ValueTask.CompletedTask;
    }

    public void CloseInput()
    {
        if (Interlocked.Exchange(ref _inputClosed, 1) == 0)
        {
            _socket.Shutdown(SocketShutdown.Send);
        }
    }

    public void AbortInput()
    {
        Interlocked.Exchange(ref _inputClosed, 1);
        // Shutting both directions down wakes a send blocked on a full socket buffer (it fails
        // with EPIPE); the output has ended, so nothing more is read either.
        _socket.Shutdown(SocketShutdown.Both);
    }

    public void Dispose() => _socket.Dispose();

    /// <summary>Reads the next frame's header; false at the end of the stream.</summary>
    private bool ReadFrameHeader()
    {
        while (_end - _start < HeaderSize)
        {
            if (_ended || Receive() == 0)
            {
                if (_end == _start)
                {
                    return false;
                }

                throw new IOException($"The Engine's stream ended inside a frame header ({_end - _start} of {HeaderSize} bytes).");
            }
        }

        var header = _buffer.AsSpan(_start, HeaderSize);
        _frameTarget = header[0] == 2 ? AttachedTarget.StandardError : AttachedTarget.StandardOutput;
        _frameRemaining = (header[4] << 24) | (header[5] << 16) | (header[6] << 8) | header[7];
        _start += HeaderSize;
        return true;
    }

    /// <summary>Receives into the free end of the buffer, moving what is unread to its start first when the end is short.</summary>
    private int Receive()
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (BufferSize - _end < BufferSize / 4)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        var received = _socket.Receive(_buffer, _end, BufferSize - _end, SocketFlags.None);
        if (received == 0)
        {
            _ended = true;
        }

        _end += received;
        return received;
    }

    private void ReadResponseHead()
    {
        int headEnd;
        while ((headEnd = _buffer.AsSpan(0, _end).IndexOf("\r\n\r\n"u8)) < 0)
        {
            if (_end >= MaxResponseHead || Receive() == 0)
            {
                throw new IOException("The Engine closed the connection or sent no HTTP response head to the attach request.");
            }
        }

        var head = Encoding.ASCII.GetString(_buffer, 0, headEnd);
        _start = headEnd + 4;
        var statusLine = head.Split("\r\n", 2)[0];
        var parts = statusLine.Split(' ', 3);
        if (parts.Length < 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status))
        {
            throw new IOException($"The Engine answered the attach request with an unreadable status line: {statusLine}");
        }

        if (status is 101 or 200)
        {
            return;
        }

        throw new DockerApiException((HttpStatusCode)status, ReadErrorBody(head));
    }

    private string ReadErrorBody(string head)
    {
        var lengthLine = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        var length = lengthLine is null ? MaxResponseHead : Math.Min(MaxResponseHead, int.Parse(lengthLine["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture));
        while (_end - _start < length && !_ended && Receive() > 0)
        {
        }

        return Encoding.UTF8.GetString(_buffer, _start, Math.Min(length, _end - _start));
    }
}
