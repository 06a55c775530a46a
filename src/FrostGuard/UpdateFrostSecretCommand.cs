using System.Management.Automation;
using System.Net;
using System.Security;
using FrostGuard.Engine;
using FrostGuard.Engine.Secrets;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// Rotates a managed secret (the database password): a CSPRNG value unless -NewValue is given,
/// set in PostgreSQL as a SCRAM-SHA-256 verifier, the .env replaced atomically with a dated copy
/// kept, the services that read it restarted and verified; any failure is rolled back.
/// </summary>
[Cmdlet(VerbsData.Update, "FrostSecret", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(FrostSecretRotation))]
public sealed class UpdateFrostSecretCommand : FrostCmdlet
{
    private protected override IReadOnlyCollection<string> FinishesInterrupted => [Engine.Platform.Durability.OperationRecord.Rotation];

    /// <summary>The secret to rotate.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateSet(SecretRotator.DatabasePassword)]
    public string Name { get; set; } = "";

    /// <summary>The new value; omitted, a strong one is generated.</summary>
    [Parameter]
    [ValidateNotNull]
    public SecureString? NewValue { get; set; }

    /// <summary>How long each restarted service may take to become healthy.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int TimeoutSeconds { get; set; } = 120;

    protected override void EndProcessing()
    {
        var session = Session;
        var rotator = new SecretRotator(session);
        if (!ShouldProcess($"{Name}: {rotator.Describe()}", "Rotate (new value, restart the services that read the .env)"))
        {
            return;
        }

        // The plain value lives only as long as the rotation needs it (connection string, .env).
        var given = NewValue is null ? null : new NetworkCredential("", NewValue).Password;
        try
        {
            var request = new SecretRotationRequest(Name, given, TimeSpan.FromSeconds(TimeoutSeconds));
            WriteObject(Await((reporter, ct) => rotator.RotateAsync(request, reporter, ct)));
        }
        catch (FrostException e)
        {
            ThrowFrostError(e);
        }
    }
}
