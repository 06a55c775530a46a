using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using FrostGuard.Bench.LoadClient;

// The zero-downtime benchmark's load client: see LoadClient.csproj and docs/benchmarks.md.
Options options;
Target target;
try
{
    options = Options.Parse(args);
    target = new Target(options);
}
catch (Exception e) when (e is ArgumentException or IOException or System.Security.Cryptography.CryptographicException)
{
    Console.Error.WriteLine($"LoadClient: {e.Message}");
    Console.Error.WriteLine(Options.Usage);
    return 2;
}

var clock = Stopwatch.StartNew();
var startUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
using var stop = new CancellationTokenSource();
string? stopReason = null;
void Stop(string reason)
{
    Interlocked.CompareExchange(ref stopReason, reason, null);
    try
    {
        stop.Cancel();
    }
    catch (ObjectDisposedException)
    {
        // already over
    }
}

stop.Token.Register(() => Interlocked.CompareExchange(ref stopReason, "max seconds", null));
stop.CancelAfter(TimeSpan.FromSeconds(options.MaxSeconds));
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; Stop("SIGTERM"); });
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; Stop("SIGINT"); });
if (options.StopFile is { } stopFile)
{
    _ = Task.Run(async () =>
    {
        while (!stop.IsCancellationRequested)
        {
            if (File.Exists(stopFile))
            {
                Stop("stop file");
                return;
            }

            await Task.Delay(50);
        }
    });
}

if (options.StopOnStdinEof)
{
    var stdinReader = new Thread(() =>
    {
        using var stdin = Console.OpenStandardInput();
        var buffer = new byte[256];
        try
        {
            while (stdin.Read(buffer, 0, buffer.Length) > 0)
            {
                // anything written is ignored; only the end counts
            }
        }
        catch (IOException)
        {
            // a broken pipe is an end too
        }

        Stop("stdin closed");
    }) { IsBackground = true, Name = "stdin" };
    stdinReader.Start();
}

var runners = options.Modes.Select(m => new ModeRunner(m, options, target, clock)).ToList();
var running = runners.Select(r => r.RunAsync(stop.Token)).ToList();
var all = Task.WhenAll(running);
if (options.StatusFile is { } statusFile)
{
    while (!all.IsCompleted)
    {
        WriteStatus(statusFile, false);
        await Task.WhenAny(all, Task.Delay(200));
    }
}

await all;
if (runners.All(r => r.StopReason == "max requests"))
{
    Interlocked.CompareExchange(ref stopReason, "max requests", null);
}

var totalMs = clock.Elapsed.TotalMilliseconds;
var results = runners.Select(r =>
{
    var records = r.Records();
    return (Runner: r, Records: records, Summary: ModeSummary.Of(records, r.Reconnects(), r.LateSlots, r.FinishedMs ?? totalMs));
}).ToList();
var total = results.Sum(r => r.Records.Count);
var listAll = total <= options.ListLimit;

var outTemp = options.OutFile + ".tmp";
await using (var file = File.Create(outTemp))
await using (var json = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true }))
{
    json.WriteStartObject();
    json.WriteString("tool", "FrostGuard bench/LoadClient");
    json.WriteString("url", $"https://{options.Host}:{options.Port}{options.Path} (connecting to {target.EndPoint})");
    json.WriteNumber("startUnixMs", startUnixMs);
    json.WriteNumber("durationMs", ModeSummary.Round(totalMs));
    json.WriteString("stopReason", stopReason ?? "stopped");
    json.WriteStartObject("settings");
    json.WriteNumber("ratePerMode", options.Rate);
    json.WriteNumber("timeoutMs", options.TimeoutMs);
    json.WriteNumber("maxSeconds", options.MaxSeconds);
    json.WriteNumber("maxRequestsPerMode", options.MaxRequests);
    json.WriteEndObject();
    json.WriteStartObject("modes");
    foreach (var (runner, _, summary) in results)
    {
        json.WritePropertyName(Options.Name(runner.Mode));
        summary.Write(json);
    }

    json.WriteEndObject();
    json.WriteString("requestsListed", listAll ? "all" : "failures");
    json.WriteStartArray("requests");
    foreach (var record in results.SelectMany(r => r.Records).OrderBy(r => r.StartMs))
    {
        if (!listAll && record.Ok)
        {
            continue;
        }

        json.WriteStartObject();
        json.WriteNumber("t", ModeSummary.Round(record.StartMs));
        json.WriteString("mode", Options.Name(record.Mode));
        json.WriteNumber("status", record.Status);
        json.WriteNumber("ms", ModeSummary.Round(record.LatencyMs));
        json.WriteBoolean("ok", record.Ok);
        json.WriteBoolean("newConnection", record.NewConnection);
        if (record.ErrorKind is not null)
        {
            json.WriteString("error", $"{record.ErrorKind}: {record.Error}");
        }

        if (record.Slot is not null)
        {
            json.WriteString("slot", record.Slot);
        }

        json.WriteEndObject();
    }

    json.WriteEndArray();
    json.WriteEndObject();
}

File.Move(outTemp, options.OutFile, overwrite: true);
if (options.StatusFile is { } finalStatus)
{
    WriteStatus(finalStatus, true);
}

foreach (var (runner, _, summary) in results)
{
    Console.WriteLine(summary.OneLine(Options.Name(runner.Mode)));
}

Console.WriteLine($"stopped: {stopReason ?? "stopped"} after {totalMs / 1000:F1} s; result {options.OutFile}");
return 0;

// Progress for a harness that waits for the first successes: counts so far, rewritten in place.
void WriteStatus(string path, bool done)
{
    var temp = path + ".tmp";
    using (var file = File.Create(temp))
    using (var json = new Utf8JsonWriter(file))
    {
        json.WriteStartObject();
        json.WriteNumber("elapsedMs", ModeSummary.Round(clock.Elapsed.TotalMilliseconds));
        json.WriteNumber("startUnixMs", startUnixMs);
        json.WriteBoolean("done", done);
        json.WriteStartObject("modes");
        foreach (var runner in runners)
        {
            var (sent, ok, failed, firstOk, lastOk) = runner.Progress();
            json.WriteStartObject(Options.Name(runner.Mode));
            json.WriteNumber("sent", sent);
            json.WriteNumber("ok", ok);
            json.WriteNumber("failed", failed);
            ModeSummary.WriteOptional(json, "firstOkMs", firstOk);
            ModeSummary.WriteOptional(json, "lastOkMs", lastOk);
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    File.Move(temp, path, overwrite: true);
}
