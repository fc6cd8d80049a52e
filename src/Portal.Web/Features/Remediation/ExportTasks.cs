using Mediator;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline;

namespace Portal.Features.Remediation;

/// <summary>
/// An incident's task list as CSV. The handler checks access like any query and returns the rows as a stream from the
/// database (read while the response is written, never gathered in memory); <see cref="TaskCsv"/> writes them with Sep.
/// </summary>
[Requires(Permission.WorkRemediation)]
public sealed record ExportTasks(Guid IncidentId) : IQuery<TaskExport>, IIncidentRequest;

public sealed record TaskExport(string FileName, IAsyncEnumerable<TaskExportRow> Rows);

public sealed record TaskExportRow(Guid TaskId, string Title, string? Hostname, string? ExternalId, string? Site, string? OperatingSystem, string? Tags,
    RemediationState State, string? Reason, string? Assignee, DateTimeOffset UpdatedAt);

public sealed class ExportTasksHandler(PortalDbContext db) : IQueryHandler<ExportTasks, TaskExport>
{
    public async ValueTask<TaskExport> Handle(ExportTasks query, CancellationToken cancellationToken)
    {
        var incident = await db.LoadIncidentAsync(query.IncidentId, cancellationToken);
        var rows = from t in db.RemediationTasks.AsNoTracking()
                   where t.IncidentId == query.IncidentId
                   join d in db.Devices.AsNoTracking() on t.DeviceId equals d.Id into devices
                   from d in devices.DefaultIfEmpty()
                   orderby t.Id
                   select new TaskExportRow(t.Id, d == null ? t.Title : d.Hostname, d == null ? null : d.Hostname, d == null ? null : d.ExternalId, d == null ? null : d.Site,
                       d == null ? null : d.OperatingSystem, d == null ? null : d.Tags, t.State, t.Reason, t.AssigneeName, t.UpdatedAt);
        return new TaskExport($"{incident.Reference}-tasks.csv", rows.AsAsyncEnumerable());
    }
}
