using System.Runtime;

namespace FrostGuard.Engine.Runbooks.Parsing;

/// <summary>
/// Blocking instead of background full collections while one runbook is parsed. A parse builds a
/// Markdig tree that survives every collection it triggers (large files also allocate their text on
/// the large-object heap, which triggers full ones); background collections of that tree cost
/// measurably more than blocking ones on a 2-core server (bench/runbooks.ps1: 13–15 MB/s folder parse
/// under pwsh's default mode, 16–20 with this). Only the default (Interactive) mode is changed,
/// and it is put back when the parse ends.
/// </summary>
internal readonly struct BatchCollectionScope : IDisposable
{
    private readonly bool _changed;

    private BatchCollectionScope(bool changed) => _changed = changed;

    public static BatchCollectionScope Enter()
    {
        if (GCSettings.LatencyMode != GCLatencyMode.Interactive)
        {
            return new BatchCollectionScope(false);
        }

        GCSettings.LatencyMode = GCLatencyMode.Batch;
        return new BatchCollectionScope(true);
    }

    public void Dispose()
    {
        // Another parse on another thread may have put it back already; anything else someone set stays.
        if (_changed && GCSettings.LatencyMode == GCLatencyMode.Batch)
        {
            GCSettings.LatencyMode = GCLatencyMode.Interactive;
        }
    }
}
