namespace Portal.Domain;

public enum Severity { Sev1 = 1, Sev2 = 2, Sev3 = 3, Sev4 = 4 }

public enum IncidentStatus { New, Acknowledged, Investigating, Mitigating, Monitoring, Resolved, Closed }

/// <summary>Who acts on an incident, and how much of its tenant they may touch.</summary>
public sealed record Actor(Guid UserId, string DisplayName, TenantAccess Access);

/// <summary>
/// An incident in one customer tenant. Every change goes through a method here, which checks the rule
/// and appends a timeline entry; nothing else sets its state.
/// </summary>
public sealed class Incident
{
    public const int TitleMaxLength = 200;
    public const int SummaryMaxLength = 2000;

    /// <summary>The documented status transitions; anything else is refused.</summary>
    public static readonly IReadOnlyDictionary<IncidentStatus, IncidentStatus[]> Transitions = new Dictionary<IncidentStatus, IncidentStatus[]>
    {
        [IncidentStatus.New] = [IncidentStatus.Acknowledged],
        [IncidentStatus.Acknowledged] = [IncidentStatus.Investigating, IncidentStatus.Mitigating, IncidentStatus.Resolved],
        [IncidentStatus.Investigating] = [IncidentStatus.Mitigating, IncidentStatus.Monitoring, IncidentStatus.Resolved],
        [IncidentStatus.Mitigating] = [IncidentStatus.Investigating, IncidentStatus.Monitoring, IncidentStatus.Resolved],
        [IncidentStatus.Monitoring] = [IncidentStatus.Investigating, IncidentStatus.Mitigating, IncidentStatus.Resolved],
        [IncidentStatus.Resolved] = [IncidentStatus.Closed, IncidentStatus.Investigating],
        [IncidentStatus.Closed] = [],
    };

    private readonly List<TimelineEntry> _timeline = [];

    private Incident() { Reference = ""; Title = ""; }

    private Incident(Guid id, Guid tenantId, int number, string prefix, string title, Severity severity, string? customerSummary, DateTimeOffset now)
    {
        Id = id;
        TenantId = tenantId;
        Number = number;
        Reference = $"{prefix}-{number}";
        Title = title;
        Severity = severity;
        CustomerSummary = customerSummary;
        Status = IncidentStatus.New;
        CreatedAt = now;
        UpdatedAt = now;
    }

    public Guid Id { get; private set; }
    public Guid TenantId { get; private set; }
    public int Number { get; private set; }

    /// <summary>The per-tenant reference people say on the phone, e.g. NWA-42.</summary>
    public string Reference { get; private set; }
    public string Title { get; private set; }

    /// <summary>What the customer is told; internal detail belongs in internal notes.</summary>
    public string? CustomerSummary { get; private set; }
    public Severity Severity { get; private set; }
    public IncidentStatus Status { get; private set; }
    public Guid? AssigneeId { get; private set; }
    public string? AssigneeName { get; private set; }

