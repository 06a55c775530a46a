namespace FrostGuard.Engine.Platform.Reporting;

public sealed class NullReporter : IFrostReporter
{
    public static readonly NullReporter Instance = new();
    public void Verbose(string message) { }
    public void Warning(string message) { }
    public void Progress(ProgressUpdate update) { }
}
