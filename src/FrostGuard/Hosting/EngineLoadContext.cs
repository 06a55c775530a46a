using System.Reflection;
using System.Runtime.Loader;

namespace FrostGuard.Hosting;

/// <summary>
/// FrostGuard's private load context: the engine and its third-party libraries (Npgsql,
/// Docker.DotNet, Markdig, YamlDotNet) load here from bin/dependencies/, so FrostGuard works
/// beside modules that ship other versions of them. The model assembly is shared with the
/// default context, because scripts name its types.
/// </summary>
internal sealed class EngineLoadContext : AssemblyLoadContext
{
    public const string ContextName = "FrostGuard";
    private const string EngineAssemblyName = "FrostGuard.Engine";

    private static readonly object Gate = new();
    private static EngineLoadContext? _instance;

    private readonly string _dependencies;
    private readonly Assembly _model = typeof(FrostService).Assembly;
    private readonly Lazy<Dictionary<string, Version?>> _platformVersions = new(ReadPlatformVersions);

    private EngineLoadContext(string dependencies)
        : base(ContextName, isCollectible: false)
    {
        _dependencies = dependencies;
    }

    public static string DependenciesFolder =>
        Path.Combine(Path.GetDirectoryName(typeof(EngineLoadContext).Assembly.Location) ?? ".", "dependencies");

    /// <summary>
    /// Registers the resolver once per process. It is never removed: Remove-Module is per
    /// runspace, the handler is process-wide, and other runspaces may still use the engine.
    /// </summary>
    public static void EnsureRegistered()
    {
        lock (Gate)
        {
            if (_instance is not null)
            {
                return;
            }

            _instance = new EngineLoadContext(DependenciesFolder);
            Default.Resolving += ResolveEngine;
        }
    }

    private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name)
    {
        if (!string.Equals(name.Name, EngineAssemblyName, StringComparison.Ordinal) || _instance is null)
        {
            return null;
        }

        // Only by path, and only when the file is there: resolving by name from inside this
        // handler would re-enter it until the stack overflows.
        var path = Path.Combine(_instance._dependencies, EngineAssemblyName + ".dll");
        return File.Exists(path) ? _instance.LoadFromAssemblyPath(path) : null;
    }

    protected override Assembly? Load(AssemblyName name)
    {
        if (string.Equals(name.Name, _model.GetName().Name, StringComparison.Ordinal))
        {
            return _model;
        }

        var path = Path.Combine(_dependencies, name.Name + ".dll");
        if (!File.Exists(path))
        {
            return null;
        }

        // The platform wins when it already has this assembly at the same or a newer version
        // (Npgsql's System.Diagnostics.DiagnosticSource 9.0 on .NET 10): loading ours too
        // would give two copies of one type.
        if (_platformVersions.Value.TryGetValue(name.Name!, out var platform)
            && platform is not null
            && platform >= AssemblyName.GetAssemblyName(path).Version)
        {
            return null;
        }

        return LoadFromAssemblyPath(path);
    }

    private static Dictionary<string, Version?> ReadPlatformVersions()
    {
        var versions = new Dictionary<string, Version?>(StringComparer.Ordinal);
        var trusted = AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? "";
        foreach (var path in trusted.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            if (!versions.ContainsKey(name))
            {
                versions[name] = TryReadVersion(path);
            }
        }

        return versions;
    }

    private static Version? TryReadVersion(string path)
    {
        try
        {
            return AssemblyName.GetAssemblyName(path).Version;
        }
        catch (Exception e) when (e is BadImageFormatException or FileLoadException or FileNotFoundException)
        {
            return null;
        }
    }
}
