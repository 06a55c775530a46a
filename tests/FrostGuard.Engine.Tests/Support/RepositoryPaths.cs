using System.Reflection;

namespace FrostGuard.Engine.Tests;

/// <summary>
/// Folders of this checkout, fixed when the tests are built: nothing is searched for above the
/// output folder, so a test never reads a file outside the repository.
/// </summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = typeof(RepositoryPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;

    /// <summary>Real runbooks written by others (tests/corpus/README.md says where they come from).</summary>
    public static string Corpus { get; } = Path.Combine(Root, "tests", "corpus");

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);
}
