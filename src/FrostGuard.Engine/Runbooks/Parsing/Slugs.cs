namespace FrostGuard.Engine.Runbooks.Parsing;

/// <summary>GitHub-style heading slugs: lower case, spaces to '-', punctuation dropped.</summary>
public static class Slugs
{
    public static string From(string text)
    {
        // Char by char into a buffer, one string at the end: a runbook has thousands of headings.
        // char.ToLowerInvariant is string.ToLowerInvariant one code unit at a time; the two differ
        // only on surrogate pairs, which are neither letters nor digits here and are dropped.
        var source = text.AsSpan().Trim();
        var slug = source.Length <= 256 ? stackalloc char[source.Length] : new char[source.Length];
        var length = 0;
        foreach (var original in source)
        {
            var c = char.ToLowerInvariant(original);
            if (char.IsLetterOrDigit(c) || c is '-' or '_')
            {
                slug[length++] = c;
            }
            else if (char.IsWhiteSpace(c))
            {
                slug[length++] = '-';
            }
        }

        return length == 0 ? "section" : new string(slug[..length]);
    }

    /// <summary>
    /// Makes an id unique the way GitHub does: a second "setup" becomes "setup-1". The counter per
    /// base id keeps a runbook of thousands of same-named headings linear.
    /// </summary>
    public static string Unique(string id, ISet<string> taken, IDictionary<string, int> counters)
    {
        if (taken.Add(id))
        {
            return id;
        }

        var n = counters.TryGetValue(id, out var last) ? last : 0;
        string candidate;
        do
        {
            candidate = $"{id}-{++n}";
        }
        while (!taken.Add(candidate));

        counters[id] = n;
        return candidate;
    }
}
