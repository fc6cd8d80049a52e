using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Incidents;

/// <summary>
/// The incident's history, oldest first. With <paramref name="Newest"/>, only that many of its newest entries, and with
/// <paramref name="Before"/> only those numbered below it: a long incident read a page at a time from its end (an RMM tool's
/// bulk updates add an entry each; the incident page, refreshed on every change, shows the newest 100). A customer's query
/// filter leaves out internal notes before anything is counted.
/// </summary>
[Requires(Permission.ReadIncidents)]
public sealed record GetIncidentTimeline(Guid IncidentId, int? Newest = null, int? Before = null) : IQuery<IReadOnlyList<TimelineEntryView>>, IIncidentRequest;

public sealed class GetIncidentTimelineValidator : AbstractValidator<GetIncidentTimeline>
{
    public const int MaxNewest = 1000;

    public GetIncidentTimelineValidator()
    {
        RuleFor(q => q.Newest).InclusiveBetween(1, MaxNewest).When(q => q.Newest is not null)
            .WithMessage($"The limit must be between 1 and {MaxNewest}.").OverridePropertyName("limit");
        RuleFor(q => q.Before).GreaterThan(0).When(q => q.Before is not null)
            .WithMessage("before is an entry's sequence number (1 or more): send the sequence of the oldest entry you have.").OverridePropertyName("before");
    }
}

public sealed class GetIncidentTimelineHandler(PortalDbContext db, CurrentUser currentUser) : IQueryHandler<GetIncidentTimeline, IReadOnlyList<TimelineEntryView>>
{
    public async ValueTask<IReadOnlyList<TimelineEntryView>> Handle(GetIncidentTimeline query, CancellationToken cancellationToken)
    {
        var ofIncident = db.TimelineEntries.AsNoTracking().Where(e => e.IncidentId == query.IncidentId);
        if (query.Before is { } before)
        {
            // A customer was given the customer numbering (TimelineEntryView.ForCustomer): compared with the full one, paging
            // skipped entries and told where internal notes sit.
            var tenantId = await db.Incidents.AsNoTracking().Where(i => i.Id == query.IncidentId).Select(i => i.TenantId).SingleAsync(cancellationToken);
            ofIncident = currentUser.Required.AccessTo(tenantId) == TenantAccess.Msp
                ? ofIncident.Where(e => e.Sequence < before)
                : ofIncident.Where(e => e.CustomerSequence < before);
        }
        var entries = query.Newest is { } newest
            ? [.. (await ofIncident.OrderByDescending(e => e.Sequence).Take(newest).ToListAsync(cancellationToken)).AsEnumerable().Reverse()]
            : await ofIncident.OrderBy(e => e.Sequence).ToListAsync(cancellationToken);
        if (entries.Count == 0) return [];
        var access = currentUser.Required.AccessTo(entries[0].TenantId);
        return [.. entries.Select(e => TimelineEntryView.For(e, access))];
    }
}
