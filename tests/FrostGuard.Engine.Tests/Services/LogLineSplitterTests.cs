using System.Text;
using FrostGuard.Engine.Services;

namespace FrostGuard.Engine.Tests.Services;

public sealed class LogLineSplitterTests
{
    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public void Lines_split_across_chunks_are_joined_per_stream_and_streams_do_not_mix()
    {
        var splitter = new LogLineSplitter(timestamps: true);
        var lines = new List<LogLine>();
        lines.AddRange(splitter.Add("stdout", Bytes("2026-11-26T20:54:38.375432060Z first ha")));
        lines.AddRange(splitter.Add("stderr", Bytes("2026-11-26T20:54:38.400000000Z oops\n")));
        lines.AddRange(splitter.Add("stdout", Bytes("lf\n2026-11-26T20:54:39.000000001Z second\n2026-11-26T20:54:40Z tail")));
        lines.AddRange(splitter.Flush());

        Assert.Equal(["stderr:oops", "stdout:first half", "stdout:second", "stdout:tail"], lines.Select(l => $"{l.Stream}:{l.Message}"));
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 20, 54, 38, TimeSpan.Zero).AddTicks(3_754_320), lines[1].Timestamp);
    }

    [Fact]
    public void A_line_without_a_timestamp_keeps_its_whole_text()
    {
        var splitter = new LogLineSplitter(timestamps: true);

        var line = Assert.Single(splitter.Add("stdout", Bytes("no stamp here\r\n")));

        Assert.Null(line.Timestamp);
        Assert.Equal("no stamp here", line.Message);
    }

    [Fact]
    public void Multibyte_characters_split_between_chunks_survive()
    {
        var splitter = new LogLineSplitter(timestamps: false);
        var bytes = Bytes("−20 °C\n");
        var lines = splitter.Add("stdout", bytes.AsSpan(0, 2)).Concat(splitter.Add("stdout", bytes.AsSpan(2))).ToList();

        Assert.Equal("−20 °C", Assert.Single(lines).Message);
    }
}
