using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Authentication;

namespace FrostGuard.Bench.LoadClient;

/// <summary>One request as it happened. Times are milliseconds since the client started.</summary>
public readonly record struct RequestRecord(Mode Mode, double StartMs, double LatencyMs, int Status, string? ErrorKind, string? Error, string? Slot, bool NewConnection)
{
    /// <summary>A full response with a 2xx status; anything else (another status, a reset, a timeout, ...) failed.</summary>
    public bool Ok => ErrorKind is null && Status is >= 200 and < 300;

    public double EndMs => StartMs + LatencyMs;
}

/// <summary>
/// Sends one mode's requests at a fixed rate and records every one. A request is sent once:
/// a failure after its first byte went out is recorded as failed and never retried.
/// </summary>
public sealed class ModeRunner(Mode mode, Options options, Target target, Stopwatch clock)
{
    /// <summary>How late a slot may be and still be sent.</summary>
    private const double MaxLagMs = 250;

    private readonly object _gate = new();
    private readonly List<RequestRecord> _records = [];
    private readonly Dictionary<string, int> _reconnects = new(StringComparer.Ordinal);
    private int _sent;
    private int _ok;
    private int _failed;
    private double? _firstOkMs;
    private double? _lastOkMs;

    public Mode Mode { get; } = mode;

    /// <summary>Schedule slots given up: over 250 ms late (the kept-alive connection was busy that long), or, new mode, too many requests in flight.</summary>
    public int LateSlots { get; private set; }

    /// <summary>When this mode sent its last request (ms since start).</summary>
    public double? FinishedMs { get; private set; }

    /// <summary>Why this mode stopped sending.</summary>
    public string? StopReason { get; private set; }

    public (int Sent, int Ok, int Failed, double? FirstOkMs, double? LastOkMs) Progress()
    {
        lock (_gate)
        {
            return (_sent, _ok, _failed, _firstOkMs, _lastOkMs);
        }
    }

    public IReadOnlyList<RequestRecord> Records()
    {
        lock (_gate)
        {
            return [.. _records];
        }
    }

    public IReadOnlyDictionary<string, int> Reconnects()
    {
        lock (_gate)
        {
            return new Dictionary<string, int>(_reconnects);
        }
    }

    public async Task RunAsync(CancellationToken stop)
    {
        try
        {
            await (Mode == Mode.KeepAlive ? RunKeepAliveAsync(stop) : RunNewConnectionsAsync(stop));
        }
        finally
        {
            FinishedMs ??= Now;
        }
    }

    private double Now => clock.Elapsed.TotalMilliseconds;

    private double Interval => 1000.0 / options.Rate;

