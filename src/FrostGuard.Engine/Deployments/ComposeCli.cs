using FrostGuard.Engine.Configuration;
using FrostGuard.Engine.Platform.Os;
using FrostGuard.Engine.Platform.Reporting;

namespace FrostGuard.Engine.Deployments;

/// <summary>
/// Docker Compose, the engine of every change to the deployment's containers: v2
/// (`docker compose`) when the docker CLI has the plugin, else v1 (`docker-compose`), as the
/// sandbox scripts choose. Always the configured project name and compose files, plus
/// FrostGuard's override file when it exists.
/// </summary>
public sealed class ComposeCli
{
    private static readonly TimeSpan VersionTimeout = TimeSpan.FromSeconds(20);
    private static (string File, string[] Prefix)? _tool;

    private readonly FrostConfig _config;

    public ComposeCli(FrostConfig config) => _config = config;

    public string Directory => _config.Project.Directory;

    /// <summary>The compose files Compose is given, in order: the configured ones, then the override when present.</summary>
    public IReadOnlyList<string> Files()
    {
        var files = _config.Project.ComposeFiles.Select(f => Path.Combine(Directory, f)).ToList();
        var managed = ComposeOverride.PathIn(Directory);
        if (File.Exists(managed) && !files.Contains(managed, StringComparer.Ordinal))
        {
            files.Add(managed);
        }

        return files;
    }

    /// <summary>
    /// Arguments for `up -d` of the given services (all when empty); --no-deps so Compose neither
    /// touches nor waits on others. The slots' service (backend) means the serving slot; a slot
    /// named is brought up with its profile, whichever slot the .env says serves.
    /// </summary>
    public IReadOnlyList<string> UpArguments(IReadOnlyCollection<string> services)
    {
        var slots = Platform.Docker.ServiceSlots.Of(_config);
        var composeServices = services.Select(slots.ComposeServiceOf).Distinct(StringComparer.Ordinal).ToList();
        var arguments = new List<string> { "-p", _config.Project.Name };
        foreach (var file in Files())
        {
            arguments.Add("-f");
            arguments.Add(file);
        }

        foreach (var slot in composeServices.Where(s => slots.OfComposeService(s) is not null))
        {
            arguments.Add("--profile");
            arguments.Add(slot);
        }

        arguments.Add("up");
        arguments.Add("-d");
        if (composeServices.Count > 0)
        {
            arguments.Add("--no-deps");
            arguments.AddRange(composeServices);
        }

        return arguments;
    }

    public async Task UpAsync(IReadOnlyCollection<string> services, TimeSpan timeout, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var (file, prefix) = await ToolAsync(cancellationToken).ConfigureAwait(false);
        var arguments = prefix.Concat(UpArguments(services)).ToList();
        reporter.Verbose($"{file} {string.Join(' ', arguments)}");
        var result = await ProcessRunner.RunToolAsync(file, arguments, Directory, timeout, l => reporter.Verbose("compose: " + l), cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new FrostException(ErrorIds.ComposeFailed, FailureKind.OperationFailed,
                $"Compose could not bring up {(services.Count == 0 ? "the services" : string.Join(", ", services))} of project {_config.Project.Name} (exit code {result.ExitCode}): {result.Tail()}",
                Directory, $"Run `{file} {string.Join(' ', arguments)}` in {Directory} to see the whole output; Get-FrostService shows the containers.");
        }
    }

