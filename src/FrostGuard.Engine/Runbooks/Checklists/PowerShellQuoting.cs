namespace FrostGuard.Engine.Runbooks.Checklists;

/// <summary>
/// Text as PowerShell source. PowerShell's tokenizer takes the typographic single quotes
/// (‘ ’ ‚ ‛, U+2018–U+201B) for the ASCII one, so each of them ends a single-quoted string and
/// a here-string as surely as ' does: a checklist item "the server’s certificate" must have its
/// ’ doubled, as SMA's CodeGeneration.EscapeSingleQuotedStringContent does.
/// </summary>
internal static class PowerShellQuoting
{
    /// <summary>A single-quoted string literal holding <paramref name="text"/> exactly.</summary>
    public static string SingleQuoted(string text) => "'" + EscapeSingleQuotedContent(text) + "'";

    public static string EscapeSingleQuotedContent(string text)
    {
        var escaped = new System.Text.StringBuilder(text.Length + 2);
        foreach (var c in text)
        {
            escaped.Append(c);
            if (IsSingleQuote(c))
            {
                escaped.Append(c);
            }
        }

        return escaped.ToString();
    }

    /// <summary>Whether a line of a single-quoted here-string's content would end it ('@ or ’@ at the line's start).</summary>
    public static bool EndsSingleQuotedHereString(string line) => line.Length >= 2 && IsSingleQuote(line[0]) && line[1] == '@';

    public static bool IsSingleQuote(char c) => c is '\'' or '\u2018' or '\u2019' or '\u201A' or '\u201B';
}
