using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Data;

namespace Portal.Features.Notifications;

/// <summary>
/// One thing to tell about one tenant: its incident, or an advisory that targets it. <see cref="Audience"/> decides who may read
/// it: Customer content goes to the tenant's email subscribers and to the webhook/Teams endpoints of its managing MSPs; Msp content
/// (an escalation, an advisory, anything internal) only to those MSP endpoints, never to a customer's inbox.
/// </summary>
public sealed record NotificationMessage(
    Guid TenantId, NotificationEvent Event, NotificationAudience Audience, NotificationIncident? Incident, string? Text, string? Actor, DateTimeOffset OccurredAt)
{
    /// <summary>A provider's advisory that targets the tenant (<see cref="NotificationEvent.AdvisoryPublished"/>), which has no incident yet.</summary>
    public NotificationAdvisory? Advisory { get; init; }

    /// <summary>
    /// Set when the message is one MSP's business (an escalation under its policy): only that MSP's endpoints receive it, and the
    /// rows show in its delivery log. Unset: every managing MSP's endpoints.
    /// </summary>
    public Guid? MspId { get; init; }

    /// <summary>Only the endpoints with these names (ignoring case), e.g. the channels an escalation level names; null: every endpoint.</summary>
    public IReadOnlyCollection<string>? EndpointNames { get; init; }

    /// <summary>
    /// People addressed by name (an escalation's users, role members and whoever is on call), emailed besides any subscriber.
    /// No unsubscribe link: they are on the MSP's escalation path, which its lead changes.
    /// </summary>
    public IReadOnlyCollection<string> Emails { get; init; } = [];
}

/// <summary>The incident as a notification shows it (the customer summary, never internal notes).</summary>
public sealed record NotificationIncident(Guid Id, string Reference, string Title, Severity Severity, IncidentStatus Status, string? CustomerSummary);

/// <summary>The advisory as a notification shows it: what its provider published for everyone it targets.</summary>
public sealed record NotificationAdvisory(Guid Id, string Provider, string Title, Severity Severity, AdvisoryStatus Status, string Impact);

