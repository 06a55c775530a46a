namespace FrostGuard.Engine.Runbooks;

/// <summary>Short descriptions of a step's code, for names and dry-run messages.</summary>
internal static class CodeText
{
    /// <summary>The first non-blank line (optionally not a comment), cut to <paramref name="max"/> characters.</summary>
    public static string? FirstLine(string code, int max, bool skipComments)
    {
        var first = code.Split('\n')
            .Select(l => l.Trim())
            .FirstOrDefault(l => l.Length > 0 && !(skipComments && l.StartsWith('#')));
        return first is null ? null : first.Length <= max ? first : first[..(max - 3)] + "...";
    }
}
