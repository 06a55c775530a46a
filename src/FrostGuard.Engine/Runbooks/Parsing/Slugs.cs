using System.Text;

namespace FrostGuard.Engine.Runbooks.Parsing;

/// <summary>GitHub-style heading slugs: lower case, spaces to '-', punctuation dropped.</summary>
public static class Slugs
{
    public static string From(string text)
    {
        var slug = new StringBuilder(text.Length);
        foreach (var c in text.Trim().ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c) || c is '-' or '_')
            {
                slug.Append(c);
            }
            else if (char.IsWhiteSpace(c))
            {
                slug.Append('-');
            }
        }

        return slug.Length == 0 ? "section" : slug.ToString();
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
