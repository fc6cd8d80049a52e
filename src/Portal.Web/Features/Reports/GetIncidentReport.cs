using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Auth;
using Portal.Pipeline;

namespace Portal.Features.Reports;

/// <summary>
/// The post-incident report: what happened, how fast it was acknowledged and resolved (against its targets, for the MSP),
/// what the remediation came to, and the whole timeline. Built from what the reader may see: a customer's report holds the
/// customer-visible entries only (the query filters leave the internal ones out) and no escalation clock.
/// </summary>
[Requires(Permission.ReadIncidents)]
public sealed record GetIncidentReport(Guid IncidentId) : IQuery<IncidentReportView>, IIncidentRequest;

public sealed record IncidentReportView(
    Guid IncidentId,
    string Reference,
    string Title,
    Guid TenantId,
    string TenantName,
    Severity Severity,
    IncidentStatus Status,
    string? CustomerSummary,
    string? Assignee,
    string? AdvisoryTitle,
    DateTimeOffset OpenedAt,
    string OpenedBy,
    ReportMilestone Acknowledged,
    ReportMilestone Resolved,
    DateTimeOffset? ClosedAt,
    int? EscalationLevelsFired,
    ReportTasks? Tasks,
    bool CustomerVisibleOnly,
    IReadOnlyList<ReportEntry> Timeline,
    DateTimeOffset GeneratedAt);

/// <summary>
/// When the incident reached a milestone and how long after it was opened; against its target for the MSP (the due time and
/// whether it was met; for an open incident past its due time, not met). Null where it has not happened or is not shown.
/// </summary>
public sealed record ReportMilestone(DateTimeOffset? At, long? SecondsAfterOpening, DateTimeOffset? DueAt, bool? MetTarget)
{
    public static ReportMilestone Of(DateTimeOffset openedAt, DateTimeOffset? at, DateTimeOffset? dueAt, DateTimeOffset now) =>
        new(at, at is { } reached ? (long)(reached - openedAt).TotalSeconds : null, dueAt,
            dueAt is not { } due ? null : at is { } done ? done <= due : now <= due ? null : false);
}

/// <summary>The incident's remediation tasks by outcome (its maintained counters).</summary>
public sealed record ReportTasks(int Total, int Done, int NotApplicable, int Failed, int Blocked, int InProgress, int Pending);

public sealed record ReportEntry(DateTimeOffset At, string Actor, TimelineEntryKind Kind, NoteVisibility Visibility, string Text);

public sealed class GetIncidentReportHandler(PortalDbContext db, CurrentUser currentUser, TimeProvider clock) : IQueryHandler<GetIncidentReport, IncidentReportView>
{
    public async ValueTask<IncidentReportView> Handle(GetIncidentReport query, CancellationToken cancellationToken)
    {
        var incident = await db.Incidents.AsNoTracking().SingleOrDefaultAsync(i => i.Id == query.IncidentId, cancellationToken)
                       ?? throw new NotFoundException("incident", query.IncidentId);
        var user = currentUser.Required;
        var forMsp = user.AccessTo(incident.TenantId) == TenantAccess.Msp;
        var now = clock.GetUtcNow();

        var entries = await db.TimelineEntries.AsNoTracking().Where(e => e.IncidentId == incident.Id).OrderBy(e => e.Sequence)
            .Select(e => new ReportEntry(e.At, e.ActorName, e.Kind, e.Visibility, e.Text)).ToListAsync(cancellationToken);
        var progress = await db.RemediationProgress.AsNoTracking().SingleOrDefaultAsync(p => p.IncidentId == incident.Id, cancellationToken);
        var advisoryTitle = incident.AdvisoryId is { } advisoryId
            ? await db.Advisories.AsNoTracking().Where(a => a.Id == advisoryId).Select(a => a.Title).SingleOrDefaultAsync(cancellationToken)
            : null;

        return new IncidentReportView(incident.Id, incident.Reference, incident.Title, incident.TenantId, user.Tenants[incident.TenantId].Name,
            incident.Severity, incident.Status, incident.CustomerSummary, incident.AssigneeName, advisoryTitle,
            incident.CreatedAt, entries.FirstOrDefault(e => e.Kind == TimelineEntryKind.Opened)?.Actor ?? "",
            ReportMilestone.Of(incident.CreatedAt, incident.AcknowledgedAt, forMsp ? incident.AcknowledgeDueAt : null, now),
            ReportMilestone.Of(incident.CreatedAt, incident.ResolvedAt, forMsp ? incident.ResolveDueAt : null, now),
            incident.ClosedAt,
            forMsp ? incident.AcknowledgeLevel + incident.ResolveLevel : null,
            progress is null || progress.Total == 0 ? null
                : new ReportTasks(progress.Total, progress.Done, progress.NotApplicable, progress.Failed, progress.Blocked, progress.InProgress, progress.Pending),
            !forMsp, entries, now);
    }
}
