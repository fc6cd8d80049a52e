using Portal.IntegrationTests.Escalations;

namespace Portal.IntegrationTests.Reports;

public sealed record MilestoneDto(DateTimeOffset? At, long? SecondsAfterOpening, DateTimeOffset? DueAt, bool? MetTarget);

public sealed record ReportEntryDto(DateTimeOffset At, string Actor, string Kind, string Visibility, string Text);

public sealed record IncidentReportDto(Guid IncidentId, string Reference, string Title, Guid TenantId, string TenantName, string Severity, string Status,
    string? CustomerSummary, string? Assignee, string? AdvisoryTitle, DateTimeOffset OpenedAt, string OpenedBy, MilestoneDto Acknowledged, MilestoneDto Resolved,
    DateTimeOffset? ClosedAt, int? EscalationLevelsFired, object? Tasks, bool CustomerVisibleOnly, ReportEntryDto[] Timeline, DateTimeOffset GeneratedAt);

public sealed record ResponseTimesRowDto(string Label, Guid? TenantId, string? Severity, int Opened, int Acknowledged, long? MeanSecondsToAcknowledge,
    long? MedianSecondsToAcknowledge, int Resolved, long? MeanSecondsToResolve, long? MedianSecondsToResolve, int? MissedAcknowledge, int? MissedResolve);

public sealed record ReportedIncidentDto(Guid Id, string Reference, string Title, string TenantName, string Severity, string Status, DateTimeOffset OpenedAt,
    long? SecondsToAcknowledge, long? SecondsToResolve);

public sealed record ResponseTimesDto(DateTimeOffset From, DateTimeOffset To, bool ShowsTargets, ResponseTimesRowDto All, ResponseTimesRowDto[] BySeverity,
    ResponseTimesRowDto[] ByTenant, ReportedIncidentDto[] Incidents, int IncidentsLeftOut);

