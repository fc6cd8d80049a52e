using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Notifications;

public sealed record DeliveryAttemptView(Guid Id, Guid MessageId, Guid TenantId, Guid? IncidentId, string Event, NotificationChannel Channel, string Target,
    int Attempt, DateTimeOffset At, DeliveryOutcome Outcome, int? StatusCode, string? Error, long DurationMs);

/// <summary>A page of the log, newest first; <see cref="Next"/> is the opaque cursor of the next page (null: the end).</summary>
public sealed record DeliveryPage(IReadOnlyList<DeliveryAttemptView> Items, string? Next);

/// <summary>
/// The delivery log of an MSP (its lead): every try for the tenants it manages — its own endpoints' and the tenants' emails —
/// never another MSP's endpoints. Keyset-paged by the attempt's id (version 7: time order), no OFFSET and no COUNT.
/// </summary>
[Requires(Permission.ReadDeliveryLog)]
public sealed record ListDeliveries(Guid MspId, Guid? TenantId, string? Cursor, int Limit) : IQuery<DeliveryPage>, IOptionalTenantRequest;

public sealed class ListDeliveriesHandler(PortalDbContext db, CurrentUser currentUser, TimeProvider clock) : IQueryHandler<ListDeliveries, DeliveryPage>
{
    public const int MaxLimit = 200;

    public async ValueTask<DeliveryPage> Handle(ListDeliveries query, CancellationToken cancellationToken)
    {
        MspAccess.Require(currentUser.Required, query.MspId, Permission.ReadDeliveryLog);
        if (query.Limit is < 1 or > MaxLimit) throw new InvalidValueException("invalid_limit", $"limit must be between 1 and {MaxLimit}.");
        Guid? after = null;
        if (query.Cursor is { Length: > 0 } cursor)
            after = Guid.TryParseExact(cursor, "N", out var id) ? id : throw new InvalidValueException("invalid_cursor", "The cursor is not one this list gave out.");
        var now = clock.GetUtcNow();
        var tenants = db.Contracts.Where(c => c.MspId == query.MspId && c.StartedAt <= now && (c.EndedAt == null || c.EndedAt > now)).Select(c => c.CustomerId);
        var rows = db.DeliveryAttempts.AsNoTracking()
            .Where(a => tenants.Contains(a.TenantId) && (a.MspId == null || a.MspId == query.MspId));
        if (query.TenantId is { } tenantId) rows = rows.Where(a => a.TenantId == tenantId);
        if (after is { } a0) rows = rows.Where(a => a.Id.CompareTo(a0) < 0);
        var page = await rows.OrderByDescending(a => a.Id).Take(query.Limit + 1)
            .Select(a => new DeliveryAttemptView(a.Id, a.MessageId, a.TenantId, a.IncidentId, a.Event.ToString(), a.Channel, a.Target, a.Attempt, a.At, a.Outcome, a.StatusCode, a.Error, a.DurationMs))
            .ToListAsync(cancellationToken);
        var more = page.Count > query.Limit;
        if (more) page.RemoveAt(page.Count - 1);
        return new DeliveryPage([.. page.Select(v => v with { Event = Outbox.EventName(Enum.Parse<NotificationEvent>(v.Event)) })], more ? page[^1].Id.ToString("N") : null);
    }
}