    /// <summary>
    /// One connection, one request after another. A connection the server closed while idle is
    /// replaced before the request is written (a reconnect: nothing was sent on the dead one);
    /// a connection that failed a request is dropped after recording the failure.
    /// </summary>
    private async Task RunKeepAliveAsync(CancellationToken stop)
    {
        TlsConnection? connection = null;
        string? dropped = null; // why the previous connection went away; null before the first
        var due = Now;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                if (Volatile.Read(ref _sent) >= options.MaxRequests)
                {
                    StopReason = "max requests";
                    break;
                }

                if (!await WaitUntilAsync(due, stop))
                {
                    break;
                }

                var start = Now;
                Interlocked.Increment(ref _sent);
                var opened = false;
                using var timeout = new CancellationTokenSource(options.TimeoutMs);
                try
                {
                    if (connection is not null && connection.ClosedWhileIdle())
                    {
                        connection.Dispose();
                        connection = null;
                        dropped = "closedWhileIdle";
                    }

                    if (connection is null)
                    {
                        if (dropped is not null)
                        {
                            CountReconnect(dropped);
                        }

                        opened = true;
                        connection = await TlsConnection.OpenAsync(target, timeout.Token);
                    }

                    var current = connection;
                    Response response;
                    using (timeout.Token.Register(current.Dispose))
                    {
                        response = await current.ExchangeAsync(target.KeepAliveRequest, timeout.Token);
                    }

                    Record(new RequestRecord(Mode, start, Now - start, response.Status, null, null, response.Slot, opened));
                    if (!response.Reusable)
                    {
                        connection.Dispose();
                        connection = null;
                        dropped = "serverClose";
                    }
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    var (kind, message) = Classify(e, timeout.IsCancellationRequested);
                    Record(new RequestRecord(Mode, start, Now - start, 0, kind, message, null, opened));
                    connection?.Dispose();
                    connection = null;
                    dropped = "afterFailure";
                }

                due = NextDue(due);
            }
        }
        finally
        {
            connection?.Dispose();
        }

        StopReason ??= "stopped";
    }

    /// <summary>A new connection per request, Connection: close, at the rate whatever the answers take.</summary>
    private async Task RunNewConnectionsAsync(CancellationToken stop)
    {
        var inFlight = new List<Task>();
        var running = 0;
        var limit = (options.Rate * options.TimeoutMs / 1000) + 16;
        var due = Now;
        while (!stop.IsCancellationRequested)
        {
            if (Volatile.Read(ref _sent) >= options.MaxRequests)
            {
                StopReason = "max requests";
                break;
            }

            if (!await WaitUntilAsync(due, stop))
            {
                break;
            }

            if (Volatile.Read(ref running) >= limit)
            {
                LateSlots++;
            }
            else
            {
                Interlocked.Increment(ref _sent);
                Interlocked.Increment(ref running);
                inFlight.Add(SendOnNewConnectionAsync(() => Interlocked.Decrement(ref running)));
            }

            due = NextDue(due);
        }

        FinishedMs = Now;
        StopReason ??= "stopped";
        await Task.WhenAll(inFlight);
    }

    private async Task SendOnNewConnectionAsync(Action done)
    {
        await Task.Yield();
        var start = Now;
        using var timeout = new CancellationTokenSource(options.TimeoutMs);
        TlsConnection? connection = null;
        try
        {
            connection = await TlsConnection.OpenAsync(target, timeout.Token);
            Response response;
            using (timeout.Token.Register(connection.Dispose))
            {
                response = await connection.ExchangeAsync(target.CloseRequest, timeout.Token);
            }

            Record(new RequestRecord(Mode, start, Now - start, response.Status, null, null, response.Slot, true));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var (kind, message) = Classify(e, timeout.IsCancellationRequested);
            Record(new RequestRecord(Mode, start, Now - start, 0, kind, message, null, true));
        }
        finally
        {
            connection?.Dispose();
            done();
        }
    }

    /// <summary>
    /// The next slot of the schedule. A slot a little late (a slow response on the one kept-alive
    /// connection, a busy machine) is sent at once, so the rate holds on average; a slot more than
    /// <see cref="MaxLagMs"/> late is given up (counted), so a long stall never ends in a burst.
    /// </summary>
    private double NextDue(double due)
    {
        var next = due + Interval;
        var now = Now;
        while (now - next > MaxLagMs)
        {
            next += Interval;
            LateSlots++;
        }

        return next;
    }

    private async Task<bool> WaitUntilAsync(double due, CancellationToken stop)
    {
        var wait = due - Now;
        if (wait >= 1)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(wait), stop);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        return !stop.IsCancellationRequested;
    }

    private void Record(RequestRecord record)
    {
        lock (_gate)
        {
            _records.Add(record);
            if (record.Ok)
            {
                _ok++;
                _firstOkMs ??= record.EndMs;
                _lastOkMs = Math.Max(_lastOkMs ?? 0, record.EndMs);
            }
            else
            {
                _failed++;
            }
        }
    }

    private void CountReconnect(string reason)
    {
        lock (_gate)
        {
            _reconnects[reason] = _reconnects.GetValueOrDefault(reason) + 1;
        }
    }

    /// <summary>A short kind to count failures by, and the detail.</summary>
    public static (string Kind, string Message) Classify(Exception e, bool timedOut)
    {
        if (timedOut)
        {
            return ("timeout", $"no full response within the time limit ({e.GetType().Name})");
        }

        return e switch
        {
            ExchangeException x => (x.Kind, x.Message),
            AuthenticationException x => ("tls", Flatten(x)),
            SocketException x => (SocketKind(x), x.Message),
            IOException { InnerException: SocketException x } => (SocketKind(x), x.Message),
            IOException x when x.Message.Contains("EOF", StringComparison.OrdinalIgnoreCase) || x.Message.Contains("0 bytes", StringComparison.Ordinal) => ("eof", x.Message),
            _ => (e.GetType().Name, Flatten(e)),
        };
    }

    private static string SocketKind(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "refused",
        SocketError.ConnectionReset => "reset",
        SocketError.ConnectionAborted => "aborted",
        SocketError.TimedOut => "timeout",
        _ => "socket " + e.SocketErrorCode,
    };

    private static string Flatten(Exception e) => e.InnerException is null ? e.Message : $"{e.Message} ({Flatten(e.InnerException)})";
}