/// <summary>
/// Reporting on the clock the test moves (the escalation tests' app: its own instance per class, so the times are exact):
/// the post-incident report's milestones against the targets, what a customer's report leaves out, MTTA/MTTR over a period
/// by severity and tenant, the CSV exports (formula-safe), the refusals, and no crossing between tenants or MSPs.
/// </summary>
public abstract class ReportTests(EscalationApp app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private Guid Northwind => app.Demo.TenantId(DemoDirectory.Northwind);
    private Guid Fabrikam => app.Demo.TenantId("Fabrikam Health");
    private const string Formula = "=HYPERLINK(\"https://evil.example\",\"open\") internal only";

    private static async Task<T> GetAsync<T>(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url, Ct);
        return await response.ReadAsync<T>();
    }

    [Fact]
    public async Task The_post_incident_report_times_each_milestone_against_its_target_and_a_customer_reads_only_what_is_theirs()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(Northwind, "Report: kiosks down", "Sev2", "Kiosks at the main site are down.");
        created.Dispose();
        app.Clock.Advance(TimeSpan.FromMinutes(7));
        await maya.AcknowledgeAsync(incident.Id);
        await maya.AddNoteAsync(incident.Id, Formula, "Internal");
        await maya.AddNoteAsync(incident.Id, "Front desk back within the hour.", "Customer");
        app.Clock.Advance(TimeSpan.FromMinutes(53));
        await maya.ChangeStatusAsync(incident.Id, "Resolved", "All kiosks are back.");

        var mine = await GetAsync<IncidentReportDto>(maya, $"/api/v1/incidents/{incident.Id}/report");
        mine.Reference.ShouldBe(incident.Reference);
        mine.OpenedBy.ShouldBe("Maya Chen");
        (mine.Acknowledged.SecondsAfterOpening, mine.Acknowledged.MetTarget).ShouldBe((420L, (bool?)true));
        mine.Acknowledged.DueAt.ShouldNotBeNull("Sev2 is to be acknowledged within 30 minutes");
        (mine.Resolved.SecondsAfterOpening, mine.Resolved.MetTarget).ShouldBe((3600L, (bool?)true));
        mine.EscalationLevelsFired.ShouldBe(0);
        mine.CustomerVisibleOnly.ShouldBeFalse();
        mine.Timeline.ShouldContain(e => e.Text == Formula && e.Visibility == "Internal");
        mine.Timeline.Select(e => e.Kind).ShouldBe(["Opened", "Acknowledged", "Note", "Note", "StatusChanged"]);

        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        var theirs = await GetAsync<IncidentReportDto>(olivia, $"/api/v1/incidents/{incident.Id}/report");
        theirs.Acknowledged.SecondsAfterOpening.ShouldBe(420L);
        (theirs.Acknowledged.DueAt, theirs.Acknowledged.MetTarget, theirs.Resolved.DueAt, theirs.EscalationLevelsFired).ShouldBe((null, null, null, null),
            "the targets and escalations are the MSP's");
        theirs.CustomerVisibleOnly.ShouldBeTrue();
        theirs.Timeline.ShouldAllBe(e => e.Visibility == "Customer");
        theirs.Timeline.ShouldContain(e => e.Text == "Front desk back within the hour.");

        // The CSV: the MSP's keeps the internal note as text a spreadsheet will not run; the customer's has none of it.
        var csv = await maya.GetStringAsync($"/api/v1/incidents/{incident.Id}/report.csv", Ct);
        csv.Split('\n')[0].TrimEnd('\r').ShouldBe("incident,at,actor,kind,visibility,text");
        csv.ShouldContain("'=HYPERLINK");
        csv.ShouldNotContain(",=HYPERLINK");
        csv.ShouldNotContain(",\"=HYPERLINK");
        (await olivia.GetStringAsync($"/api/v1/incidents/{incident.Id}/report.csv", Ct)).ShouldNotContain("HYPERLINK");

        // The page: the customer's shows no internal note.
        var page = await olivia.GetStringAsync($"/incidents/{incident.Id}/report", Ct);
        page.ShouldContain("Post-incident report");
        page.ShouldNotContain("internal only");

        // Another tenant's customer, another MSP and a provider find nothing, by API, CSV or page.
        foreach (var outsider in new[] { DemoDirectory.Hana, DemoDirectory.Ines, DemoDirectory.Priya })
        {
            var client = await app.ClientForAsync(outsider);
            foreach (var url in new[] { $"/api/v1/incidents/{incident.Id}/report", $"/api/v1/incidents/{incident.Id}/report.csv" })
            {
                using var response = await client.GetAsync(url, Ct);
                await response.ReadProblemAsync(HttpStatusCode.NotFound);
            }
            using var html = await client.GetAsync($"/incidents/{incident.Id}/report", Ct);
            html.StatusCode.ShouldBe(HttpStatusCode.NotFound, outsider);
            var text = await html.Content.ReadAsStringAsync(Ct);
            text.ShouldContain("No such incident");
            text.ShouldNotContain(incident.Title);
        }
    }

    [Fact]
    public async Task Response_times_give_MTTA_and_MTTR_by_severity_and_tenant_over_the_period_and_each_reader_counts_only_their_tenants()
    {
        app.Clock.Advance(TimeSpan.FromDays(2)); // everything earlier (the demo, the other test) is before the period
        var from = app.Clock.GetUtcNow();
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        async Task<IncidentDto> OpenAsync(Guid tenant, string severity)
        {
            var (incident, response) = await maya.CreateIncidentAsync(tenant, $"Response times {severity}", severity);
            response.Dispose();
            return incident;
        }
        var a = await OpenAsync(Northwind, "Sev1");
        var b = await OpenAsync(Northwind, "Sev1");
        var c = await OpenAsync(Fabrikam, "Sev2");
        app.Clock.Advance(TimeSpan.FromMinutes(4));
        await maya.AcknowledgeAsync(a.Id);
        app.Clock.Advance(TimeSpan.FromMinutes(6));
        await maya.AcknowledgeAsync(b.Id);
        app.Clock.Advance(TimeSpan.FromMinutes(50)); // c is now 60 minutes old and unacknowledged: past its 30-minute target
        await maya.ChangeStatusAsync(a.Id, "Resolved", "Fixed.");
        var period = $"from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(app.Clock.GetUtcNow().AddSeconds(1).ToString("O"))}";

        var harbor = await GetAsync<ResponseTimesDto>(maya, $"/api/v1/reports/response-times?{period}");
        harbor.ShowsTargets.ShouldBeTrue();
        harbor.All.ShouldBe(new ResponseTimesRowDto("All incidents", null, null, 3, 2, 420, 420, 1, 3600, 3600, 1, 0));
        harbor.BySeverity.Select(r => (r.Severity, r.Opened, r.Acknowledged, r.MeanSecondsToAcknowledge, r.MissedAcknowledge))
            .ShouldBe([("Sev1", 2, 2, (long?)420, (int?)0), ("Sev2", 1, 0, null, 1)]);
        harbor.ByTenant.Select(r => (r.Label, r.Opened, r.MeanSecondsToAcknowledge)).ShouldBe([("Fabrikam Health", 1, (long?)null), ("Northwind Airways", 2, 420)]);
        harbor.Incidents.Select(i => i.Id).ShouldBe([a.Id, b.Id, c.Id], ignoreOrder: true);
        harbor.Incidents.Single(i => i.Id == a.Id).ShouldSatisfyAllConditions(i => i.SecondsToAcknowledge.ShouldBe(240), i => i.SecondsToResolve.ShouldBe(3600));

        // The same period written with other offsets is the same period (it used to count 2 or 0 on SQLite and be a 500 on PostgreSQL).
        foreach (var offset in new[] { TimeSpan.FromHours(2), TimeSpan.FromHours(-5), TimeSpan.FromMinutes(330) })
        {
            var shifted = $"from={Uri.EscapeDataString(from.ToOffset(offset).ToString("O"))}&to={Uri.EscapeDataString(app.Clock.GetUtcNow().AddSeconds(1).ToOffset(offset).ToString("O"))}";
            var same = await GetAsync<ResponseTimesDto>(maya, $"/api/v1/reports/response-times?{shifted}");
            same.All.ShouldBe(harbor.All, $"offset {offset}");
            (same.From, same.To).ShouldBe((harbor.From, harbor.To), $"offset {offset}");
        }

        // Northwind's customer: its own two incidents, no targets.
        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        var northwind = await GetAsync<ResponseTimesDto>(olivia, $"/api/v1/reports/response-times?{period}");
        northwind.ShowsTargets.ShouldBeFalse();
        northwind.All.ShouldBe(new ResponseTimesRowDto("All incidents", null, null, 2, 2, 420, 420, 1, 3600, 3600, null, null));
        northwind.ByTenant.ShouldHaveSingleItem().TenantId.ShouldBe(Northwind);
        northwind.Incidents.Select(i => i.Id).ShouldBe([a.Id, b.Id], ignoreOrder: true);

        // Another MSP counts none of Harbor's.
        var ines = await app.ClientForAsync(DemoDirectory.Ines);
        var bluepeak = await GetAsync<ResponseTimesDto>(ines, $"/api/v1/reports/response-times?{period}");
        (bluepeak.All.Opened, bluepeak.ByTenant.Length, bluepeak.Incidents.Length).ShouldBe((0, 0, 0));

        // The figures as CSV: one row overall, per severity, per tenant.
        var csv = (await maya.GetStringAsync($"/api/v1/reports/response-times.csv?{period}", Ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        csv[0].ShouldBe("group,tenant,severity,from,to,opened,acknowledged,mean_seconds_to_acknowledge,median_seconds_to_acknowledge,resolved,"
                        + "mean_seconds_to_resolve,median_seconds_to_resolve,missed_acknowledge_target,missed_resolve_target");
        csv.Count.ShouldBe(1 + 1 + 2 + 2);
        csv.ShouldContain(l => l.StartsWith("tenant,Northwind Airways,,", StringComparison.Ordinal) && l.EndsWith(",2,2,420,420,1,3600,3600,0,0", StringComparison.Ordinal));

        // The page lists them, and links each to its report.
        var page = await maya.GetStringAsync("/reports?days=7", Ct);
        page.ShouldContain($"/incidents/{c.Id}/report");
    }

    [Fact]
    public async Task A_period_that_ends_before_it_starts_or_spans_more_than_a_year_is_refused_by_field()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        using (var backwards = await maya.GetAsync("/api/v1/reports/response-times?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z", Ct))
            (await backwards.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.Keys.ShouldContain("to");
        using (var tooLong = await maya.GetAsync("/api/v1/reports/response-times?from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", Ct))
            (await tooLong.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.Keys.ShouldContain("from");
        using (var fromAlone = await maya.GetAsync($"/api/v1/reports/response-times?from={Uri.EscapeDataString(app.Clock.GetUtcNow().AddDays(-400).ToString("O"))}", Ct))
            (await fromAlone.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.Keys.ShouldContain("from"); // to is now: still more than a year
        using (var garbage = await maya.GetAsync("/api/v1/reports/response-times?from=yesterday", Ct))
            await garbage.ReadProblemAsync(HttpStatusCode.BadRequest);
        var provider = await app.ClientForAsync(DemoDirectory.Priya);
        using (var refused = await provider.GetAsync("/api/v1/reports/response-times", Ct))
            await refused.ReadProblemAsync(HttpStatusCode.Forbidden); // a provider reads no incidents
    }
}

public sealed class ReportTestsOnSqlite(EscalationSqliteApp app) : ReportTests(app), IClassFixture<EscalationSqliteApp>;

public sealed class ReportTestsOnPostgreSql(EscalationPostgresApp app) : ReportTests(app), IClassFixture<EscalationPostgresApp>;
