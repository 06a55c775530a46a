using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using FrostGuard.Engine.Runbooks;
using FrostGuard.Engine.Runbooks.Parsing;
using Markdig;

// Splits a folder parse into its parts, each as wall time and CPU time of this process, and
// reports MB/s over the folder's bytes. Median of the runs after one warm-up.
if (args.Length > 1 && args[0] == "--dump")
{
    // The model of every .md under the given folders as JSON, one file each, to compare two
    // builds of the parser (same input, same model).
    var output = args[1];
    Directory.CreateDirectory(output);
    var options = new System.Text.Json.JsonSerializerOptions { WriteIndented = true };
    var count = 0;
    foreach (var root in args.Skip(2))
    {
        foreach (var file in Directory.EnumerateFiles(root, "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var model = RunbookParser.ParseFile(file);
            var name = Path.GetFullPath(file).Replace('/', '_');
            File.WriteAllText(Path.Combine(output, name + ".json"), System.Text.Json.JsonSerializer.Serialize(model, options));
            count++;
        }
    }

    Console.WriteLine($"{count} models written to {output}");
    return;
}

var folder = args.Length > 0 ? args[0] : throw new ArgumentException("usage: ParseProfile <folder> [runs]");
var runs = args.Length > 1 ? int.Parse(args[1]) : 5;
var files = RunbookSources.Expand(folder, recurse: false);
var texts = files.Select(f => File.ReadAllText(f)).ToList();
var total = files.Sum(f => new FileInfo(f).Length) / 1048576.0;
var megabytes = total;
Console.WriteLine($"{files.Count} files, {megabytes:F1} MB, {Environment.ProcessorCount} cores, GC server={System.Runtime.GCSettings.IsServerGC}");

if (args.Length > 2 && args[2] == "--parse-only")
{
    // For a sampling profiler (dotnet-trace): nothing but the parse, over and over.
    for (var r = 0; r < runs; r++)
    {
        for (var i = 0; i < texts.Count; i++) { RunbookParser.Parse(texts[i], files[i], "0"); }
    }

    return;
}

var bare = new MarkdownPipelineBuilder().Build();
var advanced = new MarkdownPipelineBuilder().UseAdvancedExtensions().UseYamlFrontMatter().Build();
var yamlOnly = new MarkdownPipelineBuilder().UseYamlFrontMatter().Build();
var noAttributes = new MarkdownPipelineBuilder().UseYamlFrontMatter().UsePipeTables().UseTaskLists().Build();

Measure("read bytes + decode + SHA-256", () =>
{
    foreach (var f in files)
    {
        var bytes = File.ReadAllBytes(f);
        _ = Encoding.UTF8.GetString(bytes);
        _ = SHA256.HashData(bytes);
    }
});
Measure("Markdig, bare pipeline (CommonMark)", () => { foreach (var t in texts) { Markdown.Parse(t, bare); } });
Measure("Markdig, YAML front matter only", () => { foreach (var t in texts) { Markdown.Parse(t, yamlOnly); } });
Measure("Markdig, ours minus generic attributes", () => { foreach (var t in texts) { Markdown.Parse(t, noAttributes); } });
Measure("Markdig, our pipeline", () => { foreach (var t in texts) { Markdown.Parse(t, RunbookParser.MarkdownPipeline); } });
Measure("Markdig, our pipeline, inlines only where the model reads", () => { foreach (var t in texts) { Markdown.Parse(t, RunbookParser.ModelMarkdownPipeline); } });
if (args.Contains("--advanced"))
{
    // Slow on the generated runbooks (minutes): only when asked.
    Measure("Markdig, advanced extensions + YAML", () => { foreach (var t in texts) { Markdown.Parse(t, advanced); } });
}

Measure("RunbookParser.Parse (text in memory, hash given)", () => { for (var i = 0; i < texts.Count; i++) { RunbookParser.Parse(texts[i], files[i], "0"); } });
Measure("RunbookParser.ParseFile (everything, one file at a time)", () => { foreach (var f in files) { RunbookParser.ParseFile(f); } });
var small = files.Where(f => new FileInfo(f).Length < 65536).ToList();
var smallMegabytes = small.Sum(f => new FileInfo(f).Length) / 1048576.0;
Measure($"ParseFile, the {small.Count} files under 64 KB ({smallMegabytes:F1} MB)", () => { foreach (var f in small) { RunbookParser.ParseFile(f); } }, smallMegabytes);
Measure($"ParseFile, the {files.Count - small.Count} files from 64 KB ({megabytes - smallMegabytes:F1} MB)", () => { foreach (var f in files.Except(small)) { RunbookParser.ParseFile(f); } }, megabytes - smallMegabytes);

void Measure(string name, Action work, double? over = null)
{
    var megabytes = over ?? total;
    work();
    var wall = new List<double>();
    var cpu = new List<double>();
    var gcPause = new List<double>();
    var gcCounts = (0, 0, 0);
    var allocated = 0L;
    var process = Process.GetCurrentProcess();
    for (var i = 0; i < runs; i++)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        process.Refresh();
        var cpuStart = process.TotalProcessorTime;
        var pauseStart = GC.GetTotalPauseDuration();
        var (g0, g1, g2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        var allocatedStart = GC.GetTotalAllocatedBytes();
        var clock = Stopwatch.StartNew();
        work();
        wall.Add(clock.Elapsed.TotalSeconds);
        process.Refresh();
        cpu.Add((process.TotalProcessorTime - cpuStart).TotalSeconds);
        gcPause.Add((GC.GetTotalPauseDuration() - pauseStart).TotalSeconds);
        gcCounts = (GC.CollectionCount(0) - g0, GC.CollectionCount(1) - g1, GC.CollectionCount(2) - g2);
        allocated = GC.GetTotalAllocatedBytes() - allocatedStart;
    }

    gcPause.Sort();

    wall.Sort();
    cpu.Sort();
    Console.WriteLine($"{name,-58} wall {wall[runs / 2] * 1000,8:F0} ms ({megabytes / wall[runs / 2],6:F1} MB/s; min {megabytes / wall[^1],6:F1}, max {megabytes / wall[0],6:F1})   cpu {cpu[runs / 2] * 1000,8:F0} ms ({megabytes / cpu[runs / 2],6:F1} MB/s)   GC pause {gcPause[runs / 2] * 1000,6:F0} ms, gen0/1/2 {gcCounts.Item1}/{gcCounts.Item2}/{gcCounts.Item3}, {allocated / 1048576.0,6:F0} MB allocated");
}
