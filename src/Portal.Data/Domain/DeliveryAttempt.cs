namespace Portal.Domain;

public enum DeliveryOutcome { Delivered, Retrying, Failed }

/// <summary>One try to deliver an outbox message: when, where, what came back, how long it took. Append-only.</summary>
public sealed class DeliveryAttempt
{
    public const int ErrorMaxLength = 1000;

    private DeliveryAttempt() { Target = ""; }

    public DeliveryAttempt(Guid id, OutboxMessage message, int attempt, DateTimeOffset at, DeliveryOutcome outcome, int? statusCode, string? error, long durationMs)
    {
        Id = id;
        MessageId = message.Id;
        TenantId = message.TenantId;
        MspId = message.MspId;
        IncidentId = message.IncidentId;
        Event = message.Event;
        Channel = message.Channel;
        Target = message.Target;
        Attempt = attempt;
        At = at;
        Outcome = outcome;
        StatusCode = statusCode;
        Error = error is null ? null : error.Length <= ErrorMaxLength ? error : error[..ErrorMaxLength];
        DurationMs = durationMs;
    }

    public Guid Id { get; private set; }
    public Guid MessageId { get; private set; }
    public Guid TenantId { get; private set; }
    public Guid? MspId { get; private set; }
    public Guid? IncidentId { get; private set; }
    public NotificationEvent Event { get; private set; }
    public NotificationChannel Channel { get; private set; }
    public string Target { get; private set; }
    public int Attempt { get; private set; }
    public DateTimeOffset At { get; private set; }
    public DeliveryOutcome Outcome { get; private set; }
    public int? StatusCode { get; private set; }
    public string? Error { get; private set; }
    public long DurationMs { get; private set; }
}
