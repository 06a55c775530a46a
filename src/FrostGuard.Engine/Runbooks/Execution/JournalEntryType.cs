using System.Text.Json;
using System.Text.Json.Serialization;

namespace FrostGuard.Engine.Runbooks.Execution;

/// <summary>What a line of a run's journal records.</summary>
public enum JournalEntryType
{
    RunStart,
    StepStart,
    StepEnd,
    RunEnd,
    /// <summary>The process group a bash step runs in, written as it starts (so a runner that dies leaves its name).</summary>
    StepProcess,
    /// <summary>A step outside a limited resume (-Step, -Section) whose effect is in place from the run it continues: still in place.</summary>
    StepCarried,
    /// <summary>One try of a retried step.</summary>
    StepAttempt,
    /// <summary>A type this version does not know (a journal a newer FrostGuard wrote): read, never written, and ignored.</summary>
    Unknown,
}

/// <summary>
/// The names journal lines carry on disk. Journals outlive versions (a resume reads the journal
/// of a run an older FrostGuard made), so each name is fixed here and never follows a rename of
/// the enum; a name this version does not know reads as <see cref="JournalEntryType.Unknown"/>
/// rather than ending the read there, as a torn line would.
/// </summary>
internal sealed class JournalEntryTypeConverter : JsonConverter<JournalEntryType>
{
    internal static readonly IReadOnlyDictionary<JournalEntryType, string> Names = new Dictionary<JournalEntryType, string>
    {
        [JournalEntryType.RunStart] = "run-start",
        [JournalEntryType.StepStart] = "step-start",
        [JournalEntryType.StepEnd] = "step-end",
        [JournalEntryType.RunEnd] = "run-end",
        [JournalEntryType.StepProcess] = "step-process",
        [JournalEntryType.StepCarried] = "step-carried",
        [JournalEntryType.StepAttempt] = "step-attempt",
    };

    private static readonly Dictionary<string, JournalEntryType> Types = Names.ToDictionary(n => n.Value, n => n.Key, StringComparer.Ordinal);

    public override JournalEntryType Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"A journal line's type must be a string, not {reader.TokenType}.");
        }

        return Types.TryGetValue(reader.GetString()!, out var type) ? type : JournalEntryType.Unknown;
    }

    public override void Write(Utf8JsonWriter writer, JournalEntryType value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Names.TryGetValue(value, out var name) ? name
            : throw new InvalidOperationException($"A journal line of type {value} cannot be written: only types with a name on disk can."));
}
