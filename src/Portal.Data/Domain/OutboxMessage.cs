namespace Portal.Domain;

/// <summary>
/// What happened. Customer-visible events reach every channel of the tenant; <see cref="NotificationAudience.Msp"/>
/// messages (an escalation, a provider's advisory that targets the tenant) reach only the MSP's own webhook and Teams
/// endpoints, never a customer's email. Stored by number: new events go last.
/// </summary>
public enum NotificationEvent { IncidentOpened, IncidentStatusChanged, CustomerUpdate, Escalation, AdvisoryPublished, IncidentSeverityChanged }

/// <summary>Who may read a notification's content: the customer (and its MSP), or the managing MSP only.</summary>
public enum NotificationAudience { Customer, Msp }

public enum OutboxStatus { Pending, Delivered, Failed }

/// <summary>
/// One notification to one target (an email address, an endpoint), written in the transaction of the change that caused it;
/// delivered by a job that claims it (<see cref="LeaseToken"/>, <see cref="LeaseUntil"/>) so two workers cannot both send
/// it, and marked delivered in its own transaction right after the send succeeded. <see cref="Payload"/> is the event as JSON,
/// already reduced to what <see cref="Audience"/> may read.
/// </summary>
public sealed class OutboxMessage
{
    private OutboxMessage() { Target = ""; Payload = ""; }

    public OutboxMessage(Guid id, Guid tenantId, Guid? mspId, Guid? incidentId, NotificationEvent @event, NotificationAudience audience, NotificationChannel channel,
        string target, Guid? endpointId, Guid? subscriptionId, string payload, DateTimeOffset now)
    {
        Id = id;
        TenantId = tenantId;
        MspId = mspId;
        IncidentId = incidentId;
        Event = @event;
        Audience = audience;
        Channel = channel;
        Target = target;
        EndpointId = endpointId;
        SubscriptionId = subscriptionId;
        Payload = payload;
        CreatedAt = now;
        NextAttemptAt = now;
        Status = OutboxStatus.Pending;
    }

    public Guid Id { get; private set; }
    public Guid TenantId { get; private set; }

    /// <summary>The MSP whose endpoint this goes to (null for a customer's email): only that MSP reads its delivery log.</summary>
    public Guid? MspId { get; private set; }
    public Guid? IncidentId { get; private set; }
    public NotificationEvent Event { get; private set; }
    public NotificationAudience Audience { get; private set; }
    public NotificationChannel Channel { get; private set; }

    /// <summary>The email address, or the endpoint's name (its URL stays on the endpoint).</summary>
    public string Target { get; private set; }
    public Guid? EndpointId { get; private set; }
    public Guid? SubscriptionId { get; private set; }
    public string Payload { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public OutboxStatus Status { get; private set; }
    public int Attempts { get; private set; }
    public DateTimeOffset NextAttemptAt { get; private set; }
    public Guid? LeaseToken { get; private set; }
    public DateTimeOffset? LeaseUntil { get; private set; }
    public DateTimeOffset? DeliveredAt { get; private set; }
    public string? LastError { get; private set; }

    /// <summary>
    /// The end of one claimed try: delivered; or failed, to be tried again at <paramref name="retryAt"/>, or for good when it is
    /// null. Clears the claim. Saved with the check that the claim is still this worker's (the lease token is the concurrency token).
    /// </summary>
    public DeliveryOutcome Settle(bool delivered, string? error, DateTimeOffset now, DateTimeOffset? retryAt)
    {
        if (Status != OutboxStatus.Pending || LeaseToken is null) throw new InvalidOperationException($"Outbox message {Id} is not claimed; only a claimed message is settled.");
        LeaseToken = null;
        LeaseUntil = null;
        if (delivered)
        {
            Status = OutboxStatus.Delivered;
            DeliveredAt = now;
            LastError = null;
            return DeliveryOutcome.Delivered;
        }
        LastError = error is null ? null : error.Length <= DeliveryAttempt.ErrorMaxLength ? error : error[..DeliveryAttempt.ErrorMaxLength];
        if (retryAt is { } at)
        {
            NextAttemptAt = at;
            return DeliveryOutcome.Retrying;
        }
        Status = OutboxStatus.Failed;
        return DeliveryOutcome.Failed;
    }
}
