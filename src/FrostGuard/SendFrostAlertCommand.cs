using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Health;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// Posts the non-Ok health results piped in (Test-FrostHealth | Send-FrostAlert) as one
/// Slack-compatible JSON message to each webhook (-Uri, else alerts.webhooks of the
/// configuration), with a timeout per attempt and retries. Nothing is posted when all is Ok.
/// </summary>
[Cmdlet(VerbsCommunications.Send, "FrostAlert", SupportsShouldProcess = true)]
[OutputType(typeof(FrostAlertDelivery))]
public sealed class SendFrostAlertCommand : FrostCmdlet
{
    /// <summary>Webhook URLs; alerts.webhooks of the configuration when omitted.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public Uri[]? Uri { get; set; }

    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public FrostHealthResult[] InputObject { get; set; } = [];

    /// <summary>How long one attempt may take.</summary>
    [Parameter]
    [ValidateRange(1, 300)]
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>Attempts per webhook, the first included.</summary>
    [Parameter]
    [ValidateRange(1, 10)]
    public int MaxAttempts { get; set; } = 3;

    private readonly List<FrostHealthResult> _results = [];

    protected override void ProcessRecord() => _results.AddRange(InputObject);

    protected override void EndProcessing()
    {
        var alerts = _results.Where(r => r.Status != HealthStatus.Ok).ToList();
        if (alerts.Count == 0)
        {
            WriteVerbose($"All {_results.Count} result(s) are Ok: nothing to send.");
            return;
        }

        var session = Session;
        var webhooks = Uri ?? session.Config.Alerts.Webhooks.Select(w => new Uri(w)).ToArray();
        if (webhooks.Length == 0)
        {
            ThrowTerminatingError(FrostErrors.Create(new InvalidOperationException($"No webhook to post {alerts.Count} alert(s) to: no -Uri, and no alerts.webhooks in {session.Config.SourcePath}."),
                ErrorIds.AlertWebhookMissing, ErrorCategory.InvalidArgument, session.Config.SourcePath, "Pass -Uri, or add the webhook to alerts.webhooks in the configuration."));
        }

        var json = AlertMessage.Build(alerts, session.Config.Project.Name);
        var sender = new WebhookSender();
        foreach (var webhook in webhooks)
        {
            var shown = WebhookSender.Redact(webhook);
            if (!ShouldProcess(shown, $"Post {alerts.Count} alert(s)"))
            {
                continue;
            }

            try
            {
                WriteObject(Await((reporter, ct) => sender.PostAsync(webhook, json, alerts.Count, TimeSpan.FromSeconds(TimeoutSeconds), MaxAttempts, reporter, ct)));
            }
            catch (FrostException e)
            {
                WriteFrostError(e);
            }
        }
    }
}
