using System.Collections.Concurrent;
using System.Management.Automation;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Hosting;

/// <summary>
/// Collects what the engine reports from any thread; the cmdlet writes it out on the pipeline
/// thread, which is the only thread allowed to call Write*. Open progress bars are tracked so
/// they can always be completed.
/// </summary>
internal sealed class QueuedReporter : IFrostReporter, IDisposable
{
    private readonly ConcurrentQueue<Action<Cmdlet>> _messages = new();
    private readonly AutoResetEvent _signal = new(false);
    private readonly Dictionary<int, ProgressRecord> _openProgress = new();

    public WaitHandle Signal => _signal;

    public void Verbose(string message) => Enqueue(c => c.WriteVerbose(message));

    public void Warning(string message) => Enqueue(c => c.WriteWarning(message));

    public void Progress(ProgressUpdate update) => Enqueue(c => WriteProgress(c, update));

    /// <summary>Queues any work that must run on the pipeline thread, in order with the messages (WriteObject, ShouldContinue, streamed output).</summary>
    public void Post(Action<Cmdlet> write) => Enqueue(write);

    public void Drain(Cmdlet cmdlet)
    {
        while (_messages.TryDequeue(out var write))
        {
            write(cmdlet);
        }
    }

    /// <summary>Closes every bar the engine left open, whatever happened.</summary>
    public void CompleteAll(Cmdlet cmdlet)
    {
        foreach (var record in _openProgress.Values.ToList())
        {
            record.RecordType = ProgressRecordType.Completed;
            cmdlet.WriteProgress(record);
        }

        _openProgress.Clear();
    }

    public void Dispose() => _signal.Dispose();

    private void Enqueue(Action<Cmdlet> write)
    {
        _messages.Enqueue(write);
        _signal.Set();
    }

    private void WriteProgress(Cmdlet cmdlet, ProgressUpdate update)
    {
        var record = new ProgressRecord(update.ActivityId, update.Activity, string.IsNullOrEmpty(update.Status) ? update.Activity : update.Status)
        {
            PercentComplete = update.PercentComplete,
            ParentActivityId = update.ParentActivityId,
            RecordType = update.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        };
        if (update.Completed)
        {
            _openProgress.Remove(update.ActivityId);
        }
        else
        {
            _openProgress[update.ActivityId] = record;
        }

        cmdlet.WriteProgress(record);
    }
}
