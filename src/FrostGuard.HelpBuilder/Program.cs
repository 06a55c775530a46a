using FrostGuard.HelpTool;

// FrostGuard.HelpBuilder --assembly bin/FrostGuard.dll [--reference bin/dependencies] --pages docs/cmdlets --about docs --out en-US
// Exit 0: the help files are written. Exit 1: each problem on stderr as "file:line: error: message".
var options = new Dictionary<string, List<string>>(StringComparer.Ordinal);
for (var i = 0; i < args.Length; i++)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
    {
        Console.Error.WriteLine($"usage: FrostGuard.HelpBuilder --assembly <FrostGuard.dll> [--reference <folder>]... --pages <folder> --about <folder> --out <folder> (at '{args[i]}')");
        return 2;
    }

    (options.TryGetValue(args[i], out var values) ? values : options[args[i]] = []).Add(args[++i]);
}

string One(string name) => options.TryGetValue(name, out var v) && v.Count == 1 ? v[0] : throw new ArgumentException($"{name} is required once");

try
{
    var cmdlets = CmdletReflector.Read(One("--assembly"), options.GetValueOrDefault("--reference") ?? []);
    if (cmdlets.Count == 0)
    {
        Console.Error.WriteLine($"{One("--assembly")}: error: no cmdlets found");
        return 1;
    }

    var written = HelpBuilder.Build(cmdlets, One("--pages"), One("--about"), One("--out"));
    Console.WriteLine($"help: {cmdlets.Count} cmdlets, {written.Count} files in {One("--out")}");
    return 0;
}
catch (HelpPageException e)
{
    foreach (var problem in e.Problems)
    {
        Console.Error.WriteLine(problem);
    }

    Console.Error.WriteLine($"help: {e.Problems.Count} problem(s) in the help pages; nothing was written");
    return 1;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"help: {e.Message}");
    return 2;
}
