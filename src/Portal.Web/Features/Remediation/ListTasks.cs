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

public sealed class ListTasksHandler(PortalDbContext db) : IQueryHandler<ListTasks, KeysetPage<TaskView>>
{
    public async ValueTask<KeysetPage<TaskView>> Handle(ListTasks query, CancellationToken cancellationToken)
    {
        var tasks = db.RemediationTasks.AsNoTracking().Where(t => t.IncidentId == query.IncidentId);
        // Inlined (at most six names, so few query shapes): as one JSON parameter (the context's collection mode) SQLite walked the
        // incident's whole (IncidentId, Id) index, 0.4 s for the four Failed tasks of a 1,000,000-task incident, where the
        // (IncidentId, State, Id) index finds them at once; the page refetches it on every live change.
        if (query.States is { Count: > 0 } states) tasks = tasks.Where(t => EF.Constant(states).Contains(t.State));
        // One engineer's few tasks among a million through the partial (IncidentId, AssigneeId, Id) index, which holds assigned tasks
        // only; the unassigned, usually most of them, are found along (IncidentId, Id).
        if (query.AssigneeId is { } assignee) tasks = tasks.Where(t => t.AssigneeId == assignee);
        if (query.Unassigned == true) tasks = tasks.Where(t => t.AssigneeId == null);
        if (KeysetCursor.Decode(ListTasks.CursorKind, query.Cursor) is { } after)
        {
            var afterId = Guid.Parse(after);
            tasks = tasks.Where(t => t.Id.CompareTo(afterId) > 0);
        }

        var rows = from t in tasks
                   join d in db.Devices.AsNoTracking() on t.DeviceId equals d.Id into devices
                   from d in devices.DefaultIfEmpty()
                   select new { Task = t, Device = d };
        if (!string.IsNullOrWhiteSpace(query.Site))
        {
            var site = query.Site.Trim().ToLowerInvariant();
            rows = rows.Where(r => r.Device != null && r.Device.Site != null && r.Device.Site.ToLower() == site);
        }
        if (!string.IsNullOrWhiteSpace(query.Tag))
        {
            var tag = "," + query.Tag.Trim().ToLowerInvariant() + ",";
            rows = rows.Where(r => r.Device != null && r.Device.Tags.Contains(tag));
        }
        if (!string.IsNullOrWhiteSpace(query.Text))
        {
            // A hostname prefix; free tasks match on their title.
            var text = query.Text.Trim().ToLowerInvariant();
            rows = rows.Where(r => r.Device != null ? r.Device.Hostname.ToLower().StartsWith(text) : r.Task.Title.ToLower().StartsWith(text));
        }

        var page = await rows.OrderBy(r => r.Task.Id).Take(query.Limit + 1).ToListAsync(cancellationToken);
        var items = page.Take(query.Limit).Select(r => TaskView.From(r.Task, r.Device)).ToList();
        var next = page.Count > query.Limit ? KeysetCursor.Encode(ListTasks.CursorKind, items[^1].Id.ToString()) : null;
        return new KeysetPage<TaskView>(items, next);
    }
}