/// <summary>
/// The entry point for whoever notifies: <c>await Outbox.AddAsync(db, messages, now, ct)</c> inside a unit of work, before its
/// one save. It finds the targets (subscribers and endpoints of the tenant as of now) and adds one <see cref="OutboxMessage"/>
/// per target to the context; the caller's save commits them with its change, and the commit path hands them to delivery.
/// </summary>
public static class Outbox
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public static async Task<int> AddAsync(PortalDbContext db, IReadOnlyCollection<NotificationMessage> messages, DateTimeOffset now, CancellationToken ct)
    {
        if (messages.Count == 0) return 0;
        var tenantIds = messages.Select(m => m.TenantId).Distinct().ToList();
        // Most changes reach nobody: one plain statement says so, and the two reads that find who listens are skipped (they
        // were a third of a customer-visible note's CPU, on the path every live change takes).
        if (messages.All(m => m.Emails.Count == 0) && !await AnyoneMayListenAsync(db, tenantIds, ct)) return 0;

        // Narrowed to the tenants of the change, and read system-wide on purpose: the actor of a change (a provider whose advisory
        // update reaches linked incidents, a background job) cannot read the tenants' subscriptions, and must still notify them.
        // Each endpoint with the tenant it may carry: its MSP manages that tenant now (MSP A's webhook never carries MSP B's tenants).
        var endpoints = await db.NotificationEndpoints.AsNoTracking()
            .Join(db.Contracts.AsNoTracking().Where(c => tenantIds.Contains(c.CustomerId) && c.StartedAt <= now && (c.EndedAt == null || c.EndedAt > now)),
                e => e.MspId, c => c.MspId, (e, c) => new { e.Id, e.MspId, e.TenantId, e.Channel, e.Name, ForTenant = c.CustomerId })
            .Where(e => e.TenantId == null || e.TenantId == e.ForTenant)
            .ToListAsync(ct);
        var wantsEmail = messages.Any(m => m.Audience == NotificationAudience.Customer);
        var subscriptions = !wantsEmail ? [] : await db.EmailSubscriptions.IgnoreQueryFilters().AsNoTracking()
            .Where(s => tenantIds.Contains(s.TenantId) && db.Memberships.Any(m => m.UserId == s.UserId && m.OrganisationId == s.TenantId))
            .ToListAsync(ct);
        if (endpoints.Count == 0 && subscriptions.Count == 0 && messages.All(m => m.Emails.Count == 0)) return 0;
        var names = await db.Organisations.AsNoTracking().Where(o => tenantIds.Contains(o.Id)).Select(o => new { o.Id, o.Name }).ToDictionaryAsync(o => o.Id, o => o.Name, ct);

        var added = 0;
        foreach (var message in messages)
        {
            var payload = Payload(message, names.GetValueOrDefault(message.TenantId, ""));
            foreach (var endpoint in endpoints.Where(e => e.ForTenant == message.TenantId && (message.MspId is null || e.MspId == message.MspId)
                                                          && (message.EndpointNames is null || message.EndpointNames.Contains(e.Name, StringComparer.OrdinalIgnoreCase)))
                                              .DistinctBy(e => e.Id))
            {
                db.OutboxMessages.Add(new OutboxMessage(Guid.CreateVersion7(now), message.TenantId, endpoint.MspId, message.Incident?.Id, message.Event, message.Audience,
                    endpoint.Channel, endpoint.Name, endpoint.Id, null, payload, now));
                added++;
            }
            foreach (var email in message.Emails.Distinct(StringComparer.OrdinalIgnoreCase))
            {
                db.OutboxMessages.Add(new OutboxMessage(Guid.CreateVersion7(now), message.TenantId, message.MspId, message.Incident?.Id, message.Event, message.Audience,
                    NotificationChannel.Email, email, null, null, payload, now));
                added++;
            }
            if (message.Audience != NotificationAudience.Customer || message.Incident is not { } incident) continue;
            foreach (var subscription in subscriptions.Where(s => s.TenantId == message.TenantId && s.Wants(message.Event, incident.Severity)))
            {
                db.OutboxMessages.Add(new OutboxMessage(Guid.CreateVersion7(now), message.TenantId, null, incident.Id, message.Event, message.Audience,
                    NotificationChannel.Email, subscription.Email, null, subscription.Id, payload, now));
                added++;
            }
        }
        return added;
    }

    /// <summary>
    /// Whether any of the tenants may have a listener: an email subscription, or an endpoint of an MSP that has (or had) a contract
    /// with it. Errs towards yes (members, contract dates and an endpoint's own tenant are left to the reads that follow), so a
    /// "no" is certain. Read system-wide, as the reads after it.
    /// </summary>
    private static async Task<bool> AnyoneMayListenAsync(PortalDbContext db, List<Guid> tenantIds, CancellationToken ct)
    {
        var sqlServer = db.ProviderName == PortalDbContext.SqlServerProvider;
        foreach (var chunk in tenantIds.Chunk(500))
        {
            var sql = ListenerProbeSql(sqlServer, chunk.Length);
            if ((await RawSql.ReadAsync(db, sql, [.. chunk.Cast<object>()], _ => true, ct)).Count > 0) return true;
        }
        return false;
    }

    /// <summary>The statement behind <see cref="AnyoneMayListenAsync"/> for <paramref name="tenants"/> ids ({0}…): a row if anyone may listen.</summary>
    /// <remarks>Written once per provider and length (chunks of at most 500), not on every change.</remarks>
    internal static string ListenerProbeSql(bool sqlServer, int tenants) => ListenerProbes.GetOrAdd((sqlServer, tenants), static key => WriteListenerProbeSql(key.SqlServer, key.Tenants));

    private static readonly ConcurrentDictionary<(bool SqlServer, int Tenants), string> ListenerProbes = new();

    private static string WriteListenerProbeSql(bool sqlServer, int tenants)
    {
        var ids = RawSql.Placeholders(0, tenants);
        return sqlServer
            ? $"""
              SELECT 1 WHERE EXISTS (SELECT 1 FROM [EmailSubscriptions] WHERE [TenantId] IN ({ids}))
              OR EXISTS (SELECT 1 FROM [Contracts] AS c JOIN [NotificationEndpoints] AS e ON e.[MspId] = c.[MspId] WHERE c.[CustomerId] IN ({ids}))
              """
            : $"""
              SELECT 1 WHERE EXISTS (SELECT 1 FROM "EmailSubscriptions" WHERE "TenantId" IN ({ids}))
              OR EXISTS (SELECT 1 FROM "Contracts" AS c JOIN "NotificationEndpoints" AS e ON e."MspId" = c."MspId" WHERE c."CustomerId" IN ({ids}))
              """;
    }

    /// <summary>The event as every channel renders it, and as a webhook receives it (docs/webhooks.md).</summary>
    public static string Payload(NotificationMessage message, string tenantName) => JsonSerializer.Serialize(new NotificationPayload(
        EventName(message.Event), message.OccurredAt, message.Audience, new PayloadTenant(message.TenantId, tenantName),
        message.Incident is { } i ? new PayloadIncident(i.Id, i.Reference, i.Title, i.Severity, i.Status, i.CustomerSummary) : null,
        message.Text, message.Actor)
    {
        Advisory = message.Advisory is { } a ? new PayloadAdvisory(a.Id, a.Provider, a.Title, a.Severity, a.Status, a.Impact) : null,
    }, Json);

    public static string EventName(NotificationEvent e) => e switch
    {
        NotificationEvent.IncidentOpened => "incident.opened",
        NotificationEvent.IncidentStatusChanged => "incident.status_changed",
        NotificationEvent.IncidentSeverityChanged => "incident.severity_changed",
        NotificationEvent.CustomerUpdate => "incident.customer_update",
        NotificationEvent.Escalation => "incident.escalated",
        NotificationEvent.AdvisoryPublished => "advisory.published",
        _ => e.ToString(),
    };
}

public sealed record NotificationPayload(string Event, DateTimeOffset OccurredAt, NotificationAudience Audience, PayloadTenant Tenant, PayloadIncident? Incident, string? Text, string? Actor)
{
    /// <summary>Only in advisory events (whose <see cref="Incident"/> is null); left out of incident events, which read as before.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PayloadAdvisory? Advisory { get; init; }
}

public sealed record PayloadTenant(Guid Id, string Name);

public sealed record PayloadIncident(Guid Id, string Reference, string Title, Severity Severity, IncidentStatus Status, string? CustomerSummary);

public sealed record PayloadAdvisory(Guid Id, string Provider, string Title, Severity Severity, AdvisoryStatus Status, string Impact);
