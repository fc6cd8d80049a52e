namespace Portal.Domain;

/// <summary>
/// The first answer to a command sent with an <c>Idempotency-Key</c>: a client that sends the same key again (a retry after a
/// timeout, a lost answer) gets this answer instead of a second incident, note or task. Written in the command's own transaction,
/// so the record exists exactly when the command's changes do. Per user: a key names one caller's request, never another's.
/// </summary>
public sealed class IdempotencyRecord
{
    public const int KeyMaxLength = 255;

    /// <summary>How long a recorded answer counts: a day, far past any client's retries.</summary>
    public static readonly TimeSpan KeptFor = TimeSpan.FromHours(24);

    private IdempotencyRecord() { }

    public IdempotencyRecord(Guid userId, string key, string command, string requestHash, string response, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (key.Length > KeyMaxLength) throw new ArgumentOutOfRangeException(nameof(key), $"An idempotency key is at most {KeyMaxLength} characters.");
        Id = Guid.CreateVersion7(at);
        UserId = userId;
        Key = key;
        Command = command;
        RequestHash = requestHash;
        Response = response;
        CreatedAt = at;
    }

    public Guid Id { get; private set; }
    public Guid UserId { get; private set; }
    public string Key { get; private set; } = "";

    /// <summary>The command's type name: the same key on another route is another request.</summary>
    public string Command { get; private set; } = "";

    /// <summary>SHA-256 of the command as it was sent (its ids and fields): the same key with other content is refused.</summary>
    public string RequestHash { get; private set; } = "";

    /// <summary>The command's result as JSON, answered again to a repeat.</summary>
    public string Response { get; private set; } = "";

    public DateTimeOffset CreatedAt { get; private set; }

    public bool SameRequestAs(string command, string requestHash) => Command == command && RequestHash == requestHash;
}
