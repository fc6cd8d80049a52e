using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Portal.Infrastructure.Data;

/// <summary>
/// SQLite's stand-in for COPY: rows go to one INSERT … SELECT … FROM json_each($rows) as JSON arrays, one text parameter per
/// chunk, so a statement moves a few hundred rows and the row work happens in C, not in a parameter lookup, conversion and bind
/// per value. Used by the device import and the advisory fan-out.
/// </summary>
public static class SqliteJsonRows
{
    /// <summary>
    /// JSON bytes per statement. The parameter exists three times (the UTF-8 JSON, its string, the driver's UTF-8 copy of that
    /// string): at this size each stays under the 85,000-byte large object heap threshold and dies young.
    /// </summary>
    public const int ChunkBytes = 32 * 1024;

    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    /// <summary>Writes the rows as JSON arrays (<paramref name="writeRow"/> writes one row's values) and runs <paramref name="executeChunk"/> per chunk.</summary>
    public static async Task WriteInChunksAsync<T>(IReadOnlyList<T> rows, Action<Utf8JsonWriter, T> writeRow, Func<string, Task> executeChunk)
    {
        var json = new ArrayBufferWriter<byte>(ChunkBytes + 4 * 1024);
        await using var writer = new Utf8JsonWriter(json, Options);
        for (var next = 0; next < rows.Count;)
        {
            json.ResetWrittenCount();
            writer.Reset(json);
            writer.WriteStartArray();
            while (next < rows.Count && writer.BytesPending + writer.BytesCommitted < ChunkBytes)
            {
                writer.WriteStartArray();
                writeRow(writer, rows[next++]);
                writer.WriteEndArray();
            }
            writer.WriteEndArray();
            writer.Flush();
            await executeChunk(Encoding.UTF8.GetString(json.WrittenSpan));
        }
    }

    /// <summary>A Guid as EF Core stores it on SQLite (upper-case "D" text), without a string per value.</summary>
    public static void WriteSqliteGuid(this Utf8JsonWriter writer, Guid value)
    {
        Span<char> buffer = stackalloc char[36];
        value.TryFormat(buffer, out var written);
        for (var i = 0; i < written; i++) buffer[i] = char.ToUpperInvariant(buffer[i]);
        writer.WriteStringValue(buffer[..written]);
    }

    public static void WriteNullableString(this Utf8JsonWriter writer, string? value)
    {
        if (value is null) writer.WriteNullValue();
        else writer.WriteStringValue(value);
    }
}
