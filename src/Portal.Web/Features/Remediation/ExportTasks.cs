using Mediator;
using Microsoft.EntityFrameworkCore;
using nietras.SeparatedValues;
using Portal.Data;
using Portal.Domain;
using Portal.Infrastructure.Text;
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
                   select new TaskExportRow(t.Id, t.Title, d == null ? null : d.Hostname, d == null ? null : d.ExternalId, d == null ? null : d.Site,
                       d == null ? null : d.OperatingSystem, d == null ? null : d.Tags, t.State, t.Reason, t.AssigneeName, t.UpdatedAt);
        return new TaskExport($"{incident.Reference}-tasks.csv", rows.AsAsyncEnumerable());
    }
}

/// <summary>
/// Writes the export. Every text cell goes through <see cref="SpreadsheetText.Cell"/> (no formula a spreadsheet would
/// evaluate); Sep quotes cells that hold separators, quotes or line breaks.
/// </summary>
public static class TaskCsv
{
    public static readonly string[] Header =
        ["task_id", "title", "hostname", "external_id", "site", "os", "tags", "state", "reason", "assignee", "updated_at"];

    public static async Task WriteAsync(Stream body, IAsyncEnumerable<TaskExportRow> rows, CancellationToken ct)
    {
        await using var writer = Sep.New(',').Writer(o => o with { Escape = true }).To(body, leaveOpen: true);
        foreach (var name in Header) writer.Header.Add(name);
        var any = false;
        await foreach (var r in rows.WithCancellation(ct))
        {
            any = true;
            await WriteRowAsync(writer, r, ct);
        }
        if (!any) await writer.Header.WriteAsync(ct);
    }

    private static async ValueTask WriteRowAsync(SepWriter writer, TaskExportRow r, CancellationToken ct)
    {
        await using var row = writer.NewRow(ct);
        row["task_id"].Set(r.TaskId.ToString());
        row["title"].Set(Cell(r.Title));
        row["hostname"].Set(Cell(r.Hostname));
        row["external_id"].Set(Cell(r.ExternalId));
        row["site"].Set(Cell(r.Site));
        row["os"].Set(Cell(r.OperatingSystem));
        row["tags"].Set(Cell(r.Tags?.Trim(',').Replace(",", ";", StringComparison.Ordinal)));
        row["state"].Set(r.State.ToString());
        row["reason"].Set(Cell(r.Reason));
        row["assignee"].Set(Cell(r.Assignee));
        row["updated_at"].Set(r.UpdatedAt.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The cell as text a spreadsheet will not evaluate.</summary>
    public static string Cell(string? value) => SpreadsheetText.Cell(value);
}
