using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace FrostGuard.Bench.LoadClient;

/// <summary>Where the requests go and how the server's certificate is checked.</summary>
public sealed class Target
{
    public Target(Options options)
    {
        EndPoint = new IPEndPoint(IPAddress.Loopback, options.Port);
        var trusted = new X509Certificate2Collection();
        trusted.ImportFromPemFile(options.CaFile);
        if (trusted.Count == 0)
        {
            throw new ArgumentException($"{options.CaFile} holds no certificate");
        }

        // The server's certificate must chain to a certificate of the file (and nothing else)
        // and name the host; SslStream rejects it otherwise. Validation is never skipped.
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.AddRange(trusted);
        Tls = new SslClientAuthenticationOptions
        {
            TargetHost = options.Host,
            CertificateChainPolicy = policy,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        var authority = $"{options.Host}:{options.Port}";
        KeepAliveRequest = Encoding.ASCII.GetBytes($"GET {options.Path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: FrostGuard-LoadClient\r\nAccept: */*\r\n\r\n");
        CloseRequest = Encoding.ASCII.GetBytes($"GET {options.Path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: FrostGuard-LoadClient\r\nAccept: */*\r\nConnection: close\r\n\r\n");
    }

    public IPEndPoint EndPoint { get; }
    public SslClientAuthenticationOptions Tls { get; }
    public byte[] KeepAliveRequest { get; }
    public byte[] CloseRequest { get; }
}

/// <summary>What came back: the final status, the slot header and whether the connection may carry another request.</summary>
public readonly record struct Response(int Status, string? Slot, bool Reusable);

/// <summary>A failure with a short kind (reset, eof, timeout, ...) for counting, and the detail.</summary>
public sealed class ExchangeException(string kind, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Kind { get; } = kind;
}

/// <summary>
/// One TCP connection with TLS, speaking HTTP/1.1 by hand: a request is written once and its
/// response read in full (status line, headers, a Content-Length, chunked or read-to-close
/// body). Nothing here ever resends.
/// </summary>
public sealed class TlsConnection : IDisposable
{
    private const int MaxLine = 16 * 1024;
    private readonly Socket _socket;
    private readonly SslStream _ssl;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private TlsConnection(Socket socket, SslStream ssl)
    {
        _socket = socket;
        _ssl = ssl;
    }

