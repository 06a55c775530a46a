using System.Management.Automation;

namespace FrostGuard.Hosting;

/// <summary>Runs at Import-Module: only registers the resolver; the engine loads on first use.</summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer
{
    public void OnImport() => EngineLoadContext.EnsureRegistered();
}
