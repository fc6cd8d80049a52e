using nietras.SeparatedValues;
using Portal.Infrastructure.Text;

namespace Portal.Features.Remediation;

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
