using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.CustomerStatus;

/// <summary>The customer's live status of its tenant (also what an MSP sees when it looks through the customer's eyes).</summary>
/// <param name="AtLeastSequence">A live client that has seen customer stream event N asks for N, so a snapshot built before it is not served.</param>
[Requires(Permission.ReadIncidents)]
public sealed record GetCustomerStatus(Guid TenantId, long? AtLeastSequence = null) : IQuery<CustomerStatusSnapshot>, ITenantRequest;

public sealed class GetCustomerStatusHandler(PortalDbContext db, CurrentUser currentUser, CustomerStatusCache cache, TimeProvider clock)
    : IQueryHandler<GetCustomerStatus, CustomerStatusSnapshot>
{
    public const int UpdatesPerIncident = 5;
    public static readonly TimeSpan ResolvedShownFor = TimeSpan.FromHours(24);

    public async ValueTask<CustomerStatusSnapshot> Handle(GetCustomerStatus query, CancellationToken cancellationToken)
    {
        // Built only when needed: touching db.Organisations initialises the DbContext, which a cache hit should not pay.
        IQueryable<long> TenantSequence() => db.Organisations.Where(o => o.Id == query.TenantId).Select(o => o.LastCustomerStreamSequence);
        if (cache.TryGet(query.TenantId, out var cached))
        {
            if (query.AtLeastSequence is not { } wanted || cached.View.Sequence >= wanted) return cached;
            // Asked for a newer event (made on another instance?): one scalar read tells whether it exists.
            // A number that does not exist yet gets the cached view, so a made-up one cannot force rebuilds.
            if (await TenantSequence().SingleAsync(cancellationToken) <= cached.View.Sequence) return cached;
        }

        // Readers that missed together: the first rebuilds, the others take its snapshot.
        using var rebuild = await cache.EnterRebuildAsync(query.TenantId, cancellationToken);
        if (cache.TryGet(query.TenantId, out cached) && (query.AtLeastSequence is not { } atLeast || cached.View.Sequence >= atLeast)) return cached;

        var generation = cache.Generation(query.TenantId);
        var now = clock.GetUtcNow();
        // Read first: a change committed while the rest is read is then included, or caught by the next ask.
        var sequence = await TenantSequence().SingleAsync(cancellationToken);
        var shownSince = now - ResolvedShownFor;
        var incidents = await db.Incidents.AsNoTracking()
            .Where(i => i.TenantId == query.TenantId && i.Status != IncidentStatus.Closed)
            .OrderBy(i => i.Severity).ThenBy(i => i.CreatedAt)
            .ToListAsync(cancellationToken);
        incidents = [.. incidents.Where(i => i.IsOpen || i.ResolvedAt >= shownSince)];

        var ids = incidents.Select(i => i.Id).ToList();
        // Explicitly customer-visible: an MSP user building this view could otherwise read internal notes.
        var updates = await db.TimelineEntries.AsNoTracking()
            .Where(e => ids.Contains(e.IncidentId) && e.Visibility == NoteVisibility.Customer)
            .OrderByDescending(e => e.Sequence)
            .Select(e => new { e.IncidentId, e.Sequence, e.At, e.ActorName, e.Text })
            .ToListAsync(cancellationToken);
        var updatesByIncident = updates.ToLookup(u => u.IncidentId);

        var view = new CustomerStatusView(
            query.TenantId,
            currentUser.Required.Tenants[query.TenantId].Name,
            now,
            sequence,
            incidents.Count(i => i.IsOpen),
            [.. incidents.Select(i => new CustomerIncidentView(
                i.Id, i.Reference, i.Title, i.CustomerSummary, i.Severity, i.Status, i.AssigneeName, i.CreatedAt, i.UpdatedAt, i.ResolvedAt,
                [.. updatesByIncident[i.Id].Take(UpdatesPerIncident).Select(u => new CustomerUpdateView(u.Sequence, u.At, u.ActorName, u.Text))]))]);
        return cache.Store(view, generation);
    }
}
