using System.Net;
using System.Net.Sockets;
using System.Text;
using Docker.DotNet;
using FrostGuard.Engine.Platform.Docker;

namespace FrostGuard.Engine.Tests.Platform.Docker;

/// <summary>
/// The attach protocol as the Engine speaks it (HTTP upgrade, then 8-byte frame headers), played
/// by a scripted server on a Unix socket; the live Engine is exercised by the backup Pester tests.
/// </summary>
public sealed class UnixSocketAttachedStreamTests : IDisposable
{
    private const string Upgraded = "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n";

    private readonly TempFolder _folder = new();
    private readonly string _socketPath;
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);

    public UnixSocketAttachedStreamTests()
    {
        _socketPath = Path.Combine(_folder.Path, "engine.sock");
        _listener.Bind(new UnixDomainSocketEndPoint(_socketPath));
        _listener.Listen(1);
    }

    public void Dispose()
    {
        _listener.Dispose();
        _folder.Dispose();
    }

    private static byte[] Frame(byte stream, string payload)
    {
        var data = Encoding.UTF8.GetBytes(payload);
        var frame = new byte[8 + data.Length];
        frame[0] = stream;
        frame[4] = (byte)(data.Length >> 24);
        frame[5] = (byte)(data.Length >> 16);
        frame[6] = (byte)(data.Length >> 8);
        frame[7] = (byte)data.Length;
        data.CopyTo(frame, 8);
        return frame;
    }

    /// <summary>Accepts one connection, reads the request head, then sends <paramref name="pieces"/> one send each and closes.</summary>
    private Task<string> Serve(params byte[][] pieces) => Task.Run(() =>
    {
        using var connection = _listener.Accept();
        var request = ReadRequest(connection);
        foreach (var piece in pieces)
        {
            connection.Send(piece);
        }

        connection.Shutdown(SocketShutdown.Send);
        return request;
    });

    /// <summary>Reads the request's head and its body (unread bytes at close would reset the client's side).</summary>
    private static string ReadRequest(Socket connection)
    {
        var request = new StringBuilder();
        var one = new byte[1];
        while (!request.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && connection.Receive(one) == 1)
        {
            request.Append((char)one[0]);
        }

        var length = int.Parse(request.ToString().Split("\r\n").Single(l => l.StartsWith("Content-Length:", StringComparison.Ordinal))["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < length && connection.Receive(one) == 1; i++)
        {
            request.Append((char)one[0]);
        }

        return request.ToString();
    }

    private static async Task<List<(AttachedTarget Target, string Text)>> ReadAll(IAttachedStream stream)
    {
        var chunks = new List<(AttachedTarget, string)>();
        while (true)
        {
            var chunk = await stream.ReadAsync(CancellationToken.None);
            if (chunk.IsEnd)
            {
                return chunks;
            }

            chunks.Add((chunk.Target, Encoding.UTF8.GetString(chunk.Data.Span)));
        }
    }

    [Fact]
    public async Task Frames_split_anywhere_across_receives_come_out_whole_and_by_stream()
    {
        var all = Encoding.ASCII.GetBytes(Upgraded).Concat(Frame(1, "dump bytes")).Concat(Frame(2, "a warning")).Concat(Frame(1, "more")).ToArray();
        // The head, then pieces cut inside the first frame's header, inside its payload, and inside the next header.
        var cuts = new[] { Upgraded.Length + 3, Upgraded.Length + 12, Upgraded.Length + 8 + 10 + 5 };
        var pieces = new List<byte[]>();
        var at = 0;
        foreach (var cut in cuts)
        {
            pieces.Add(all[at..cut]);
            at = cut;
        }

        pieces.Add(all[at..]);
        var server = Serve([.. pieces]);

        using var stream = UnixSocketAttachedStream.Open(_socketPath, "/v1.41/exec/abc/start", """{"Detach":false,"Tty":false}""");
        var chunks = await ReadAll(stream);
        var request = await server;

        Assert.StartsWith("POST /v1.41/exec/abc/start HTTP/1.1\r\n", request, StringComparison.Ordinal);
        Assert.Contains("Upgrade: tcp\r\n", request, StringComparison.Ordinal);
        Assert.EndsWith("""{"Detach":false,"Tty":false}""", request, StringComparison.Ordinal);
        Assert.Equal("dump bytes", string.Concat(chunks.TakeWhile(c => c.Target == AttachedTarget.StandardOutput).Select(c => c.Text)));
        Assert.Equal("a warning", string.Concat(chunks.Where(c => c.Target == AttachedTarget.StandardError).Select(c => c.Text)));
        Assert.Equal("more", chunks[^1].Text);
    }

    [Fact]
    public async Task A_refusal_is_a_DockerApiException_with_the_Engines_message()
    {
        const string body = "{\"message\":\"No such exec instance: abc\"}";
        var server = Serve(Encoding.ASCII.GetBytes($"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n{body}"));

        var refusal = Assert.Throws<DockerApiException>(() => UnixSocketAttachedStream.Open(_socketPath, "/v1.41/exec/abc/start", "{}"));
        await server;

        Assert.Equal(HttpStatusCode.NotFound, refusal.StatusCode);
        Assert.Contains("No such exec instance", refusal.ResponseBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stream_cut_inside_a_frame_is_an_error_not_a_short_end()
    {
        var frame = Frame(1, "0123456789");
        var server = Serve(Encoding.ASCII.GetBytes(Upgraded), frame[..12]);

        using var stream = UnixSocketAttachedStream.Open(_socketPath, "/x", "{}");
        var first = await stream.ReadAsync(CancellationToken.None);
        Assert.Equal("0123", Encoding.UTF8.GetString(first.Data.Span));
        await Assert.ThrowsAsync<IOException>(async () => await stream.ReadAsync(CancellationToken.None));
        await server;
    }

    [Fact]
    public async Task Input_reaches_the_process_and_closing_it_sends_end_of_file()
    {
        var server = Task.Run(() =>
        {
            using var connection = _listener.Accept();
            ReadRequest(connection);
            connection.Send(Encoding.ASCII.GetBytes(Upgraded));
            var input = new List<byte>();
            var buffer = new byte[64];
            int read;
            while ((read = connection.Receive(buffer)) > 0)
            {
                input.AddRange(buffer[..read]);
            }

            connection.Send(Frame(1, "read: " + Encoding.UTF8.GetString(input.ToArray())));
            connection.Shutdown(SocketShutdown.Send);
        });

        using var stream = UnixSocketAttachedStream.Open(_socketPath, "/x", "{}");
        await stream.WriteAsync("secret\n"u8.ToArray(), CancellationToken.None);
        stream.CloseInput();
        var chunks = await ReadAll(stream);
        await server;

        Assert.Equal("read: secret\n", string.Concat(chunks.Select(c => c.Text)));
    }

    [Fact]
    public async Task A_process_that_ends_without_reading_all_its_input_ends_the_pump_at_once_with_an_input_failure()
    {
        // As pg_restore --list does: it reads the table of contents, answers and exits, and the
        // Engine stops reading the rest of the input but keeps the connection open.
        var release = new TaskCompletionSource();
        var server = Task.Run(async () =>
        {
            using var connection = _listener.Accept();
            ReadRequest(connection);
            connection.Send(Encoding.ASCII.GetBytes(Upgraded));
            connection.Receive(new byte[64]);
            connection.Send(Frame(1, "toc"));
            connection.Shutdown(SocketShutdown.Send);
            await release.Task;
        });

        using var stream = UnixSocketAttachedStream.Open(_socketPath, "/x", "{}");
        var output = new StringBuilder();
        var pump = AttachedStreamPump.RunAsync(stream,
            async (input, ct) =>
            {
                var block = new byte[1 << 20];
                for (var i = 0; i < 64; i++)
                {
                    await input.WriteAsync(block, ct);
                }
            },
            (chunk, _) => { output.Append(Encoding.UTF8.GetString(chunk.Span)); return ValueTask.CompletedTask; },
            () => Task.CompletedTask, CancellationToken.None);

        var finished = await Task.WhenAny(pump, Task.Delay(TimeSpan.FromSeconds(10)));
        release.SetResult();
        await server;

        Assert.Same(pump, finished);
        Assert.Equal("toc", output.ToString());
        Assert.NotNull((await pump).InputFailure);
    }
}
