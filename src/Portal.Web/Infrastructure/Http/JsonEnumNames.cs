using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Portal.Infrastructure.Http;

/// <summary>
/// Enums in JSON by one of their names (any case) and nothing else, as query strings read them (<see cref="HttpInput.EnumNames{TEnum}"/>).
/// System.Text.Json's own <see cref="JsonStringEnumConverter"/> also reads a comma list as its members OR-ed together, on enums that
/// are no flags: "Internal,Customer" became <c>Customer</c> (an internal note on the customer's page), "Sev1,Sev2" became <c>Sev3</c>,
/// "InProgress,Blocked" became <c>Done</c>; and it reads names padded with spaces. Here such a value is refused like any unknown name
/// (400 listing the names). Writing, and the schema the OpenAPI document shows, stay <see cref="JsonStringEnumConverter"/>'s.
/// </summary>
public sealed class JsonEnumNames : JsonConverterFactory
{
    private readonly JsonStringEnumConverter _names = new(allowIntegerValues: false);

    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(NameOnly<>).MakeGenericType(typeToConvert), _names.CreateConverter(typeToConvert, options))!;

    private sealed class NameOnly<TEnum>(JsonConverter names) : JsonConverter<TEnum> where TEnum : struct, Enum
    {
        private static readonly FrozenDictionary<string, TEnum> ByName =
            Enum.GetNames<TEnum>().ToFrozenDictionary(name => name, Enum.Parse<TEnum>, StringComparer.OrdinalIgnoreCase);

        private readonly JsonConverter<TEnum> _writer = (JsonConverter<TEnum>)names;

        // A JsonException without a message: the serializer adds the path and the enum, and the problem details list the names.
        public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String && reader.GetString() is { } name && ByName.TryGetValue(name, out var value) ? value : throw new JsonException();

        public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) => _writer.Write(writer, value, options);

        public override TEnum ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.GetString() is { } name && ByName.TryGetValue(name, out var value) ? value : throw new JsonException();

        public override void WriteAsPropertyName(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) => _writer.WriteAsPropertyName(writer, value, options);
    }
}
