namespace FrostGuard;

/// <summary>What Install-FrostModule did on one host.</summary>
public enum FrostModuleInstallAction
{
    /// <summary>The build was copied to the host and made current.</summary>
    Installed,
    /// <summary>The host had the build already (an earlier install); it was made current again.</summary>
    Activated,
    /// <summary>The host runs this build already; nothing changed.</summary>
    UpToDate,
}

/// <summary>One host's FrostGuard after Install-FrostModule.</summary>
public sealed class FrostModuleInstall
{
    public required string Host { get; init; }
    /// <summary>The build now current on the host.</summary>
    public required string Version { get; init; }
    /// <summary>The build that was current before; empty when none was.</summary>
    public string? Previous { get; init; }
    public FrostModuleInstallAction Action { get; init; }
    /// <summary>The build's folder on the host.</summary>
    public required string Path { get; init; }
    public int Files { get; init; }
    public long Bytes { get; init; }
    public TimeSpan Duration { get; init; }

    public override string ToString() => $"{Host}: {Action} {Version}";
}
