using System.Globalization;

namespace FrostGuard.Bench.LoadClient;

/// <summary>The two ways the client talks to the proxy; both run at once, each at the full rate.</summary>
public enum Mode
{
    /// <summary>One persistent HTTP/1.1 connection, one request after another.</summary>
    KeepAlive,

    /// <summary>A new TCP and TLS connection for every request, sent with Connection: close.</summary>
    New,
}

/// <summary>The command line. Every run is bounded: by a duration and by a request count, both capped.</summary>
public sealed record Options
{
    public const string Usage = """
        usage: LoadClient --port N --ca FILE --out FILE [options]
          --port N            the proxy's TLS port on 127.0.0.1 (required)
          --ca FILE           PEM file of the CA (or self-signed certificate) the server's certificate must chain to (required)
          --out FILE          where the JSON result goes (required)
          --host NAME         TLS server name and Host header (default localhost)
          --path PATH         the request path (default /health)
          --rate N            requests per second in each mode (default 50, 1..1000)
          --modes LIST        keepalive,new (default both)
          --max-seconds N     stop after N seconds (default 60, at most 600)
          --max-requests N    stop a mode after N requests (default 20000, at most 1000000)
          --timeout-ms N      a request not answered in full within N ms fails (default 5000)
          --stop-file FILE    stop as soon as FILE exists
          --stop-on-stdin-eof stop when standard input is closed
          --status-file FILE  progress as JSON, rewritten every 200 ms (for a harness)
          --list-limit N      list every request when there are at most N, else the failures only (default 100000)
        """;

    public required int Port { get; init; }
    public required string CaFile { get; init; }
    public required string OutFile { get; init; }
    public string Host { get; init; } = "localhost";
    public string Path { get; init; } = "/health";
    public int Rate { get; init; } = 50;
    public IReadOnlyList<Mode> Modes { get; init; } = [Mode.KeepAlive, Mode.New];
    public int MaxSeconds { get; init; } = 60;
    public int MaxRequests { get; init; } = 20000;
    public int TimeoutMs { get; init; } = 5000;
    public string? StopFile { get; init; }
    public bool StopOnStdinEof { get; init; }
    public string? StatusFile { get; init; }
    public int ListLimit { get; init; } = 100000;

    /// <summary>Parses the arguments; throws <see cref="ArgumentException"/> with a message for the user.</summary>
    public static Options Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name == "--stop-on-stdin-eof")
            {
                flags.Add(name);
                continue;
            }

            if (!name.StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
            {
                throw new ArgumentException($"unexpected argument '{name}'");
            }

            values[name] = args[++i];
        }

        string Required(string name) => values.Remove(name, out var v) ? v : throw new ArgumentException($"{name} is required");
        string? Optional(string name) => values.Remove(name, out var v) ? v : null;
        int Number(string name, int fallback, int min, int max)
        {
            var text = Optional(name);
            if (text is null)
            {
                return fallback;
            }

            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
            {
                throw new ArgumentException($"{name} must be a whole number from {min} to {max}, not '{text}'");
            }

            return n;
        }

        var path = Optional("--path") ?? "/health";
        if (!path.StartsWith('/') || path.Any(c => c <= ' ' || c >= 127))
        {
            throw new ArgumentException($"--path must start with / and hold printable ASCII only, not '{path}'");
        }

        var host = Optional("--host") ?? "localhost";
        if (host.Length == 0 || host.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '-')))
        {
            throw new ArgumentException($"--host must be a DNS name, not '{host}'");
        }

        var modes = (Optional("--modes") ?? "keepalive,new").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(m => m switch
            {
                "keepalive" => Mode.KeepAlive,
                "new" => Mode.New,
                _ => throw new ArgumentException($"--modes takes keepalive and new, not '{m}'"),
            })
            .Distinct()
            .ToList();
        if (modes.Count == 0)
        {
            throw new ArgumentException("--modes names no mode");
        }

        var options = new Options
        {
            Port = Number("--port", 0, 1, 65535) is var port and > 0 ? port : throw new ArgumentException("--port is required"),
            CaFile = Required("--ca"),
            OutFile = Required("--out"),
            Host = host,
            Path = path,
            Rate = Number("--rate", 50, 1, 1000),
            Modes = modes,
            MaxSeconds = Number("--max-seconds", 60, 1, 600),
            MaxRequests = Number("--max-requests", 20000, 1, 1_000_000),
            TimeoutMs = Number("--timeout-ms", 5000, 100, 60000),
            StopFile = Optional("--stop-file"),
            StopOnStdinEof = flags.Contains("--stop-on-stdin-eof"),
            StatusFile = Optional("--status-file"),
            ListLimit = Number("--list-limit", 100000, 0, 10_000_000),
        };
        if (values.Count > 0)
        {
            throw new ArgumentException($"unknown option {values.Keys.First()}");
        }

        return options;
    }

    public static string Name(Mode mode) => mode == Mode.KeepAlive ? "keepalive" : "new";
}
