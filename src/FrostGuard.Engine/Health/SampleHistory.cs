namespace FrostGuard.Engine.Health;

/// <summary>
/// Samples of earlier health runs kept in the state folder, so a "sustained" line can be judged
/// across runs: it holds when there is at least one earlier sample within the window and every
/// sample in the window (the current one included) crosses the line.
/// </summary>
public sealed class SampleHistory
{
    private static readonly TimeSpan KeepFor = TimeSpan.FromHours(1);

    private readonly StateFile<List<Sample>> _file;
    private readonly List<Sample> _samples;

    public SampleHistory(string stateFolder, string name, TimeProvider clock)
    {
        _file = new StateFile<List<Sample>>(stateFolder, name);
        var now = clock.GetUtcNow();
        _samples = (_file.Read() ?? []).Where(s => now - s.Time < KeepFor).ToList();
    }

    public bool Held(string target, FrostThreshold line, DateTimeOffset now)
    {
        var window = line.Sustained ?? TimeSpan.Zero;
        var earlier = _samples.Where(s => s.Target == target && now - s.Time <= window && s.Time < now).ToList();
        return earlier.Count > 0 && earlier.All(s => line.IsCrossedBy(s.Value));
    }

    public void Record(IEnumerable<(string Target, double Value)> current, DateTimeOffset now)
    {
        _samples.AddRange(current.Select(c => new Sample(c.Target, now, c.Value)));
        _file.Write(_samples);
    }

    public sealed record Sample(string Target, DateTimeOffset Time, double Value);
}
