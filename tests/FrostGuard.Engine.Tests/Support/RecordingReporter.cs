using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Tests;

/// <summary>Keeps the warnings and verbose lines an engine feature reports.</summary>
internal sealed class RecordingReporter : IFrostReporter
{
    public List<string> Warnings { get; } = [];
    public List<string> VerboseLines { get; } = [];
    public void Verbose(string message) => VerboseLines.Add(message);
    public void Warning(string message) => Warnings.Add(message);
    public void Progress(ProgressUpdate update) { }
}
