using System.Management.Automation;
using FrostGuard.Engine;
using FrostGuard.Engine.Reporting;

namespace FrostGuard.Hosting;

/// <summary>
/// What every FrostGuard cmdlet shares: -ConfigPath, one engine session per invocation, async
/// engine work awaited on the pipeline thread with its messages written there, Ctrl+C as
/// cancellation, and engine failures as error records.
/// </summary>
public abstract class FrostCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private IDisposable? _session;

    /// <summary>The configuration file; otherwise $env:FROSTGUARD_CONFIG, ./frostguard.json, /etc/frostguard/frostguard.json.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ConfigPath { get; set; }

    protected CancellationToken Cancellation => _stopping.Token;

    protected override void StopProcessing() => _stopping.Cancel();

    /// <summary>The engine session, opened on first use; a configuration problem ends the command.</summary>
    private protected FrostSession Session
    {
        get
        {
            if (_session is FrostSession open)
            {
                return open;
            }

            try
            {
                var session = FrostSession.Open(ConfigPath, SessionState.Path.CurrentFileSystemLocation.ProviderPath, Environment.GetEnvironmentVariable);
                _session = session;
                return session;
            }
            catch (FrostException e)
            {
                ThrowTerminatingError(FrostErrors.ToRecord(e));
                throw; // not reached: ThrowTerminatingError always throws
            }
        }
    }

    /// <summary>Runs engine work off the pipeline thread and writes its messages here until it ends.</summary>
    private protected T Await<T>(Func<IFrostReporter, CancellationToken, Task<T>> work) =>
        AwaitStreaming<object, T>((reporter, _, ct) => work(reporter, ct), _ => { });

    /// <summary>
    /// Like <see cref="Await{T}"/>, for engine work that yields items as it goes (log lines,
    /// command output, results as each is done): <paramref name="write"/> runs on the pipeline
    /// thread, in order, while the work goes on.
    /// </summary>
    private protected T AwaitStreaming<TItem, T>(Func<IFrostReporter, Action<TItem>, CancellationToken, Task<T>> work, Action<TItem> write)
    {
        using var reporter = new QueuedReporter();
        void Yield(TItem item) => reporter.Post(_ => write(item));
        var task = Task.Run(() => work(reporter, Yield, Cancellation));
        try
        {
            var handles = new[] { ((IAsyncResult)task).AsyncWaitHandle, reporter.Signal };
            while (!task.IsCompleted)
            {
                WaitHandle.WaitAny(handles);
                reporter.Drain(this);
            }

            reporter.Drain(this);
        }
        finally
        {
            reporter.CompleteAll(this);
        }

        try
        {
            return task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>A failure of one item: written, and the command goes on with the next.</summary>
    private protected void WriteFrostError(FrostException e) => WriteError(FrostErrors.ToRecord(e));

    /// <summary>A failure that makes the rest of the command pointless.</summary>
    private protected void ThrowFrostError(FrostException e) => ThrowTerminatingError(FrostErrors.ToRecord(e));

    /// <summary>PowerShell disposes a command when its pipeline ends, however it ended.</summary>
    public void Dispose()
    {
        _session?.Dispose();
        _session = null;
        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }
}