    /// <summary>
    /// `up -d --no-recreate --scale` of one service to <paramref name="instances"/>: a container of
    /// the service's new configuration starts beside the old ones, which Compose leaves running.
    /// </summary>
    public async Task UpBesideAsync(string service, int instances, TimeSpan timeout, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var (file, prefix) = await ToolAsync(cancellationToken).ConfigureAwait(false);
        var arguments = prefix.Concat(["-p", _config.Project.Name]).Concat(Files().SelectMany(f => new[] { "-f", f }))
            .Concat(["up", "-d", "--no-deps", "--no-recreate", "--scale", $"{service}={instances}", service]).ToList();
        reporter.Verbose($"{file} {string.Join(' ', arguments)}");
        var result = await ProcessRunner.RunToolAsync(file, arguments, Directory, timeout, l => reporter.Verbose("compose: " + l), cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new FrostException(ErrorIds.ComposeFailed, FailureKind.OperationFailed,
                $"Compose could not start a new {service} beside the running one (exit code {result.ExitCode}): {result.Tail()}",
                Directory, $"Run `{file} {string.Join(' ', arguments)}` in {Directory} to see the whole output; Get-FrostService shows the containers.");
        }
    }

    /// <summary>`pull` of some services: the images a step needs before `up` would fetch them (on a rebuilt server).</summary>
    public async Task PullAsync(IReadOnlyCollection<string> services, IFrostReporter reporter, CancellationToken cancellationToken)
    {
        var (file, prefix) = await ToolAsync(cancellationToken).ConfigureAwait(false);
        var arguments = prefix.Concat(["-p", _config.Project.Name]).Concat(Files().SelectMany(f => new[] { "-f", f })).Append("pull").Concat(services).ToList();
        reporter.Verbose($"{file} {string.Join(' ', arguments)}");
        var result = await ProcessRunner.RunToolAsync(file, arguments, Directory, TimeSpan.FromMinutes(30), l => reporter.Verbose("compose: " + l), cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new FrostException(ErrorIds.ComposeFailed, FailureKind.OperationFailed,
                $"Compose could not pull the images of {string.Join(", ", services)} (exit code {result.ExitCode}): {result.Tail()}",
                Directory, $"Run `{file} {string.Join(' ', arguments)}` in {Directory}, or load the images with `docker load`.");
        }
    }

    /// <summary>`down --volumes`: the project's containers, networks and volumes go (a recovery drill's, whose project name is its own).</summary>
    /// <param name="volumes">Remove the project's volumes too (a drill's own); never for a deployment whose volumes may hold the only data.</param>
    public async Task DownAsync(IFrostReporter reporter, CancellationToken cancellationToken, bool volumes = true)
    {
        var (file, prefix) = await ToolAsync(cancellationToken).ConfigureAwait(false);
        var arguments = prefix.Concat(["-p", _config.Project.Name]).Concat(Files().SelectMany(f => new[] { "-f", f }))
            .Concat(volumes ? ["down", "--volumes", "--remove-orphans", "--timeout", "10"] : ["down", "--remove-orphans", "--timeout", "10"]).ToList();
        reporter.Verbose($"{file} {string.Join(' ', arguments)}");
        var result = await ProcessRunner.RunToolAsync(file, arguments, Directory, TimeSpan.FromMinutes(5), l => reporter.Verbose("compose: " + l), cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new FrostException(ErrorIds.ComposeFailed, FailureKind.OperationFailed,
                $"Compose could not remove project {_config.Project.Name} (exit code {result.ExitCode}): {result.Tail()}",
                Directory, $"Run `{file} {string.Join(' ', arguments)}` in {Directory}; `docker ps -a --filter label=com.docker.compose.project={_config.Project.Name}` lists what is left.");
        }
    }

    /// <summary>v2 when `docker compose version` answers, else v1; found once per process.</summary>
    public static async Task<(string File, string[] Prefix)> ToolAsync(CancellationToken cancellationToken)
    {
        if (_tool is { } known)
        {
            return known;
        }

        try
        {
            var v2 = await ProcessRunner.RunToolAsync("docker", ["compose", "version"], Path.GetTempPath(), VersionTimeout, null, cancellationToken).ConfigureAwait(false);
            _tool = v2.Succeeded ? ("docker", ["compose"]) : ("docker-compose", []);
        }
        catch (FrostException e) when (e.ErrorId == ErrorIds.ToolNotFound)
        {
            _tool = ("docker-compose", []);
        }

        return _tool.Value;
    }
}
