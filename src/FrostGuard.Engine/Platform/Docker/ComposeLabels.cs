namespace FrostGuard.Engine.Platform.Docker;

/// <summary>The labels Docker Compose (v1 and v2) puts on the containers it creates.</summary>
public static class ComposeLabels
{
    public const string Project = "com.docker.compose.project";
    public const string Service = "com.docker.compose.service";
    public const string ContainerNumber = "com.docker.compose.container-number";
    public const string OneOff = "com.docker.compose.oneoff";
}
