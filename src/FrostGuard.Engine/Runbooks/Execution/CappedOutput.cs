using System.Text;
using FrostGuard.Runbooks;

namespace FrostGuard.Engine.Runbooks.Execution;

/// <summary>
/// Collects one step's output: every line masked first, forwarded live, kept up to a cap (the
/// rest is counted and noted, never held in memory).
/// </summary>
internal sealed class CappedOutput : IStepOutput
{
    private readonly StringBuilder _text = new();
    private readonly object _gate = new();
    private readonly int _cap;
    private readonly SecretMasker _masker;
    private readonly RunbookStep _step;
    private readonly IRunInteraction _interaction;
    private long _droppedCharacters;

    public CappedOutput(int cap, SecretMasker masker, RunbookStep step, IRunInteraction interaction)
    {
        _cap = cap;
        _masker = masker;
        _step = step;
        _interaction = interaction;
    }

    public void Line(OutputStream stream, string text)
    {
        var masked = _masker.Apply(text);
        lock (_gate)
        {
            if (_text.Length + masked.Length + 1 <= _cap)
            {
                _text.Append(masked).Append('\n');
            }
            else
            {
                _droppedCharacters += masked.Length + 1;
            }
        }

        _interaction.Output(_step, stream, masked);
    }

    /// <summary>A line from FrostGuard itself (a retry, a timeout), kept with the output.</summary>
    public void Note(string text) => Line(OutputStream.Error, "[frostguard] " + text);

    public override string ToString()
    {
        lock (_gate)
        {
            return _droppedCharacters == 0
                ? _text.ToString()
                : _text + $"[frostguard] output cut at {_cap} characters; {_droppedCharacters} more were not kept\n";
        }
    }
}
