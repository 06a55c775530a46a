using System.Management.Automation;
using FrostGuard.Completion;
using FrostGuard.Engine;
using FrostGuard.Engine.Services;
using FrostGuard.Hosting;

namespace FrostGuard;

/// <summary>
/// Runs a one-off command in a service's running container: Invoke-FrostServiceCommand -Name
/// postgres -- psql -c 'select 1'. Standard output lines go down the pipeline as they come,
/// standard error lines to the host (information stream, tag stderr); the exit code is set in
/// $LASTEXITCODE and a non-zero one is an error.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "FrostServiceCommand", SupportsShouldProcess = true)]
[OutputType(typeof(string), typeof(FrostServiceCommandResult))]
public sealed class InvokeFrostServiceCommandCommand : FrostCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Service")]
    [ArgumentCompleter(typeof(ServiceNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>The program and its arguments, each passed as it is (no shell).</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromRemainingArguments = true)]
    [ValidateNotNullOrEmpty]
    public string[] ArgumentList { get; set; } = [];

    /// <summary>The user inside the container (name or uid[:gid]); the container's own user otherwise.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? User { get; set; }

    /// <summary>Write a result object (exit code, duration) after the output.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var session = Session;
        FrostService? service;
        try
        {
            var services = Await((_, ct) => session.Services.ListAsync(ct));
            service = ServiceSelection.Select(this, services, [WildcardPattern.Escape(Name)], session.Config.Project.Name).FirstOrDefault();
        }
        catch (FrostException e)
        {
            ThrowFrostError(e);
            return;
        }

        if (service is null || !ShouldProcess($"{service.Container} (service {service.Service})", $"Run {string.Join(' ', ArgumentList)}"))
        {
            return;
        }

        FrostServiceCommandResult result;
        try
        {
            var runner = new ServiceCommandRunner(session.Docker);
            result = AwaitStreaming<LogLine, FrostServiceCommandResult>(
                (_, write, ct) => runner.RunAsync(service, ArgumentList, User, write, ct), WriteLine);
        }
        catch (FrostException e)
        {
            WriteFrostError(e);
            return;
        }

        SessionState.PSVariable.Set("global:LASTEXITCODE", (int)result.ExitCode);
        if (PassThru)
        {
            WriteObject(result);
        }

        if (result.ExitCode != 0)
        {
            WriteError(FrostErrors.Create(
                new InvalidOperationException($"'{string.Join(' ', ArgumentList)}' in {service.Container} exited with code {result.ExitCode}."),
                ErrorIds.ServiceCommandFailed, ErrorCategory.InvalidResult, service.Service,
                "Read the command's output above; $LASTEXITCODE holds the exit code."));
        }
    }

    private void WriteLine(LogLine line)
    {
        if (line.Stream == "stderr")
        {
            WriteInformation(new HostInformationMessage { Message = line.Message, NoNewLine = false }, ["stderr", "PSHOST"]);
        }
        else
        {
            WriteObject(line.Message);
        }
    }
}
