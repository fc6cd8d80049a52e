using System.Globalization;
using nietras.SeparatedValues;
using Portal.Infrastructure.Text;

namespace Portal.Features.Reports;

/// <summary>The reports as CSV (Sep), every text cell through <see cref="SpreadsheetText.Cell"/>.</summary>
public static class ReportCsv
{
    public static async Task WriteTimelineAsync(Stream body, IncidentReportView report, CancellationToken ct)
    {
        await using var writer = Sep.New(',').Writer(o => o with { Escape = true }).To(body, leaveOpen: true);
        foreach (var name in new[] { "incident", "at", "actor", "kind", "visibility", "text" }) writer.Header.Add(name);
        if (report.Timeline.Count == 0) await writer.Header.WriteAsync(ct);
        foreach (var e in report.Timeline)
        {
            await using var row = writer.NewRow(ct);
            row["incident"].Set(report.Reference);
            row["at"].Set(Iso(e.At));
            row["actor"].Set(SpreadsheetText.Cell(e.Actor));
            row["kind"].Set(e.Kind.ToString());
            row["visibility"].Set(e.Visibility.ToString());
            row["text"].Set(SpreadsheetText.Cell(e.Text));
        }
    }

    public static async Task WriteResponseTimesAsync(Stream body, ResponseTimesView times, CancellationToken ct)
    {
        await using var writer = Sep.New(',').Writer(o => o with { Escape = true }).To(body, leaveOpen: true);
        string[] header = ["group", "tenant", "severity", "from", "to", "opened", "acknowledged", "mean_seconds_to_acknowledge", "median_seconds_to_acknowledge",
            "resolved", "mean_seconds_to_resolve", "median_seconds_to_resolve", "missed_acknowledge_target", "missed_resolve_target"];
        foreach (var name in header) writer.Header.Add(name);
        foreach (var (group, r) in new[] { ("all", times.All) }.Concat(times.BySeverity.Select(r => ("severity", r))).Concat(times.ByTenant.Select(r => ("tenant", r))))
        {
            await using var row = writer.NewRow(ct);
            row["group"].Set(group);
            row["tenant"].Set(group == "tenant" ? SpreadsheetText.Cell(r.Label) : "");
            row["severity"].Set(r.Severity?.ToString() ?? "");
            row["from"].Set(Iso(times.From));
            row["to"].Set(Iso(times.To));
            row["opened"].Set(Number(r.Opened));
            row["acknowledged"].Set(Number(r.Acknowledged));
            row["mean_seconds_to_acknowledge"].Set(Number(r.MeanSecondsToAcknowledge));
            row["median_seconds_to_acknowledge"].Set(Number(r.MedianSecondsToAcknowledge));
            row["resolved"].Set(Number(r.Resolved));
            row["mean_seconds_to_resolve"].Set(Number(r.MeanSecondsToResolve));
            row["median_seconds_to_resolve"].Set(Number(r.MedianSecondsToResolve));
            row["missed_acknowledge_target"].Set(Number(r.MissedAcknowledge));
            row["missed_resolve_target"].Set(Number(r.MissedResolve));
        }
    }

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static string Number(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";
}
