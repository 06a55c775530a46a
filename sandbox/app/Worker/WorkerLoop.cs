using System.Net.Http.Json;

namespace FrostGuard.Sandbox.Worker;

/// <summary>
/// Posts readings to the API a few times a second, logging each, so the API always has real
/// traffic and a backup always races live writes. A heartbeat file feeds the healthcheck.
/// </summary>
public static class WorkerLoop
{
    public static async Task<int> RunAsync(string[] args)
    {
        var api = new Uri(Environment.GetEnvironmentVariable("FROSTGUARD_API_URL") ?? "http://127.0.0.1:28080");
        var heartbeat = Environment.GetEnvironmentVariable("FROSTGUARD_HEARTBEAT") ?? "/tmp/worker-heartbeat";
        var interval = TimeSpan.FromMilliseconds(int.Parse(Environment.GetEnvironmentVariable("FROSTGUARD_WORKER_INTERVAL_MS") ?? "300", System.Globalization.CultureInfo.InvariantCulture));
        using var stopping = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stopping.Cancel(); };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stopping.Cancel();
        using var http = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromSeconds(5) };

        var sensors = await LoadSensorsAsync(http, stopping.Token);
        Console.WriteLine($"worker posting readings for {sensors.Count} sensors to {api} every {interval.TotalMilliseconds} ms");
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping.Token))
            {
                await PostOneAsync(http, sensors[Random.Shared.Next(sensors.Count)], heartbeat, stopping.Token);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            Console.WriteLine("worker stopping");
        }

        return 0;
    }

    private static async Task PostOneAsync(HttpClient http, Sensor sensor, string heartbeat, CancellationToken cancellationToken)
    {
        var celsius = Math.Round(sensor.Label.StartsWith("freezer", StringComparison.Ordinal) ? -20 + Random.Shared.NextDouble() * 4 : 2 + Random.Shared.NextDouble() * 2, 2);
        try
        {
            using var response = await http.PostAsJsonAsync("/api/readings", new NewReading(sensor.Id, (decimal)celsius), SandboxJson.Default.NewReading, cancellationToken);
            Console.WriteLine($"{DateTimeOffset.UtcNow:O} posted sensor={sensor.Id} celsius={celsius} -> {(int)response.StatusCode}");
            if (response.IsSuccessStatusCode)
            {
                await File.WriteAllTextAsync(heartbeat, DateTimeOffset.UtcNow.ToString("O"), cancellationToken);
            }
        }
        catch (Exception e) when ((e is HttpRequestException or TaskCanceledException) && !cancellationToken.IsCancellationRequested)
        {
            Console.WriteLine($"{DateTimeOffset.UtcNow:O} ERROR posting reading: {e.Message}");
        }
    }

    private static async Task<List<Sensor>> LoadSensorsAsync(HttpClient http, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                var sensors = await http.GetFromJsonAsync("/api/sensors", SandboxJson.Default.ListSensor, cancellationToken);
                if (sensors is { Count: > 0 })
                {
                    return sensors;
                }

                Console.WriteLine("no sensors yet; waiting");
            }
            catch (HttpRequestException e)
            {
                Console.WriteLine($"API not reachable yet ({e.Message}); retrying");
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }
}
