namespace FrostGuard.Engine.Runbooks;

/// <summary>Short descriptions of a step's code, for names and dry-run messages.</summary>
internal static class CodeText
{
    /// <summary>The first non-blank line (optionally not a comment), cut to <paramref name="max"/> characters.</summary>
    public static string? FirstLine(string code, int max, bool skipComments)
    {
        // Line by line, not Split: a step's code can be long, and only its first lines are read.
        var rest = code.AsSpan();
        while (true)
        {
            var newline = rest.IndexOf('\n');
            var line = (newline < 0 ? rest : rest[..newline]).Trim();
            if (line.Length > 0 && !(skipComments && line[0] == '#'))
            {
                return line.Length <= max ? line.ToString() : string.Concat(line[..(max - 3)], "...");
            }

            if (newline < 0)
            {
                return null;
            }

            rest = rest[(newline + 1)..];
        }
    }
}
