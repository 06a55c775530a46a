namespace FrostGuard.Engine.Tests;

/// <summary>
/// What ships speaks of the product: an operator of a real deployment has no build.sh, so no
/// message, comment or help text of the module may send them to it.
/// </summary>
public sealed class ProductTextTests
{
    [Fact]
    public void NothingThatShipsMentionsTheRepositorysBuildScript()
    {
        var shipped = new[] { "src", "module" }
            .SelectMany(folder => Directory.EnumerateFiles(RepositoryPaths.Combine(folder), "*", SearchOption.AllDirectories))
            .Where(path => !path.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .Append(RepositoryPaths.Combine("FrostGuard.psd1"))
            .ToList();

        var mentions = shipped
            .SelectMany(path => File.ReadLines(path).Select((line, index) => (path, line, number: index + 1)))
            .Where(l => l.line.Contains("build.sh", StringComparison.OrdinalIgnoreCase))
            .Select(l => $"{Path.GetRelativePath(RepositoryPaths.Root, l.path)}:{l.number}: {l.line.Trim()}")
            .ToList();

        Assert.True(shipped.Count > 200, $"only {shipped.Count} files found under src/ and module/");
        Assert.Empty(mentions);
    }
}
