using System.Buffers.Text;
using System.Globalization;
using System.Text;
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

    /// <summary>The key of a row as its cursor holds it: UTC ticks and id.</summary>
    public static string KeyOf(DateTimeOffset at, Guid id) => $"{at.UtcTicks.ToString(CultureInfo.InvariantCulture)}|{id}";

    public const int MaxLimit = 500;

    /// <summary>An opaque cursor: the last row's key, base64url-encoded with the list's kind (a task list's cursor is not one of these).</summary>
    public static string Encode(DateTimeOffset at, Guid id) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{CursorKind}:{KeyOf(at, id)}"));

    public static bool TryDecode(string? cursor, out DateTimeOffset at, out Guid id)
    {
        at = default;
        id = default;
        if (string.IsNullOrEmpty(cursor)) return false;
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            return text.StartsWith(CursorKind + ":", StringComparison.Ordinal) && TryParseKey(text[(CursorKind.Length + 1)..], out at, out id);
        }
        catch (FormatException)
        {
            return false;
        }
    }

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
        RuleFor(q => q.Limit).InclusiveBetween(1, ListAuditEntries.MaxLimit).WithMessage($"The limit must be between 1 and {ListAuditEntries.MaxLimit}.").OverridePropertyName("limit");
        RuleFor(q => q.Cursor).Must(c => string.IsNullOrEmpty(c) || ListAuditEntries.TryDecode(c, out _, out _))
            .WithMessage("The cursor is not one this list gave out; send the 'next' value of the previous page, or none for the first page.").OverridePropertyName("cursor");
    }
}

public sealed class ListAuditEntriesHandler(PortalDbContext db) : IQueryHandler<ListAuditEntries, AuditPage>
{
    public async ValueTask<AuditPage> Handle(ListAuditEntries query, CancellationToken cancellationToken)
    {
        // A platform admin passes the access check for any id: a missing organisation is 404 here.
        if (!await db.Organisations.AnyAsync(o => o.Id == query.OrganisationId, cancellationToken)) throw new NotFoundException("organisation", query.OrganisationId);
        var entries = db.AuditEntries.AsNoTracking().Where(a => a.OrganisationId == query.OrganisationId);
        if (ListAuditEntries.TryDecode(query.Cursor, out var at, out var id))
        {
            entries = entries.Where(a => a.At < at || (a.At == at && a.Id.CompareTo(id) < 0));
        }
        var page = await entries.OrderByDescending(a => a.At).ThenByDescending(a => a.Id).Take(query.Limit + 1)
            .Select(a => new AuditEntryView(a.Id, a.At, a.ActorUserId, a.ActorName, a.Action, a.Detail))
            .ToListAsync(cancellationToken);
        var items = page.Take(query.Limit).ToList();
        var next = page.Count > query.Limit ? ListAuditEntries.Encode(items[^1].At, items[^1].Id) : null;
        return new AuditPage(items, next);
    }
}
