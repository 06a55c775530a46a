using System.Management.Automation;
using FrostGuard.Completion;
using FrostGuard.Engine;
using FrostGuard.Engine.Health;
using FrostGuard.Engine.Platform;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// Is everything healthy? Runs the health checks concurrently, each with its own timeout, and
/// writes one result per check and target as each check finishes. -Quiet returns one bool:
/// true when no result is Warning or Critical.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "FrostHealth")]
[OutputType(typeof(FrostHealthResult), typeof(bool))]
public sealed class TestFrostHealthCommand : Fleet.FleetTargetCmdlet
{
    /// <summary>Only these checks; all when omitted.</summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(HealthCheckCompleter))]
    [ValidateHealthCheck]
    public string[]? Check { get; set; }

    /// <summary>Thresholds to judge by: FrostThreshold objects (Get-FrostThreshold) or the path of a Markdown table. Default: the manual's, else built-in.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public object[]? Threshold { get; set; }

    /// <summary>Return only true (nothing Warning or Critical) or false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    /// <summary>How long each check may take.</summary>
    [Parameter]
    [ValidateRange(1, 600)]
    public int TimeoutSeconds { get; set; } = 15;

    /// <summary>How many checks run at once; 1 runs them one by one.</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 16;

    protected override void EndProcessing()
    {
        if (OnFleet)
        {
            TestFleet();
            return;
        }

        var session = Session;
        var checks = HealthChecks.Select(Check);
        // Paths are resolved here, on the pipeline thread, against PowerShell's current location.
        var thresholdArguments = Threshold?.Select(t => t is PSObject ps ? ps.BaseObject : t)
            .Select(t => t is string path ? SessionState.Path.GetUnresolvedProviderPathFromPSPath(path) : t).ToList();
        var wanted = Check is null ? null : new HashSet<string>(Check, StringComparer.OrdinalIgnoreCase);
        var worst = HealthStatus.Ok;
        try
        {
            AwaitStreaming<FrostHealthResult, IReadOnlyList<FrostHealthResult>>((reporter, write, ct) =>
            {
                var thresholds = new ThresholdSet(ResolveThresholds(thresholdArguments, session, reporter));
                var context = new HealthContext(session, thresholds, reporter);
                return new HealthRunner(checks).RunAsync(context, TimeSpan.FromSeconds(TimeoutSeconds), ThrottleLimit, write, ct);
            }, result =>
            {
                // ApiMetrics yields ErrorRate and ResponseTime: -Check ErrorRate shows only that one.
                if (wanted is not null && !wanted.Contains(result.Check) && !wanted.Contains("ApiMetrics") && result.Check is ApiMetricsCheck.ErrorRateName or ApiMetricsCheck.ResponseTimeName)
                {
                    return;
                }

                if (result.Status is HealthStatus.Warning or HealthStatus.Critical && result.Status > worst)
                {
                    worst = result.Status;
                }

                if (!Quiet)
                {
                    WriteObject(result);
                }
            });
        }
        catch (FrostException e)
        {
            ThrowFrostError(e);
        }

        if (Quiet)
        {
            WriteObject(worst == HealthStatus.Ok);
        }
    }

    /// <summary>
    /// The checks on each targeted host, each result with its host; a host that cannot be asked is
    /// a Critical result of its own (check "Host"). -Quiet: true when no host has a Warning or Critical.
    /// </summary>
    private void TestFleet()
    {
        var parameters = ForwardedParameters();
        parameters.Remove("Quiet");
        var worst = HealthStatus.Ok;
        void Judge(FrostHealthResult result)
        {
            if (result.Status is HealthStatus.Warning or HealthStatus.Critical && result.Status > worst)
            {
                worst = result.Status;
            }

            if (!Quiet)
            {
                WriteFromHost(result);
            }
        }

        RunOnTargets(item =>
        {
            if (item is FrostHealthResult result)
            {
                Judge(result);
            }
        }, parameters, (host, e) => Judge(new FrostHealthResult
        {
            Host = host.Name,
            Check = "Host",
            Target = host.Name,
            Status = HealthStatus.Critical,
            Threshold = "answers over SSH and runs the controller's FrostGuard build",
            Message = $"{e.Message} {e.RecommendedAction}",
            Timestamp = DateTimeOffset.Now,
        }));
        if (Quiet)
        {
            WriteObject(worst == HealthStatus.Ok);
        }
    }

    private static IReadOnlyList<FrostThreshold> ResolveThresholds(List<object>? given, FrostSession session, Engine.Platform.Reporting.IFrostReporter reporter)
    {
        if (given is null)
        {
            return ThresholdSource.Resolve(null, session.Config.ManualPath, reporter);
        }

        if (given.All(t => t is FrostThreshold))
        {
            return DefaultThresholds.Merge(given.Cast<FrostThreshold>().ToList());
        }

        if (given is [string path])
        {
            return ThresholdSource.Resolve(path, null, reporter);
        }

        throw new FrostException(ErrorIds.ThresholdInvalid, FailureKind.InvalidData,
            "-Threshold takes FrostThreshold objects (from Get-FrostThreshold) or one path to a Markdown file with a thresholds table.",
            string.Join(", ", given.Select(g => g?.GetType().Name ?? "null")), "Pass -Threshold (Get-FrostThreshold -Path runbooks/monitoring.md) or -Threshold runbooks/monitoring.md.");
    }
}
