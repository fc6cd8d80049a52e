using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline;

namespace Portal.Features.People;

/// <summary>The organisation's audit log, newest first, a page at a time (keyset on (At, Id): no OFFSET). Its admins only.</summary>
[Requires(Permission.ManagePeople)]
public sealed record ListAuditEntries(Guid OrganisationId, string? Cursor = null, int Limit = 50) : IQuery<AuditPage>, IOrganisationRequest
{
    public const string CursorKind = "audit";
    public const int MaxLimit = 500;
}

public sealed class ListAuditEntriesValidator : AbstractValidator<ListAuditEntries>
{
    public ListAuditEntriesValidator()
    {
        RuleFor(q => q.Limit).InclusiveBetween(1, ListAuditEntries.MaxLimit).WithMessage($"The limit must be between 1 and {ListAuditEntries.MaxLimit}.").OverridePropertyName("limit");
    }
}

public sealed class ListAuditEntriesHandler(PortalDbContext db) : IQueryHandler<ListAuditEntries, AuditPage>
{
    public async ValueTask<AuditPage> Handle(ListAuditEntries query, CancellationToken cancellationToken)
    {
        // A platform admin passes the access check for any id: a missing organisation is 404 here.
        if (!await db.Organisations.AnyAsync(o => o.Id == query.OrganisationId, cancellationToken)) throw new NotFoundException("organisation", query.OrganisationId);
        var entries = db.AuditEntries.AsNoTracking().Where(a => a.OrganisationId == query.OrganisationId);
        if (KeysetCursor.DecodeAt(ListAuditEntries.CursorKind, query.Cursor) is var (at, id))
        {
            entries = entries.Where(a => a.At < at || (a.At == at && a.Id.CompareTo(id) < 0));
        }
        var page = await entries.OrderByDescending(a => a.At).ThenByDescending(a => a.Id).Take(query.Limit + 1)
            .Select(a => new AuditEntryView(a.Id, a.At, a.ActorUserId, a.ActorName, a.Action, a.Detail))
            .ToListAsync(cancellationToken);
        var items = page.Take(query.Limit).ToList();
        var next = page.Count > query.Limit ? KeysetCursor.EncodeAt(ListAuditEntries.CursorKind, items[^1].At, items[^1].Id) : null;
        return new AuditPage(items, next);
    }
}
