using FrostGuard.Engine.Platform.Durability;

namespace FrostGuard.Engine.Tests;

/// <summary>
/// Tests that inject a fault at a commit point (<see cref="CrashPoints.FailVariable"/>) set a
/// variable of the whole process: they run in this collection, alone.
/// </summary>
[CollectionDefinition(nameof(FaultInjection), DisableParallelization = true)]
public sealed class FaultInjection
{
    /// <summary>Makes the process throw at <paramref name="point"/> until disposed.</summary>
    public static IDisposable At(CrashPoint point)
    {
        Environment.SetEnvironmentVariable(CrashPoints.FailVariable, point.Name);
        return new Cleared();
    }

    private sealed class Cleared : IDisposable
    {
        public void Dispose() => Environment.SetEnvironmentVariable(CrashPoints.FailVariable, null);
    }
}
