using System.Globalization;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Features.Remediation;
using Portal.Pipeline;

namespace Portal.Features.People;

/// <summary>The organisation's audit log, newest first, a page at a time (keyset on (At, Id): no OFFSET). Its admins only.</summary>
[Requires(Permission.ManagePeople)]
public sealed record ListAuditEntries(Guid OrganisationId, string? Cursor = null, int Limit = 50) : IQuery<KeysetPage<AuditEntryView>>, IOrganisationRequest
{
    public const string CursorKind = "audit";

    /// <summary>The key of a row as its cursor holds it: UTC ticks and id.</summary>
    public static string KeyOf(DateTimeOffset at, Guid id) => $"{at.UtcTicks.ToString(CultureInfo.InvariantCulture)}|{id}";

    public static bool TryParseKey(string? key, out DateTimeOffset at, out Guid id)
    {
        at = default;
        id = default;
        var parts = key?.Split('|');
        if (parts is not { Length: 2 } || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks || !Guid.TryParse(parts[1], out id)) return false;
        at = new DateTimeOffset(ticks, TimeSpan.Zero);
        return true;
    }
}

public sealed class ListAuditEntriesValidator : AbstractValidator<ListAuditEntries>
{
    public ListAuditEntriesValidator()
    {
        RuleFor(q => q.Limit).InclusiveBetween(1, KeysetCursor.MaxLimit).WithMessage($"The limit must be between 1 and {KeysetCursor.MaxLimit}.").OverridePropertyName("limit");
        RuleFor(q => q.Cursor).Must(c => KeysetCursor.IsValid(ListAuditEntries.CursorKind, c)
                                         && (c is null || ListAuditEntries.TryParseKey(KeysetCursor.Decode(ListAuditEntries.CursorKind, c), out _, out _)))
            .WithMessage("The cursor is not one this list gave out; send the 'next' value of the previous page, or none for the first page.").OverridePropertyName("cursor");
    }
}

public sealed class ListAuditEntriesHandler(PortalDbContext db) : IQueryHandler<ListAuditEntries, KeysetPage<AuditEntryView>>
{
    public async ValueTask<KeysetPage<AuditEntryView>> Handle(ListAuditEntries query, CancellationToken cancellationToken)
    {
        // A platform admin passes the access check for any id: a missing organisation is 404 here.
        if (!await db.Organisations.AnyAsync(o => o.Id == query.OrganisationId, cancellationToken)) throw new NotFoundException("organisation", query.OrganisationId);
        var entries = db.AuditEntries.AsNoTracking().Where(a => a.OrganisationId == query.OrganisationId);
        if (ListAuditEntries.TryParseKey(KeysetCursor.Decode(ListAuditEntries.CursorKind, query.Cursor), out var at, out var id))
        {
            entries = entries.Where(a => a.At < at || (a.At == at && a.Id.CompareTo(id) < 0));
        }
        var page = await entries.OrderByDescending(a => a.At).ThenByDescending(a => a.Id).Take(query.Limit + 1)
            .Select(a => new AuditEntryView(a.Id, a.At, a.ActorUserId, a.ActorName, a.Action, a.Detail))
            .ToListAsync(cancellationToken);
        var items = page.Take(query.Limit).ToList();
        var next = page.Count > query.Limit ? KeysetCursor.Encode(ListAuditEntries.CursorKind, ListAuditEntries.KeyOf(items[^1].At, items[^1].Id)) : null;
        return new KeysetPage<AuditEntryView>(items, next);
    }
}
