using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;
using Severity = Portal.Domain.Severity;

namespace Portal.Features.Incidents;

/// <summary>
/// The triage queue and search: every incident the user may see (the query filters decide), narrowed by
/// tenant, status, severity, assignee, text and, for MSP people, whether it is past a target (overdue: still New after its
/// acknowledgement was due, or open after its resolution was due); most severe first, then oldest first. Paged by number
/// (<see cref="Page"/>, an OFFSET: the triage page's numbered pages) or by <see cref="Cursor"/>, the key of the last row seen:
/// a client reading the whole queue while incidents arrive and resolve (an outage) neither skips nor repeats one.
/// </summary>
[Requires(Permission.ReadIncidents)]
public sealed record ListIncidents(
    Guid? TenantId = null,
    IReadOnlyList<IncidentStatus>? Statuses = null,
    IReadOnlyList<Severity>? Severities = null,
    Guid? AssigneeId = null,
    bool? OpenOnly = null, // true: open only; false: resolved and closed only; null: all
    string? Text = null,
    int Page = 1,
    int PageSize = 50,
    bool? Unassigned = null,
    bool? Overdue = null,
    string? Cursor = null) : IQuery<PageOf<IncidentView>>, IOptionalTenantRequest
{
    public const string CursorKind = "incident";

    public const int MaxPageSize = 200;

    /// <summary>Far past any real list; it keeps the rows skipped, (page − 1) × page size, inside a 32-bit OFFSET.</summary>
    public const int MaxPage = 1_000_000;

    /// <summary>The severity, time and id of the row a cursor follows, or null for none; a cursor this list did not give is a 400.</summary>
    internal static (Severity Severity, DateTimeOffset At, Guid Id)? After(string? cursor) =>
        KeysetCursor.DecodeRankAt(CursorKind, cursor) switch
        {
            null => null,
            var (rank, at, id) when Enum.IsDefined((Severity)rank) => ((Severity)rank, at, id),
            _ => throw new ValidationException([new FluentValidation.Results.ValidationFailure("cursor", "The cursor is not one this list gave out.")]),
        };
}

public sealed class ListIncidentsValidator : AbstractValidator<ListIncidents>
{
    public ListIncidentsValidator()
    {
        RuleFor(q => q.Page).GreaterThanOrEqualTo(1).WithMessage("Pages start at 1.")
            .LessThanOrEqualTo(ListIncidents.MaxPage).WithMessage($"The page may be at most {ListIncidents.MaxPage:N0}.");
        RuleFor(q => q.PageSize).InclusiveBetween(1, ListIncidents.MaxPageSize).WithMessage($"The page size must be between 1 and {ListIncidents.MaxPageSize}.");
        // Errors are named after the query parameters the client sent (status, severity, q), not the message's properties.
        RuleForEach(q => q.Statuses).IsInEnum().WithMessage($"Status must be one of: {string.Join(", ", Enum.GetNames<IncidentStatus>())}.")
            .OverridePropertyName("status");
        RuleForEach(q => q.Severities).IsInEnum().WithMessage("Severity must be Sev1, Sev2, Sev3 or Sev4.").OverridePropertyName("severity");
        RuleFor(q => q.Text).MaximumLength(200).WithMessage("Search text may be at most 200 characters.").OverridePropertyName("q");
        RuleFor(q => q.Cursor).Must(BeOneThisListGave).OverridePropertyName("cursor")
            .WithMessage("The cursor is not one this list gave out; send the 'next' value of the previous page, or none for the first page.");
        RuleFor(q => q.Page).Equal(1).When(q => q.Cursor is not null).OverridePropertyName("page")
            .WithMessage("Send either page or cursor: a cursor carries its own position.");
    }

    private static bool BeOneThisListGave(string? cursor)
    {
        try
        {
            return cursor is null || ListIncidents.After(cursor) is not null;
        }
        catch (ValidationException)
        {
            return false;
        }
    }
}

public sealed class ListIncidentsHandler(PortalDbContext db, CurrentUser currentUser, TimeProvider clock) : IQueryHandler<ListIncidents, PageOf<IncidentView>>
{
    public async ValueTask<PageOf<IncidentView>> Handle(ListIncidents query, CancellationToken cancellationToken)
    {
        var user = currentUser.Required;
        var incidents = db.Incidents.AsNoTracking();
        if (query.Overdue == true)
        {
            // Targets are the MSP's (a customer never sees them, nor may learn them from a filter): its tenants only.
            var mspTenants = user.FullAccessTenants;
            if (mspTenants.Count == 0) throw new NotPermittedException("Only your MSP sees targets and which incidents are past them.");
            var now = clock.GetUtcNow();
            incidents = incidents.Where(i => mspTenants.Contains(i.TenantId) && (
                (i.Status == IncidentStatus.New && i.AcknowledgeDueAt != null && i.AcknowledgeDueAt <= now)
                || (i.Status != IncidentStatus.Resolved && i.Status != IncidentStatus.Closed && i.ResolveDueAt != null && i.ResolveDueAt <= now)));
        }
        if (query.TenantId is { } tenantId) incidents = incidents.Where(i => i.TenantId == tenantId);
        if (query.Statuses is { Count: > 0 } statuses) incidents = incidents.Where(i => statuses.Contains(i.Status));
        if (query.Severities is { Count: > 0 } severities) incidents = incidents.Where(i => severities.Contains(i.Severity));
        if (query.AssigneeId is { } assigneeId) incidents = incidents.Where(i => i.AssigneeId == assigneeId);
        if (query.Unassigned == true) incidents = incidents.Where(i => i.AssigneeId == null);
        if (query.OpenOnly == true) incidents = incidents.Where(i => i.Status != IncidentStatus.Resolved && i.Status != IncidentStatus.Closed);
        if (query.OpenOnly == false) incidents = incidents.Where(i => i.Status == IncidentStatus.Resolved || i.Status == IncidentStatus.Closed);
        if (!string.IsNullOrWhiteSpace(query.Text))
        {
            var text = query.Text.Trim().ToLower();
            incidents = incidents.Where(i => i.Title.ToLower().Contains(text) || i.Reference.ToLower().Contains(text));
        }

        var total = await incidents.CountAsync(cancellationToken);
        if (ListIncidents.After(query.Cursor) is var (severity, at, id))
        {
            // After the cursor's row in the list's order. Severity is stored as its name, so "less severe" is a set, not a '>'.
            var lessSevere = Enum.GetValues<Severity>().Where(s => s > severity).ToList();
            incidents = incidents.Where(i => EF.Constant(lessSevere).Contains(i.Severity)
                || (i.Severity == severity && (i.CreatedAt > at || (i.CreatedAt == at && i.Id.CompareTo(id) > 0))));
        }
        var ordered = incidents.OrderBy(i => i.Severity).ThenBy(i => i.CreatedAt).ThenBy(i => i.Id);
        var rows = await (query.Cursor is null ? ordered.Skip((query.Page - 1) * query.PageSize) : ordered)
            .Take(query.PageSize + 1).ToListAsync(cancellationToken);

        var page = rows.Take(query.PageSize).ToList();
        var next = rows.Count > query.PageSize
            ? KeysetCursor.EncodeRankAt(ListIncidents.CursorKind, (int)page[^1].Severity, page[^1].CreatedAt, page[^1].Id)
            : null;
        var tenants = user.Tenants;
        return new PageOf<IncidentView>([.. page.Select(i => IncidentView.From(i, tenants[i.TenantId].Name, user.AccessTo(i.TenantId)))], query.Page, query.PageSize, total, next);
    }
}
