using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Text;
using Portal.Pipeline;

namespace Portal.Features.Advisories;

/// <summary>One advisory with its updates, for whoever may see it (its provider, MSP people, the customers it targets).</summary>
[Requires(Permission.ReadAdvisories)]
public sealed record GetAdvisory(Guid AdvisoryId) : IQuery<AdvisoryView>, IAdvisoryRequest;

public sealed class GetAdvisoryHandler(PortalDbContext db, SafeMarkdown markdown) : IQueryHandler<GetAdvisory, AdvisoryView>
{
    public async ValueTask<AdvisoryView> Handle(GetAdvisory query, CancellationToken cancellationToken) =>
        await AdvisoryReads.ViewAsync(db, markdown, query.AdvisoryId, cancellationToken);
}

/// <summary>Every revision of the content, oldest first: edits keep history.</summary>
[Requires(Permission.ReadAdvisories)]
public sealed record GetAdvisoryRevisions(Guid AdvisoryId) : IQuery<IReadOnlyList<AdvisoryRevisionView>>, IAdvisoryRequest;

public sealed class GetAdvisoryRevisionsHandler(PortalDbContext db) : IQueryHandler<GetAdvisoryRevisions, IReadOnlyList<AdvisoryRevisionView>>
{
    public async ValueTask<IReadOnlyList<AdvisoryRevisionView>> Handle(GetAdvisoryRevisions query, CancellationToken cancellationToken)
    {
        var revisions = await db.AdvisoryRevisions.AsNoTracking().Where(r => r.AdvisoryId == query.AdvisoryId).OrderBy(r => r.Number).ToListAsync(cancellationToken);
        return [.. revisions.Select(r => new AdvisoryRevisionView(r.Number, r.Title, r.Severity, r.Impact, r.Runbook,
            [.. r.ServiceIds.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Guid.Parse)],
            r.Regions.Split(',', StringSplitOptions.RemoveEmptyEntries), r.AuthorName, r.At))];
    }
}

/// <summary>
/// The advisories one may see, newest first: a provider its own, MSP people every published one, a customer those that
/// target its tenants (the query filters decide). Optionally one provider's, or only those not resolved. Keyset-paged on
/// (PublishedAt, Id), no OFFSET: <see cref="AdvisoryList.Next"/> is the cursor of the older ones, null on the last page.
/// </summary>
[Requires(Permission.ReadAdvisories)]
public sealed record ListAdvisories(Guid? ProviderId = null, bool? Open = null, int Limit = 100, string? Cursor = null) : IQuery<AdvisoryList>
{
    public const int MaxLimit = 500;
    public const string CursorKind = "advisories";
}

/// <summary>A page of <see cref="ListAdvisories"/>; the API answers <see cref="Items"/> as its body and <see cref="Next"/> in a <c>Link</c> header.</summary>
public sealed record AdvisoryList(IReadOnlyList<AdvisorySummary> Items, string? Next);

public sealed class ListAdvisoriesHandler(PortalDbContext db) : IQueryHandler<ListAdvisories, AdvisoryList>
{
    public async ValueTask<AdvisoryList> Handle(ListAdvisories query, CancellationToken cancellationToken)
    {
        if (query.Limit is < 1 or > ListAdvisories.MaxLimit) throw new InvalidValueException("invalid_limit", $"limit must be between 1 and {ListAdvisories.MaxLimit}.");
        var after = KeysetCursor.DecodeAt(ListAdvisories.CursorKind, query.Cursor);
        var advisories = db.Advisories.AsNoTracking();
        if (query.ProviderId is { } provider) advisories = advisories.Where(a => a.ProviderId == provider);
        if (query.Open == true) advisories = advisories.Where(a => a.Status != AdvisoryStatus.Resolved);
        if (query.Open == false) advisories = advisories.Where(a => a.Status == AdvisoryStatus.Resolved);
        if (after is var (at, id)) advisories = advisories.Where(a => a.PublishedAt < at || (a.PublishedAt == at && a.Id.CompareTo(id) < 0));
        var rows = await advisories.OrderByDescending(a => a.PublishedAt).ThenByDescending(a => a.Id).Take(query.Limit + 1)
            .Select(a => new AdvisorySummary(a.Id, a.ProviderId, db.Organisations.Where(o => o.Id == a.ProviderId).Select(o => o.Name).First(),
                a.Title, a.Severity, a.Status, a.PublishedAt, a.UpdatedAt, a.UpdateCount))
            .ToListAsync(cancellationToken);
        var items = rows.Take(query.Limit).ToList();
        return new AdvisoryList(items, rows.Count > query.Limit ? KeysetCursor.EncodeAt(ListAdvisories.CursorKind, items[^1].PublishedAt, items[^1].Id) : null);
    }
}
