using System.Globalization;
using System.Text;
using Docker.DotNet.Models;
using FrostGuard.Engine.Platform.Os;

namespace FrostGuard.Engine.Platform.Docker;

/// <summary>
/// Processes FrostGuard started in containers (docker exec: pg_dump, pg_restore) and job
/// containers, whose FrostGuard process is gone. Each carries its owner's identity: execs and
/// job containers in <see cref="OwnerVariable"/> of their environment, job containers also in
/// the <see cref="OwnerLabel"/> label. The Engine API cannot end an exec, so a process is found
/// through /proc (the host sees the containers' processes) and killed; a job container is removed.
/// </summary>
public static class OrphanedWork
{
    public const string OwnerVariable = "FROSTGUARD_OWNER";
    public const string OwnerLabel = "frostguard.owner";

    /// <summary>The environment entry that marks what this process starts.</summary>
    public static string OwnerEntry => $"{OwnerVariable}={ProcessIdentity.Current}";

    /// <summary>Ends what dead FrostGuard processes left running; returns what was ended, for a warning.</summary>
    public static async Task<IReadOnlyList<string>> EndAsync(DockerGateway docker, CancellationToken cancellationToken)
    {
        var ended = new List<string>();
        var containers = await docker.CallAsync("list FrostGuard job containers", (c, ct) => c.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [OwnerLabel] = true } },
        }, ct), cancellationToken).ConfigureAwait(false);
        foreach (var container in containers.Where(c => c.Labels is not null && c.Labels.TryGetValue(OwnerLabel, out var owner) && !ProcessIdentity.IsAlive(owner)))
        {
            var name = container.Names?.FirstOrDefault()?.TrimStart('/') ?? container.ID;
            await docker.CallAsync($"remove container {name}", async (c, ct) =>
            {
                await c.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true }, ct).ConfigureAwait(false);
                return true;
            }, cancellationToken).ConfigureAwait(false);
            ended.Add($"job container {name}");
        }

        foreach (var (pid, owner) in MarkedProcesses().Where(p => !ProcessIdentity.IsAlive(p.Owner)))
        {
            if (Posix.Kill(pid, StepSession.SigKill) == 0)
            {
                ended.Add($"process {pid} ({Command(pid)}) started for PID {ProcessIdentity.PidOf(owner)}");
            }
        }

        return ended;
    }

    /// <summary>Processes whose environment names an owner: pid and owner identity. Those it may not read are not its to end.</summary>
    public static IEnumerable<(int Pid, string Owner)> MarkedProcesses()
    {
        var prefix = OwnerVariable + "=";
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            string environment;
            try
            {
                environment = Encoding.Latin1.GetString(File.ReadAllBytes(Path.Combine(entry, "environ")));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // gone, or another user's
            }

            foreach (var variable in environment.Split('\0'))
            {
                if (variable.StartsWith(prefix, StringComparison.Ordinal))
                {
                    yield return (pid, variable[prefix.Length..]);
                    break;
                }
            }
        }
    }

    private static string Command(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "gone";
        }
    }
}
