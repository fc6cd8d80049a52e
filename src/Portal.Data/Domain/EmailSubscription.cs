namespace Portal.Domain;

/// <summary>
/// A person of a customer tenant who gets email about its incidents: for which severities (a set), and whether also for
/// status changes and customer updates (an incident opened at a chosen severity always). Chosen by the tenant's CustomerAdmin;
/// the unsubscribe link in every email removes it.
/// </summary>
public sealed class EmailSubscription
{
    private EmailSubscription() { Email = ""; DisplayName = ""; }

    public EmailSubscription(Guid id, Guid tenantId, Guid userId, string email, string displayName, IReadOnlyCollection<Severity> severities, bool statusChanges, bool customerUpdates, DateTimeOffset now)
    {
        Id = id;
        TenantId = tenantId;
        UserId = userId;
        Email = email;
        DisplayName = displayName;
        CreatedAt = now;
        Change(severities, statusChanges, customerUpdates, now);
    }

    public Guid Id { get; private set; }
    public Guid TenantId { get; private set; }
    public Guid UserId { get; private set; }
    public string Email { get; private set; }
    public string DisplayName { get; private set; }

    /// <summary>Bit n-1 set = Sev n wanted.</summary>
    public int SeverityMask { get; private set; }
    public bool StatusChanges { get; private set; }
    public bool CustomerUpdates { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }

    public IReadOnlyList<Severity> Severities => [.. Enum.GetValues<Severity>().Where(s => (SeverityMask & (1 << ((int)s - 1))) != 0)];

    public void Change(IReadOnlyCollection<Severity> severities, bool statusChanges, bool customerUpdates, DateTimeOffset now)
    {
        if (severities.Count == 0) throw new InvalidValueException("invalid_severities", "Choose at least one severity (Sev1..Sev4).");
        if (severities.Any(s => !Enum.IsDefined(s))) throw new InvalidValueException("invalid_severities", "Severities are Sev1, Sev2, Sev3 or Sev4.");
        SeverityMask = severities.Aggregate(0, (mask, s) => mask | (1 << ((int)s - 1)));
        StatusChanges = statusChanges;
        CustomerUpdates = customerUpdates;
        UpdatedAt = now;
    }

    public bool Wants(NotificationEvent what, Severity severity) =>
        (SeverityMask & (1 << ((int)severity - 1))) != 0 && what switch
        {
            NotificationEvent.IncidentOpened => true,
            // An incident that becomes a severity the person chose mails like one opened at it: a Sev3 raised to Sev1 is news to
            // whoever gets only Sev1 mail (checked against the new severity above).
            NotificationEvent.IncidentSeverityChanged => true,
            NotificationEvent.IncidentStatusChanged => StatusChanges,
            NotificationEvent.CustomerUpdate => CustomerUpdates,
            _ => false, // MSP-internal events never reach a customer's inbox
        };
}