    /// <summary>The provider advisory this incident was opened from (at most one incident per tenant and advisory).</summary>
    public Guid? AdvisoryId { get; private set; }
    public Guid CreatedById { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? AcknowledgedAt { get; private set; }
    public DateTimeOffset? ResolvedAt { get; private set; }
    public DateTimeOffset? ClosedAt { get; private set; }
    /// <summary>
    /// When the incident last changed in a way its customer sees: an internal note leaves it as it is (its customer reads this
    /// time, and "Updated 09:14" with nothing new would say that a note was written).
    /// </summary>
    public DateTimeOffset UpdatedAt { get; private set; }

    /// <summary>How many timeline entries the incident has; the next entry's sequence number.</summary>
    public int TimelineLength { get; private set; }

    /// <summary>How many of them the customer may see; the sequence of the incident's customer-visible stream.</summary>
    public int CustomerTimelineLength { get; private set; }

    /// <summary>Optimistic concurrency token: rowversion on SQL Server, xmin on PostgreSQL, a counter on SQLite.</summary>
    public long Version { get; private set; }

    /// <summary>When the incident must be acknowledged by (its severity's target, tightened by the tenant's contract); null before a plan applies.</summary>
    public DateTimeOffset? AcknowledgeDueAt { get; private set; }

    /// <summary>When the incident must be resolved by.</summary>
    public DateTimeOffset? ResolveDueAt { get; private set; }

    /// <summary>How many levels of each kind have fired.</summary>
    public int AcknowledgeLevel { get; private set; }
    public int ResolveLevel { get; private set; }

    /// <summary>When the next escalation level is due (null: nothing pending). The sweep's index.</summary>
    public DateTimeOffset? NextEscalationAt { get; private set; }

    /// <summary>The entries appended in this unit of work (the full timeline is read through a query, not loaded here).</summary>
    public IReadOnlyCollection<TimelineEntry> Timeline => _timeline;

    public bool IsOpen => Status is not (IncidentStatus.Resolved or IncidentStatus.Closed);

    public static Incident Open(Guid tenantId, int number, string prefix, string title, Severity severity, string? customerSummary, Actor actor, DateTimeOffset now) =>
        Open(tenantId, number, prefix, title, severity, customerSummary, actor, now, follows: null);

    private static Incident Open(Guid tenantId, int number, string prefix, string title, Severity severity, string? customerSummary, Actor actor, DateTimeOffset now,
        string? follows)
    {
        RequireMsp(actor, "open incidents");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(number);
        if (!Enum.IsDefined(severity)) throw new InvalidValueException("invalid_severity", $"Severity {(int)severity} does not exist.");
        var cleanTitle = PlainText.Require(title, TitleMaxLength, "title", multiline: false);
        var summary = string.IsNullOrWhiteSpace(customerSummary) ? null : PlainText.Require(customerSummary, SummaryMaxLength, "customer summary");

        var incident = new Incident(Guid.NewGuid(), tenantId, number, prefix, cleanTitle, severity, summary, now) { CreatedById = actor.UserId };
        var opened = follows is null ? $"Opened {severity}: {cleanTitle}" : $"Opened {severity}: {cleanTitle} (follows {follows}, closed)";
        incident.Append(actor, now, TimelineEntryKind.Opened, NoteVisibility.Customer, opened, null, IncidentStatus.New);
        return incident;
    }

    /// <summary>
    /// The incident an MSP opens in one of its tenants from a provider advisory: the advisory's severity and impact (its
    /// customer summary), linked to it so that every later advisory update reaches this timeline. <paramref name="follows"/> is the
    /// reference of the tenant's closed linked incident of the same advisory, when this one is its second wave; its opening says so.
    /// </summary>
    public static Incident OpenFromAdvisory(Guid tenantId, int number, string prefix, Advisory advisory, string providerName, Actor actor, DateTimeOffset now,
        string? follows = null)
    {
        var title = $"{providerName}: {advisory.Title}";
        var incident = Open(tenantId, number, prefix, title.Length <= TitleMaxLength ? title : title[..TitleMaxLength],
            advisory.Severity, advisory.Impact.Length <= SummaryMaxLength ? advisory.Impact : advisory.Impact[..SummaryMaxLength], actor, now, follows);
        incident.AdvisoryId = advisory.Id;
        return incident;
    }

    /// <summary>A provider's update of the linked advisory, customer-visible, in the provider's name.</summary>
    public TimelineEntry RecordAdvisoryUpdate(string providerName, AdvisoryUpdate update, DateTimeOffset now)
    {
        if (update.AdvisoryId != AdvisoryId) throw new InvalidOperationException("Only the linked advisory's updates go on an incident's timeline.");
        var text = $"Advisory update from {providerName} ({update.Status}): {update.Text}";
        Touch(now);
        return Append(new Actor(update.AuthorId, providerName, TenantAccess.None), now, TimelineEntryKind.Advisory, NoteVisibility.Customer,
            PlainText.Shorten(text, TimelineEntry.TextMaxLength), null, null);
    }

    /// <summary>
    /// A fan-out of the linked advisory after the provider reopened it: resolved before that reopening, this incident moves back to
    /// Investigating in the provider's name (<see cref="Advisory.BringsBack"/>); its tasks stay as they are. Whether it moved.
    /// </summary>
    public bool ReopenWith(Advisory advisory, string providerName, Actor actor, DateTimeOffset now)
    {
        if (advisory.Id != AdvisoryId) throw new InvalidOperationException("Only the linked advisory brings an incident back.");
        if (!advisory.BringsBack(Status, ResolvedAt)) return false;
        ChangeStatus(IncidentStatus.Investigating, $"{providerName} reopened the advisory", actor, now);
        return true;
    }

    public void Acknowledge(Actor actor, DateTimeOffset now)
    {
        RequireMsp(actor, "acknowledge incidents");
        if (Status != IncidentStatus.New)
            throw new DomainRuleException("already_acknowledged", $"{Reference} was already acknowledged{(AcknowledgedAt is { } at ? $" at {at:u}" : "")}; it is {Status}.");
        MoveTo(IncidentStatus.Acknowledged, actor, now, TimelineEntryKind.Acknowledged, $"Acknowledged by {actor.DisplayName}");
    }

    public void ChangeStatus(IncidentStatus to, string? customerMessage, Actor actor, DateTimeOffset now)
    {
        RequireMsp(actor, "change the status of incidents");
        if (!Enum.IsDefined(to)) throw new InvalidValueException("invalid_status", $"Status {(int)to} does not exist.");
        if (!CanMove(Status, to))
        {
            var allowed = Transitions[Status];
            var options = allowed.Length == 0 ? "none: it is final" : string.Join(", ", allowed);
            throw new DomainRuleException("transition_not_allowed", $"{Reference} cannot go from {Status} to {to}. Allowed from {Status}: {options}.");
        }
        var message = string.IsNullOrWhiteSpace(customerMessage)
            ? $"Status changed from {Status} to {to}"
            : $"Status changed from {Status} to {to}: {PlainText.Require(customerMessage, SummaryMaxLength, "message")}";
        MoveTo(to, actor, now, to == IncidentStatus.Acknowledged ? TimelineEntryKind.Acknowledged : TimelineEntryKind.StatusChanged, message);
    }

    /// <summary>A new severity (customer-visible); the due times follow it (Features/Escalations plans them again in the same save).</summary>
    public void ChangeSeverity(Severity to, Actor actor, DateTimeOffset now)
    {
        RequireMsp(actor, "change the severity of incidents");
        if (!Enum.IsDefined(to)) throw new InvalidValueException("invalid_severity", $"Severity {(int)to} does not exist.");
        if (!IsOpen) throw new DomainRuleException("incident_not_open", $"{Reference} is {Status}; only an open incident changes severity.");
        if (to == Severity) return;
        var from = Severity;
        Severity = to;
        Touch(now);
        Append(actor, now, TimelineEntryKind.SeverityChanged, NoteVisibility.Customer, $"Severity changed from {from} to {to}", null, null);
    }

    /// <summary>
    /// The MSP rewrites what the customer's status page says of the incident as the picture changes (impact, workaround, what
    /// to expect); empty removes it. The timeline keeps every version. A closed incident's summary is its final word.
    /// </summary>
    public void ChangeCustomerSummary(string? summary, Actor actor, DateTimeOffset now)
    {
        RequireMsp(actor, "write the customer summary");
        RequireNotClosed("its summary is its final word");
        var clean = string.IsNullOrWhiteSpace(summary) ? null : PlainText.Require(summary, SummaryMaxLength, "customer summary");
        if (clean == CustomerSummary) return; // nothing changes, nothing to record
        CustomerSummary = clean;
        Touch(now);
        Append(actor, now, TimelineEntryKind.SummaryChanged, NoteVisibility.Customer, clean is null ? "Summary removed" : $"Summary: {clean}", null, null);
    }

    public void AssignTo(Guid? assigneeId, string? assigneeName, Actor actor, DateTimeOffset now)
    {
        RequireMsp(actor, "assign incidents");
        RequireNotClosed("it is no longer assigned");
        if (assigneeId is not null && string.IsNullOrWhiteSpace(assigneeName)) throw new ArgumentException("An assignee needs a name.", nameof(assigneeName));
        if (assigneeId == AssigneeId) return; // nothing changes, nothing to record
        AssigneeId = assigneeId;
        AssigneeName = assigneeId is null ? null : assigneeName;
        Touch(now);
        Append(actor, now, TimelineEntryKind.Assigned, NoteVisibility.Customer,
            assigneeId is null ? "Unassigned" : $"Assigned to {assigneeName}", null, null);
    }

    public TimelineEntry AddNote(string text, NoteVisibility visibility, Actor actor, DateTimeOffset now)
    {
        if (!Enum.IsDefined(visibility)) throw new InvalidValueException("invalid_visibility", $"Visibility {(int)visibility} does not exist.");
        if (actor.Access == TenantAccess.None) throw new NotPermittedException("You have no access to this tenant.");
        if (visibility == NoteVisibility.Internal && actor.Access != TenantAccess.Msp)
            throw new NotPermittedException("Only the managing MSP can write internal notes; customers write customer-visible comments.");
        var body = PlainText.Require(text, TimelineEntry.TextMaxLength, "note");
        if (visibility == NoteVisibility.Customer) Touch(now);
        return Append(actor, now, actor.Access == TenantAccess.Msp ? TimelineEntryKind.Note : TimelineEntryKind.CustomerComment, visibility, body, null, null);
    }

    /// <summary>
    /// One customer-visible line for a change to many remediation tasks ("1,204 devices marked Done by the RMM script"):
    /// the detail stays in the task history so the timeline is not drowned.
    /// </summary>
    public TimelineEntry RecordRemediation(string summary, Actor actor, DateTimeOffset now)
    {
        RequireMsp(actor, "work on remediation tasks");
        RequireNotClosed("its remediation no longer changes");
        var text = PlainText.Require(summary, TimelineEntry.TextMaxLength, "summary");
        Touch(now);
        return Append(actor, now, TimelineEntryKind.Remediation, NoteVisibility.Customer, text, null, null);
    }

    /// <summary>
    /// Applies an escalation plan when the incident opens or its severity changes (Features/Escalations does it in the same save):
    /// the due times for the current severity, counted from the opening, then the next level due. A due time is set only until its
    /// target is reached: once acknowledged (or resolved, until reopened) it stays what it was then, so a later severity change
    /// neither excuses a late acknowledgement nor makes a timely one late, and the report judges the target as it stood.
    /// </summary>
    public void PlanEscalations(EscalationPlan plan)
    {
        // (An incident that reached a target before it ever had a clock, as the demo's, gets the due time it would have had.)
        if (AcknowledgedAt is null || AcknowledgeDueAt is null) AcknowledgeDueAt = plan.AcknowledgeDue(Severity, CreatedAt);
        if (ResolvedAt is null || ResolveDueAt is null) ResolveDueAt = plan.ResolveDue(Severity, CreatedAt);
        PlanNextEscalation(plan);
    }

    /// <summary>
    /// The next level due under the plan's levels, the due times as they stand: after a status change (acknowledging ends the
    /// acknowledgement ladder, resolving every ladder), or when a policy changed under a running clock. The targets of a running
    /// incident are those it was opened (or last re-graded) under; a new policy's targets apply to new incidents.
    /// </summary>
    public void PlanNextEscalation(EscalationPlan plan) => NextEscalationAt = NextEscalation(plan)?.At;

    /// <summary>No MSP manages the tenant any more: nothing is left to escalate to.</summary>
    public void StopEscalations() => NextEscalationAt = null;

    /// <summary>The next level still to fire and when: acknowledgement levels while New, resolution levels while open.</summary>
    public (EscalationLevel Level, DateTimeOffset DueAt, DateTimeOffset At)? NextEscalation(EscalationPlan plan)
    {
        (EscalationLevel Level, DateTimeOffset DueAt, DateTimeOffset At)? best = null;
        if (Status == IncidentStatus.New && AcknowledgeDueAt is { } ackDue && plan.Next(EscalationKind.Acknowledge, ackDue, AcknowledgeLevel) is { } ack)
            best = (ack.Level, ackDue, ack.At);
        if (IsOpen && ResolveDueAt is { } resolveDue && plan.Next(EscalationKind.Resolve, resolveDue, ResolveLevel) is { } resolve && (best is null || resolve.At < best.Value.At))
            best = (resolve.Level, resolveDue, resolve.At);
        return best;
    }

    /// <summary>
    /// Records that <paramref name="level"/> fired: an internal timeline entry (never customer-visible), the level counted, the next one
    /// planned. Refused unless it is the level due now.
    /// </summary>
    public TimelineEntry RecordEscalation(EscalationPlan plan, EscalationLevel level, string text, DateTimeOffset now)
    {
        var next = NextEscalation(plan);
        if (next is null || next.Value.Level != level || next.Value.At > now)
            throw new DomainRuleException("escalation_not_due", $"{Reference}: {level.Kind} level {level.Level} is not due.");
        if (level.Kind == EscalationKind.Acknowledge) AcknowledgeLevel = level.Level;
        else ResolveLevel = level.Level;
        NextEscalationAt = NextEscalation(plan)?.At;
        return Append(new Actor(Guid.Empty, "Portal escalation", TenantAccess.Msp), now, TimelineEntryKind.Escalation, NoteVisibility.Internal,
            PlainText.Shorten(text, TimelineEntry.TextMaxLength), null, null);
    }

    public void EnsureVersion(long? expected)
    {
        if (expected is { } version && version != Version) throw new StaleVersionException("incident", version, Version);
    }

    public static bool CanMove(IncidentStatus from, IncidentStatus to) => Transitions.TryGetValue(from, out var allowed) && allowed.Contains(to);

    private void MoveTo(IncidentStatus to, Actor actor, DateTimeOffset now, TimelineEntryKind kind, string text)
    {
        var from = Status;
        Status = to;
        switch (to)
        {
            case IncidentStatus.Acknowledged: AcknowledgedAt ??= now; break;
            case IncidentStatus.Resolved: ResolvedAt = now; break;
            case IncidentStatus.Closed: ClosedAt = now; break;
            case IncidentStatus.Investigating when from == IncidentStatus.Resolved: ResolvedAt = null; break; // reopened
        }
        Touch(now);
        Append(actor, now, kind, NoteVisibility.Customer, text, from, to);
    }

    private void Touch(DateTimeOffset now) => UpdatedAt = now > UpdatedAt ? now : UpdatedAt;

    private TimelineEntry Append(Actor actor, DateTimeOffset at, TimelineEntryKind kind, NoteVisibility visibility, string text, IncidentStatus? from, IncidentStatus? to)
    {
        TimelineLength++;
        int? customerSequence = visibility == NoteVisibility.Customer ? ++CustomerTimelineLength : null;
        var entry = new TimelineEntry(Guid.NewGuid(), Id, TenantId, TimelineLength, customerSequence, at, actor.UserId, actor.DisplayName, kind, visibility, text, from, to);
        _timeline.Add(entry);
        return entry;
    }

    /// <summary>
    /// A closed incident is the finished record: what it says of the work (its assignee, its remediation tasks, their states and
    /// assignees) no longer changes, and a closed incident is not reopened. Notes may still be written. Resolved is not final (it
    /// may go back to Investigating), so a resolved incident's late task results still count.
    /// </summary>
    public void RequireNotClosed(string what)
    {
        if (Status == IncidentStatus.Closed)
            throw new DomainRuleException("incident_closed", $"{Reference} is closed: {what}. A closed incident is not reopened; open a new one for new work.");
    }

    private static void RequireMsp(Actor actor, string what)
    {
        if (actor.Access != TenantAccess.Msp) throw new NotPermittedException($"Only engineers of the managing MSP may {what}.");
    }
}
