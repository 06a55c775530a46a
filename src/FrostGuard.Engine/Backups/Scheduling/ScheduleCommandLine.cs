using System.Text;

namespace FrostGuard.Engine.Backups.Scheduling;

/// <summary>
/// Argument vectors written into, and read back from, a systemd ExecStart= line and a cron
/// command. Each has its own quoting: systemd splits on whitespace with C-style double quotes and
/// expands % specifiers and $ variables; cron hands the line to /bin/sh and turns % into newlines.
/// </summary>
public static class ScheduleCommandLine
{
    public static string ToSystemd(IEnumerable<string> argv) => string.Join(' ', argv.Select(QuoteSystemd));

    public static string ToCron(IEnumerable<string> argv) => string.Join(' ', argv.Select(QuoteShell)).Replace("%", "\\%", StringComparison.Ordinal);

    /// <summary>The first argument that no scheduler can carry (a line break or another control character), or null.</summary>
    public static string? FindUnwritable(IEnumerable<string> argv) => argv.FirstOrDefault(a => a.Any(char.IsControl));

    public static IReadOnlyList<string> FromSystemd(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '"')
            {
                inWord = true;
                for (i++; i < line.Length && line[i] != '"'; i++)
                {
                    if (line[i] == '\\' && i + 1 < line.Length)
                    {
                        i++;
                    }

                    word.Append(line[i]);
                }

                if (i >= line.Length)
                {
                    throw new FormatException("a double quote is never closed");
                }
            }
            else if (char.IsWhiteSpace(c))
            {
                Flush();
            }
            else
            {
                inWord = true;
                word.Append(c);
            }
        }

        Flush();
        return words.Select(w => w.Replace("%%", "%", StringComparison.Ordinal).Replace("$$", "$", StringComparison.Ordinal)).ToList();

        void Flush()
        {
            if (inWord)
            {
                words.Add(word.ToString());
            }

            word.Clear();
            inWord = false;
        }
    }

    public static IReadOnlyList<string> FromCron(string command)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        var text = command.Replace("\\%", "%", StringComparison.Ordinal);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\'')
            {
                inWord = true;
                var end = text.IndexOf('\'', i + 1);
                if (end < 0)
                {
                    throw new FormatException("a single quote is never closed");
                }

                word.Append(text, i + 1, end - i - 1);
                i = end;
            }
            else if (c == '\\' && i + 1 < text.Length)
            {
                inWord = true;
                word.Append(text[++i]);
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                }

                word.Clear();
                inWord = false;
            }
            else
            {
                inWord = true;
                word.Append(c);
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    private static bool IsPlain(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=@+,".Contains(c));

    private static string QuoteSystemd(string argument)
    {
        var escaped = argument.Replace("%", "%%", StringComparison.Ordinal).Replace("$", "$$", StringComparison.Ordinal);
        return IsPlain(argument) ? escaped : "\"" + escaped.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }

    private static string QuoteShell(string argument) =>
        IsPlain(argument) ? argument : "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