    public static async Task<TlsConnection> OpenAsync(Target target, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(target.EndPoint, ct);
            var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
            await ssl.AuthenticateAsClientAsync(target.Tls, ct);
            return new TlsConnection(socket, ssl);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Whether an idle connection was closed by the server. Idle, an HTTP/1.1 server sends
    /// nothing, so a readable socket means its end is closing: 0 bytes available is the FIN
    /// (or a reset), bytes available are the TLS close_notify alert nginx sends before it.
    /// Bytes left over in our buffer after a full response mean the same: the stream is off.
    /// </summary>
    public bool ClosedWhileIdle()
    {
        if (_start < _end)
        {
            return true;
        }

        try
        {
            return _socket.Poll(0, SelectMode.SelectRead);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return true;
        }
    }

    /// <summary>Writes the request once and reads its whole response.</summary>
    public async Task<Response> ExchangeAsync(byte[] request, CancellationToken ct)
    {
        await _ssl.WriteAsync(request, ct);
        await _ssl.FlushAsync(ct);
        while (true)
        {
            var statusLine = await ReadLineAsync(ct);
            var parts = statusLine.Split(' ', 3);
            if (parts.Length < 2 || !parts[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || parts[1].Length != 3
                || !int.TryParse(parts[1], out var status))
            {
                throw new ExchangeException("protocol", $"not an HTTP/1.x status line: '{Shorten(statusLine)}'");
            }

            string? slot = null;
            long? length = null;
            var chunked = false;
            var close = parts[0] == "HTTP/1.0";
            while (true)
            {
                var line = await ReadLineAsync(ct);
                if (line.Length == 0)
                {
                    break;
                }

                var colon = line.IndexOf(':');
                if (colon <= 0)
                {
                    throw new ExchangeException("protocol", $"malformed header line '{Shorten(line)}'");
                }

                var name = line[..colon].Trim();
                var value = line[(colon + 1)..].Trim();
                if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    length = long.TryParse(value, out var n) && n >= 0 ? n : throw new ExchangeException("protocol", $"bad Content-Length '{Shorten(value)}'");
                }
                else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                {
                    chunked = value.Split(',').Select(v => v.Trim()).Contains("chunked", StringComparer.OrdinalIgnoreCase);
                }
                else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
                {
                    var tokens = value.Split(',').Select(v => v.Trim()).ToList();
                    if (tokens.Contains("close", StringComparer.OrdinalIgnoreCase))
                    {
                        close = true;
                    }
                    else if (tokens.Contains("keep-alive", StringComparer.OrdinalIgnoreCase))
                    {
                        close = false;
                    }
                }
                else if (name.Equals("X-FrostGuard-Slot", StringComparison.OrdinalIgnoreCase) && value.Length > 0)
                {
                    slot = value;
                }
            }

            if (status is >= 100 and < 200 && status != 101)
            {
                continue; // an interim response (100 Continue): the final one follows
            }

            if (status is 204 or 304)
            {
                return new Response(status, slot, !close);
            }

            if (chunked)
            {
                await SkipChunkedBodyAsync(ct);
            }
            else if (length is { } count)
            {
                await SkipAsync(count, ct);
            }
            else
            {
                await SkipToEndAsync(ct);
                close = true;
            }

            return new Response(status, slot, !close);
        }
    }

    public void Dispose()
    {
        _ssl.Dispose();
        _socket.Dispose();
    }

    private async Task SkipChunkedBodyAsync(CancellationToken ct)
    {
        while (true)
        {
            var sizeLine = await ReadLineAsync(ct);
            var semicolon = sizeLine.IndexOf(';');
            var hex = (semicolon >= 0 ? sizeLine[..semicolon] : sizeLine).Trim();
            if (!long.TryParse(hex, System.Globalization.NumberStyles.AllowHexSpecifier, null, out var size) || size < 0)
            {
                throw new ExchangeException("protocol", $"bad chunk size '{Shorten(sizeLine)}'");
            }

            if (size == 0)
            {
                while ((await ReadLineAsync(ct)).Length > 0)
                {
                    // trailer fields: read and dropped
                }

                return;
            }

            await SkipAsync(size, ct);
            if ((await ReadLineAsync(ct)).Length != 0)
            {
                throw new ExchangeException("protocol", "a chunk does not end with CRLF");
            }
        }
    }

    private async Task SkipAsync(long count, CancellationToken ct)
    {
        while (count > 0)
        {
            if (_start == _end)
            {
                await FillAsync(ct);
            }

            var take = (int)Math.Min(count, _end - _start);
            _start += take;
            count -= take;
        }
    }

    private async Task SkipToEndAsync(CancellationToken ct)
    {
        _start = _end = 0;
        while (await _ssl.ReadAsync(_buffer, ct) > 0)
        {
            // the body ends where the server closes the connection
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken ct)
    {
        while (true)
        {
            var span = _buffer.AsSpan(_start, _end - _start);
            var lf = span.IndexOf((byte)'\n');
            if (lf >= 0)
            {
                var line = span[..lf];
                if (line.Length > 0 && line[^1] == '\r')
                {
                    line = line[..^1];
                }

                var text = Encoding.Latin1.GetString(line);
                _start += lf + 1;
                return text;
            }

            if (_end - _start >= MaxLine)
            {
                throw new ExchangeException("protocol", $"a line longer than {MaxLine} bytes");
            }

            await FillAsync(ct);
        }
    }

    private async Task FillAsync(CancellationToken ct)
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_end == _buffer.Length)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        var read = await _ssl.ReadAsync(_buffer.AsMemory(_end), ct);
        if (read == 0)
        {
            throw new ExchangeException("eof", "the server closed the connection before a full response");
        }

        _end += read;
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
