using System.Globalization;
using System.Text;

namespace FrostGuard.Engine.Services;

/// <summary>
/// Turns the demultiplexed chunks of a Docker log or exec stream into lines. Chunks do not
/// respect line ends, and stdout and stderr interleave, so each stream keeps its own partial
/// line; the rest is written out at the end of the stream.
/// </summary>
public sealed class LogLineSplitter
{
    private readonly Dictionary<string, MemoryStream> _partial = new(StringComparer.Ordinal);
    private readonly bool _timestamps;

    /// <param name="timestamps">Lines start with Docker's RFC 3339 timestamp and a space.</param>
    public LogLineSplitter(bool timestamps) => _timestamps = timestamps;

    public IEnumerable<LogLine> Add(string stream, ReadOnlySpan<byte> chunk)
    {
        var lines = new List<LogLine>();
        if (!_partial.TryGetValue(stream, out var buffer))
        {
            buffer = _partial[stream] = new MemoryStream();
        }

        while (!chunk.IsEmpty)
        {
            var end = chunk.IndexOf((byte)'\n');
            if (end < 0)
            {
                buffer.Write(chunk);
                break;
            }

            buffer.Write(chunk[..end]);
            lines.Add(ToLine(stream, buffer));
            chunk = chunk[(end + 1)..];
        }

        return lines;
    }

    /// <summary>The unterminated last line of each stream.</summary>
    public IEnumerable<LogLine> Flush()
    {
        var lines = _partial.Where(p => p.Value.Length > 0).Select(p => ToLine(p.Key, p.Value)).ToList();
        _partial.Clear();
        return lines;
    }

    private LogLine ToLine(string stream, MemoryStream buffer)
    {
        var text = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length).TrimEnd('\r');
        buffer.SetLength(0);
        if (_timestamps && TrySplitTimestamp(text, out var timestamp, out var message))
        {
            return new LogLine(stream, timestamp, message);
        }

        return new LogLine(stream, null, text);
    }

    /// <summary>Docker writes nanoseconds (2026-11-26T20:54:38.375432060Z); .NET parses up to 7 digits.</summary>
    internal static bool TrySplitTimestamp(string text, out DateTimeOffset timestamp, out string message)
    {
        timestamp = default;
        message = text;
        var space = text.IndexOf(' ');
        var stamp = space < 0 ? text : text[..space];
        var dot = stamp.IndexOf('.');
        if (dot > 0)
        {
            var zone = stamp.IndexOfAny(['Z', '+', '-'], dot);
            if (zone < 0)
            {
                return false;
            }

            var fraction = stamp[(dot + 1)..zone];
            stamp = stamp[..(dot + 1)] + (fraction.Length > 7 ? fraction[..7] : fraction) + stamp[zone..];
        }

        if (!DateTimeOffset.TryParse(stamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out timestamp))
        {
            return false;
        }

        message = space < 0 ? "" : text[(space + 1)..];
        return true;
    }
}

public sealed record LogLine(string Stream, DateTimeOffset? Timestamp, string Message);
