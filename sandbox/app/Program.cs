using FrostGuard.Sandbox.Backend;
using FrostGuard.Sandbox.Worker;

// One binary, two roles: the image's command says which.
return args.FirstOrDefault() switch
{
    "backend" => await BackendHost.RunAsync(args[1..]),
    "worker" => await WorkerLoop.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: FrostGuard.Sandbox backend|worker");
    return 2;
}
