using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Tests;

/// <summary>Keeps the warnings, verbose lines and progress an engine feature reports; safe to report to from several threads (the health runner does).</summary>
internal sealed class RecordingReporter : IFrostReporter
{
    public List<string> Warnings { get; } = [];
    public List<string> VerboseLines { get; } = [];
    public List<ProgressUpdate> ProgressUpdates { get; } = [];

    public void Verbose(string message)
    {
        lock (VerboseLines)
        {
            VerboseLines.Add(message);
        }
    }

    public void Warning(string message)
    {
        lock (Warnings)
        {
            Warnings.Add(message);
        }
    }

    public void Progress(ProgressUpdate update)
    {
        lock (ProgressUpdates)
        {
            ProgressUpdates.Add(update);
        }
    }
}
