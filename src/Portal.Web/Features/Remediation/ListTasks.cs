using System.Data.SqlTypes;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline;

namespace Portal.Features.Remediation;

/// <summary>
/// An incident's tasks in creation order (ids are version 7 GUIDs), keyset-paged on the id so the first page of a
/// 50,000-task incident reads one index range; filtered by state(s), the device's site or tag, or a hostname prefix.
/// </summary>
[Requires(Permission.WorkRemediation)]
public sealed record ListTasks(Guid IncidentId, IReadOnlyList<RemediationState>? States = null, string? Site = null, string? Tag = null, string? Text = null,
    string? Cursor = null, int Limit = 100, Guid? AssigneeId = null, bool? Unassigned = null) : IQuery<KeysetPage<TaskView>>, IIncidentRequest
{
    public const string CursorKind = "task";
}

public sealed class ListTasksValidator : AbstractValidator<ListTasks>
{
    public ListTasksValidator()
    {
        RuleFor(q => q.Limit).InclusiveBetween(1, KeysetCursor.MaxLimit).WithMessage($"The limit must be between 1 and {KeysetCursor.MaxLimit}.").OverridePropertyName("limit");
        RuleForEach(q => q.States).IsInEnum().WithMessage($"State must be one of: {string.Join(", ", Enum.GetNames<RemediationState>())}.").OverridePropertyName("state");
        RuleFor(q => q.Site).MaximumLength(Device.SiteMaxLength).OverridePropertyName("site");
        RuleFor(q => q.Tag).MaximumLength(Device.TagsMaxLength).Must(t => t is null || !t.Contains(',')).WithMessage("Filter by one tag (no commas).").OverridePropertyName("tag");
        RuleFor(q => q.Text).MaximumLength(Device.HostnameMaxLength).OverridePropertyName("q");
        RuleFor(q => q.Unassigned).Must(u => u != true).When(q => q.AssigneeId is not null)
            .WithMessage("Ask for one person's tasks (assigneeId) or for the unassigned ones, not both.").OverridePropertyName("unassigned");
        RuleFor(q => q.Cursor).Must(c => KeysetCursor.IsValid(ListTasks.CursorKind, c) && (c is null || Guid.TryParse(KeysetCursor.Decode(ListTasks.CursorKind, c), out _)))
            .WithMessage("The cursor is not one this list gave out; send the 'next' value of the previous page, or none for the first page.").OverridePropertyName("cursor");
    }
}

public sealed class ListTasksHandler(PortalDbContext db, IConfiguration configuration) : IQueryHandler<ListTasks, KeysetPage<TaskView>>
{
    /// <summary>
    /// A hostname prefix matching at most this many of the tenant's devices (default 1,000) is looked up device first
    /// (<see cref="FewHostsAsync"/>); more, and the incident's tasks are walked in id order.
    /// </summary>
    public const string DeviceFirstUpToSetting = "Remediation:TaskSearch:DeviceFirstUpTo";

    private int FewHosts => configuration.GetValue(DeviceFirstUpToSetting, 1000);

    public async ValueTask<KeysetPage<TaskView>> Handle(ListTasks query, CancellationToken cancellationToken)
    {
        var ofIncident = db.RemediationTasks.AsNoTracking().Where(t => t.IncidentId == query.IncidentId);
        Guid? afterId = KeysetCursor.Decode(ListTasks.CursorKind, query.Cursor) is { } after ? Guid.Parse(after) : null;
        var site = string.IsNullOrWhiteSpace(query.Site) ? null : query.Site.Trim().ToLowerInvariant();
        var tag = string.IsNullOrWhiteSpace(query.Tag) ? null : "," + query.Tag.Trim().ToLowerInvariant() + ",";
        var text = string.IsNullOrWhiteSpace(query.Text) ? null : query.Text.Trim().ToLowerInvariant();
        if (text is not null && await FewHostsAsync(query, ofIncident, afterId, site, tag, text, cancellationToken) is { } found) return found;

        var tasks = ofIncident;
        // Inlined (at most six names, so few query shapes): as one JSON parameter (the context's collection mode) SQLite walked the
        // incident's whole (IncidentId, Id) index, 0.4 s for the four Failed tasks of a 1,000,000-task incident, where the
        // (IncidentId, State, Id) index finds them at once; the page refetches it on every live change.
        if (query.States is { Count: > 0 } states) tasks = tasks.Where(t => EF.Constant(states).Contains(t.State));
        // One engineer's few tasks among a million through the partial (IncidentId, AssigneeId, Id) index, which holds assigned tasks
        // only; the unassigned, usually most of them, are found along (IncidentId, Id).
        if (query.AssigneeId is { } assignee) tasks = tasks.Where(t => t.AssigneeId == assignee);
        if (query.Unassigned == true) tasks = tasks.Where(t => t.AssigneeId == null);
        if (afterId is { } cursor) tasks = tasks.Where(t => t.Id.CompareTo(cursor) > 0);
        var rows = from t in tasks
                   join d in db.Devices.AsNoTracking() on t.DeviceId equals d.Id into devices
                   from d in devices.DefaultIfEmpty()
                   select new { Task = t, Device = d };
        if (site is not null) rows = rows.Where(r => r.Device != null && r.Device.Site != null && r.Device.Site.ToLower() == site);
        if (tag is not null) rows = rows.Where(r => r.Device != null && r.Device.Tags.Contains(tag));
        // A hostname prefix; free tasks match on their title.
        if (text is not null) rows = rows.Where(r => r.Device != null ? r.Device.Hostname.ToLower().StartsWith(text) : r.Task.Title.ToLower().StartsWith(text));

        var page = await rows.OrderBy(r => r.Task.Id).Take(query.Limit + 1).ToListAsync(cancellationToken);
        return Page(query, [.. page.Select(r => (r.Task, r.Device))]);
    }

