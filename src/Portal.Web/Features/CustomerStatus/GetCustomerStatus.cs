using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Infrastructure.Text;
using Portal.Pipeline;

namespace Portal.Features.CustomerStatus;

/// <summary>The customer's live status of its tenant (also what an MSP sees when it looks through the customer's eyes).</summary>
/// <param name="AtLeastSequence">A live client that has seen customer stream event N asks for N, so a snapshot built before it is not served.</param>
[Requires(Permission.ReadIncidents)]
public sealed record GetCustomerStatus(Guid TenantId, long? AtLeastSequence = null) : IQuery<CustomerStatusSnapshot>, ITenantRequest;

/// <remarks>
/// The context is resolved only on a miss: constructing a DbContext showed up as a noticeable share of the
/// CPU of a cache hit, which is nearly every request during an outage.
/// </remarks>
public sealed class GetCustomerStatusHandler(IServiceProvider services, CurrentUser currentUser, CustomerStatusCache cache, TimeProvider clock, SafeMarkdown markdown)
    : IQueryHandler<GetCustomerStatus, CustomerStatusSnapshot>
{
    public const int UpdatesPerIncident = 5;
    public static readonly TimeSpan ResolvedShownFor = TimeSpan.FromHours(24);

    /// <summary>A resolved advisory stays on the status page this long (the outage it describes is often still being cleaned up).</summary>
    public static readonly TimeSpan ResolvedAdvisoriesShownFor = TimeSpan.FromDays(7);

    /// <summary>At most this many advisories on a status page (the open ones come first).</summary>
    public const int AdvisoriesShown = 20;

    public async ValueTask<CustomerStatusSnapshot> Handle(GetCustomerStatus query, CancellationToken cancellationToken)
    {
        PortalDbContext Db() => services.GetRequiredService<PortalDbContext>();
        IQueryable<long> TenantSequence() => Db().Organisations.Where(o => o.Id == query.TenantId).Select(o => o.LastCustomerStreamSequence);

        if (cache.TryGet(query.TenantId, out var cached))
        {
            if (query.AtLeastSequence is not { } wanted || cached.View.Sequence >= wanted) return cached;
            // Asked for a newer event (made on another instance?): one scalar read tells whether it exists.
            // A number that does not exist yet gets the cached view, so a made-up one cannot force rebuilds.
            if (await TenantSequence().SingleAsync(cancellationToken) <= cached.View.Sequence) return cached;
        }

        // Readers that missed together: the first rebuilds, the others take its snapshot.
        using var rebuild = await cache.EnterRebuildAsync(query.TenantId, cancellationToken);
        if (cache.TryGet(query.TenantId, out cached, recheck: true) && Includes(cached)) return cached;
        // Rebuilt while this reader waited, by a rebuild that began after it arrived: as fresh as this reader needs, kept or not.
        if (rebuild.Finished is { } finished && Includes(finished)) return finished;
        bool Includes(CustomerStatusSnapshot snapshot) => query.AtLeastSequence is not { } atLeast || snapshot.View.Sequence >= atLeast;

        rebuild.Begin();

        var generation = cache.GenerationOf(query.TenantId);
        var now = clock.GetUtcNow();
        var shownSince = now - ResolvedShownFor;
        var advisoriesSince = now - ResolvedAdvisoriesShownFor;
        // One query per rebuild: the tenant's stream number, its open and recently resolved incidents, each one's
        // remediation counters and latest customer-visible updates (explicitly: an MSP building this view could read internal notes),
        // and the advisories that target the tenant (explicitly by target: an MSP's scope sees every published advisory) with each
        // one's provider and latest update. The two lists are joined side by side, so the rows are their product: a handful of
        // advisories per tenant keeps that small, and it stays one round trip per change.
        var db = Db();
        var tenant = await db.Organisations.AsNoTracking().AsSingleQuery() // one query by choice (above), said so
            .Where(o => o.Id == query.TenantId)
            .Select(o => new
            {
                o.LastCustomerStreamSequence,
                Incidents = db.Incidents
                    // Open ones, and those resolved in the window, closed since or not: closing a few minutes after resolving
                    // used to take the incident off the page at once, the "recently resolved" record with it.
                    .Where(i => i.TenantId == o.Id
                                && (i.Status != IncidentStatus.Resolved && i.Status != IncidentStatus.Closed || i.ResolvedAt >= shownSince))
                    .OrderBy(i => i.Severity).ThenBy(i => i.CreatedAt)
                    .Select(i => new
                    {
                        i.Id, i.Reference, i.Title, i.CustomerSummary, i.Severity, i.Status, i.AssigneeName, i.CreatedAt, i.UpdatedAt, i.ResolvedAt,
                        // Remediation summaries are left to the progress line: a bulk update every few minutes would otherwise push
                        // the MSP's own words off the card (the incident's timeline still lists them).
                        Updates = db.TimelineEntries
                            .Where(e => e.IncidentId == i.Id && e.Visibility == NoteVisibility.Customer && e.Kind != TimelineEntryKind.Remediation)
                            .OrderByDescending(e => e.Sequence)
                            .Take(UpdatesPerIncident)
                            .Select(e => new { Sequence = e.CustomerSequence ?? 0, e.At, e.ActorName, e.Text, e.Kind })
                            .ToList(),
                        // No line for an incident whose tasks are free tasks only: the counters count devices.
                        Progress = db.RemediationProgress
                            .Where(p => p.IncidentId == i.Id && p.Pending + p.InProgress + p.Blocked + p.Done + p.Failed + p.NotApplicable > 0)
                            .Select(p => new CustomerProgressView(p.Pending + p.InProgress + p.Blocked + p.Done + p.Failed, p.Done, p.Failed, p.Blocked))
                            .FirstOrDefault(),
                    })
                    .ToList(),
                // Reached through the tenant's target rows (a plain join on the tenant id; SQLite has no APPLY for anything
                // more correlated, nor for a Take here: the window bounds the list, and the page caps it after the query).
                Advisories = db.AdvisoryTargets
                    .Where(t => t.TenantId == o.Id)
                    .Join(db.Advisories, t => t.AdvisoryId, a => a.Id, (t, a) => a)
                    .Where(a => a.Status != AdvisoryStatus.Resolved || a.ResolvedAt >= advisoriesSince)
                    .OrderBy(a => a.Status == AdvisoryStatus.Resolved).ThenByDescending(a => a.UpdatedAt)
                    .Select(a => new
                    {
                        a.Id, a.Title, a.Severity, a.Status, a.Impact, a.PublishedAt, a.UpdatedAt, a.ResolvedAt,
                        Provider = db.Organisations.Where(p => p.Id == a.ProviderId).Select(p => p.Name).FirstOrDefault(),
                        // The latest update is the one numbered UpdateCount (1, 2, 3… without gaps): a list of at most one,
                        // because FirstOrDefault here would need APPLY too.
                        Latest = db.AdvisoryUpdates
                            .Where(u => u.AdvisoryId == a.Id && u.Number == a.UpdateCount)
                            .Select(u => new { u.Number, u.Status, u.At, u.AuthorName, u.Text })
                            .ToList(),
                    })
                    .ToList(),
            })
            .SingleAsync(cancellationToken);

        var view = new CustomerStatusView(
            query.TenantId,
            currentUser.Required.Tenants[query.TenantId].Name,
            now,
            tenant.LastCustomerStreamSequence,
            tenant.Incidents.Count(i => i.Status is not (IncidentStatus.Resolved or IncidentStatus.Closed)),
            [.. tenant.Incidents.Select(i => new CustomerIncidentView(
                i.Id, i.Reference, i.Title, i.CustomerSummary, i.Severity, i.Status, i.AssigneeName, i.CreatedAt, i.UpdatedAt, i.ResolvedAt,
                i.Progress is { Total: > 0 } progress ? progress : null,
                [.. i.Updates.Select(u => new CustomerUpdateView(u.Sequence, u.At, u.ActorName, u.Text, u.Kind == TimelineEntryKind.Advisory ? markdown.ToHtml(u.Text) : null))]))])
        {
            // Rendered to safe HTML once per snapshot, not per reader.
            Advisories = [.. tenant.Advisories.Take(AdvisoriesShown).Select(a => new CustomerAdvisoryView(a.Id, a.Provider ?? "", a.Title, a.Severity, a.Status, a.Impact, a.PublishedAt, a.UpdatedAt,
                    a.ResolvedAt, a.Latest.FirstOrDefault() is { } u ? new CustomerAdvisoryUpdateView(u.Number, u.Status, u.At, u.AuthorName, u.Text, markdown.ToHtml(u.Text)) : null))],
        };
        var snapshot = cache.Store(view, generation);
        rebuild.Finish(snapshot);
        return snapshot;
    }
}
