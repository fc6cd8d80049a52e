using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Portal.Infrastructure.Http;

/// <summary>
/// An instant in a JSON body carries its offset ("2026-12-20T10:00:00Z", "…+01:00"), or it is refused (400 naming the field).
/// System.Text.Json reads "2026-12-20T10:00:00" in the server's own time zone: an on-call shift sent so would land wherever the host's
/// zone puts it, hours off, while the same text in a query string (<c>?at=</c>) is read as UTC. Written as the framework writes it.
/// </summary>
public sealed class JsonInstants : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        // A JsonException without a message: the serializer adds the path, and the problem details say what to send.
        if (reader.TokenType != JsonTokenType.String || reader.GetString() is not { } text || !HasOffset(text)
            || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant))
            throw new JsonException();
        return instant;
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    /// <summary>ISO 8601 with a time and a zone designator: Z, or ±hh:mm (±hhmm, ±hh).</summary>
    private static bool HasOffset(string text)
    {
        var time = text.IndexOf('T', StringComparison.OrdinalIgnoreCase);
        if (time < 0) return false;
        var tail = text.AsSpan(time + 1);
        return tail.EndsWith("Z", StringComparison.OrdinalIgnoreCase) || tail.IndexOfAny('+', '-') > 0;
    }
}
