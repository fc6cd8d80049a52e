using Portal.Domain;

namespace Portal.Infrastructure.Http;

/// <summary>
/// The <c>Idempotency-Key</c> request header (IETF draft-ietf-httpapi-idempotency-key-header), read only by the commands that
/// honour it (<see cref="Pipeline.IIdempotentCommand"/>): an opaque key of 1 to 255 visible ASCII characters, plain or quoted as
/// the draft's structured-field string. A repeat answered from the record says so in <c>Idempotent-Replayed: true</c>.
/// </summary>
public sealed class IdempotencyKeyHeader(IHttpContextAccessor http)
{
    public const string Name = "Idempotency-Key";
    public const string ReplayedName = "Idempotent-Replayed";
    public const string InvalidCode = "invalid_idempotency_key";

    /// <summary>The key the client sent, or null when it sent none; a malformed key is refused (400 <c>invalid_idempotency_key</c>).</summary>
    public string? Read()
    {
        if (http.HttpContext?.Request.Headers[Name] is not { Count: > 0 } values) return null;
        if (values.Count > 1) throw new InvalidValueException(InvalidCode, "Send one Idempotency-Key header, not several.");
        var key = values[0] ?? "";
        if (key.Length >= 2 && key[0] == '"' && key[^1] == '"') key = key[1..^1];
        if (key.Length is 0 or > IdempotencyRecord.KeyMaxLength || key.Any(c => c is < '!' or > '~' || c == '"'))
            throw new InvalidValueException(InvalidCode,
                $"An Idempotency-Key is 1 to {IdempotencyRecord.KeyMaxLength} visible ASCII characters, such as a UUID; send a new one for each new request.");
        return key;
    }

    public void MarkReplayed()
    {
        if (http.HttpContext is { } context) context.Response.Headers[ReplayedName] = "true";
    }
}
