using System.Diagnostics;
using Npgsql;

namespace FrostGuard.Sandbox.Backend;

/// <summary>The FrostGuard API: readings, health, metrics, access log and the chaos switch.</summary>
public static class BackendHost
{
    private static readonly string[] UntouchedByChaos = ["/health", "/metrics", "/admin/chaos"];

    public static async Task<int> RunAsync(string[] args)
    {
        var settings = BackendSettings.FromEnvironment();
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.WebHost.UseUrls(settings.Urls);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(NpgsqlDataSource.Create(settings.ConnectionString));
        builder.Services.AddSingleton<RequestMetrics>();
        builder.Services.AddSingleton<ChaosSwitch>();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, SandboxJson.Default));
        var app = builder.Build();

        var dataSource = app.Services.GetRequiredService<NpgsqlDataSource>();
        await MigrateWhenReachableAsync(dataSource, settings.Variant, app.Lifetime.ApplicationStopping);
        Console.WriteLine($"backend {settings.Variant} listening on {settings.Urls}");

        app.Use(async (context, next) =>
        {
            var clock = Stopwatch.StartNew();
            var path = context.Request.Path.Value ?? "/";
            var chaos = context.RequestServices.GetRequiredService<ChaosSwitch>();
            if (!UntouchedByChaos.Contains(path))
            {
                if (chaos.Settings.LatencyMs > 0)
                {
                    await Task.Delay(chaos.Settings.LatencyMs, context.RequestAborted);
                }

                if (chaos.ShouldFail())
                {
                    context.Response.StatusCode = 500;
                    await context.Response.WriteAsync("chaos: injected failure\n");
                }
            }

            if (!context.Response.HasStarted)
            {
                await next(context);
            }

            clock.Stop();
            if (path != "/metrics")
            {
                context.RequestServices.GetRequiredService<RequestMetrics>().Observe(context.Response.StatusCode, clock.Elapsed);
            }

            Console.WriteLine($"{DateTimeOffset.UtcNow:O} {context.Connection.RemoteIpAddress} \"{context.Request.Method} {path}\" {context.Response.StatusCode} {clock.Elapsed.TotalMilliseconds:F1}ms");
        });

        app.MapGet("/health", async (NpgsqlDataSource db, CancellationToken ct) =>
        {
            if (settings.Variant == "broken")
            {
                return Results.Json(new HealthAnswer("failing", settings.Variant, "this build fails its health check"), SandboxJson.Default.HealthAnswer, statusCode: 503);
            }

            try
            {
                await using var command = db.CreateCommand("SELECT 1");
                await command.ExecuteScalarAsync(ct);
                return Results.Json(new HealthAnswer("ok", settings.Variant, null), SandboxJson.Default.HealthAnswer);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
            {
                return Results.Json(new HealthAnswer("database unreachable", settings.Variant, e.Message), SandboxJson.Default.HealthAnswer, statusCode: 503);
            }
        });
        app.MapGet("/metrics", (RequestMetrics metrics) => Results.Text(metrics.Render(), "text/plain; version=0.0.4"));
        app.MapGet("/admin/chaos", (ChaosSwitch chaos) => chaos.Settings);
        app.MapPut("/admin/chaos", (ChaosSettings requested, ChaosSwitch chaos) =>
        {
            try
            {
                chaos.Settings = requested;
                return Results.Ok(chaos.Settings);
            }
            catch (ArgumentOutOfRangeException e)
            {
                return Results.BadRequest(e.Message);
            }
        });
        ReadingsApi.Map(app);
        await app.RunAsync();
        return 0;
    }

    /// <summary>The database may still be starting: wait for it instead of failing the container.</summary>
    private static async Task MigrateWhenReachableAsync(NpgsqlDataSource dataSource, string variant, CancellationToken stopping)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            try
            {
                await Schema.MigrateAsync(dataSource, variant, stopping);
                return;
            }
            catch (NpgsqlException e) when (e is not PostgresException && DateTime.UtcNow < deadline)
            {
                Console.WriteLine($"database not reachable yet ({e.Message}); retrying");
                await Task.Delay(TimeSpan.FromSeconds(1), stopping);
            }
        }
    }
}