    /// <summary>
    /// A hostname prefix that few of the tenant's devices match (the engineer looking for the machine a customer is calling
    /// about), answered device first: the matching devices through the (TenantId, Hostname) index, then their tasks through
    /// (IncidentId, DeviceId), and the incident's free tasks by title through (IncidentId, DeviceId IS NULL). Walking the incident's
    /// tasks in id order and looking each one's device up took 14 s for one hostname among 1,000,000 tasks on SQLite, 0.26 s since
    /// (docs/benchmarks.md, "The task list's hostname search"). Null when
    /// more than <see cref="FewHosts"/> devices match: their tasks are many, and the walk in id order finds a page of them soon.
    /// </summary>
    private async Task<KeysetPage<TaskView>?> FewHostsAsync(ListTasks query, IQueryable<RemediationTask> ofIncident, Guid? afterId, string? site, string? tag, string text,
        CancellationToken ct)
    {
        var tenantId = (await db.LoadIncidentAsync(query.IncidentId, ct)).TenantId; // loaded by the access check
        var devices = db.Devices.AsNoTracking().Where(d => d.TenantId == tenantId && d.Hostname.ToLower().StartsWith(text));
        if (site is not null) devices = devices.Where(d => d.Site != null && d.Site.ToLower() == site);
        if (tag is not null) devices = devices.Where(d => d.Tags.Contains(tag));
        // Ordered by hostname so that SQLite walks the (TenantId, Hostname) index, which holds what the prefix is compared with,
        // instead of reading every device's row by (TenantId, Id).
        var few = FewHosts;
        var matching = await devices.OrderBy(d => d.Hostname).Take(few + 1).ToDictionaryAsync(d => d.Id, ct);
        if (matching.Count > few) return null;

        // The few tasks are filtered, ordered and paged here: given a state, an assignee, the cursor or the order, SQLite would
        // walk the incident's tasks by that index (every Pending one, or all in id order) instead of finding these by device.
        List<Guid?> ids = [.. matching.Keys.Select(id => (Guid?)id)];
        List<(RemediationTask Task, Device? Device)> rows = [.. (await ofIncident.Where(t => ids.Contains(t.DeviceId)).ToListAsync(ct)).Select(t => (t, (Device?)matching[t.DeviceId!.Value]))];
        if (site is null && tag is null)
        {
            var free = await ofIncident.Where(t => t.DeviceId == null && t.Title.ToLower().StartsWith(text)).ToListAsync(ct);
            rows.AddRange(free.Select(t => (t, (Device?)null)));
        }
        var order = DatabaseIdOrder;
        bool Wanted(RemediationTask t) =>
            (query.States is not { Count: > 0 } states || states.Contains(t.State))
            && (query.AssigneeId is not { } assignee || t.AssigneeId == assignee)
            && (query.Unassigned != true || t.AssigneeId is null)
            && (afterId is not { } cursor || order.Compare(t.Id, cursor) > 0);
        return Page(query, [.. rows.Where(r => Wanted(r.Task)).OrderBy(r => r.Task.Id, order).Take(query.Limit + 1)]);
    }

    /// <summary>
    /// The order the database gives ids in (its ORDER BY, and the cursor's "after"), for a page sorted here: SQLite's text and
    /// PostgreSQL's uuid order are <see cref="Guid"/>'s own; SQL Server compares uniqueidentifiers its own way (<see cref="SqlGuid"/>).
    /// </summary>
    private IComparer<Guid> DatabaseIdOrder => db.ProviderName == PortalDbContext.SqlServerProvider
        ? Comparer<Guid>.Create(static (a, b) => new SqlGuid(a).CompareTo(new SqlGuid(b)))
        : Comparer<Guid>.Default;

    private static KeysetPage<TaskView> Page(ListTasks query, List<(RemediationTask Task, Device? Device)> page)
    {
        var items = page.Take(query.Limit).Select(r => TaskView.From(r.Task, r.Device)).ToList();
        var next = page.Count > query.Limit ? KeysetCursor.Encode(ListTasks.CursorKind, items[^1].Id.ToString()) : null;
        return new KeysetPage<TaskView>(items, next);
    }
}
