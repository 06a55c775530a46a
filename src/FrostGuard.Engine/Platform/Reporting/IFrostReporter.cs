namespace FrostGuard.Engine.Platform.Reporting;

/// <summary>
/// How the engine tells its caller what it is doing. Implementations must be thread-safe: the
/// engine may report from any thread, and the cmdlet writes on the pipeline thread.
/// </summary>
public interface IFrostReporter
{
    void Verbose(string message);
    void Warning(string message);
    void Progress(ProgressUpdate update);
}
