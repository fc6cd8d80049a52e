namespace Portal.IntegrationTests.Incidents;

/// <summary>
/// <c>POST /api/v1/incidents/acknowledge</c>: many new incidents acknowledged in one call, each exactly as on its own (its
/// transaction, its access check), so a refused one is reported with its own problem and stops none of the others; another
/// MSP's incident is "not found" like a missing one and stays as it was; a customer or provider is refused before any; and the
/// list is checked at the edge. Both databases.
/// </summary>
public abstract class AcknowledgeIncidentsTests(PortalApp app)
{
    private sealed record RefusalDto(Guid IncidentId, int Status, string Title, string? Detail, string? Code);
    private sealed record OutcomeDto(IncidentDto[] Acknowledged, RefusalDto[] Refused);

    private const string Url = "/api/v1/incidents/acknowledge";

    private async Task<IncidentDto> NewIncidentAsync(string email, string tenant, string title)
    {
        var (incident, response) = await (await app.ClientForAsync(email)).CreateIncidentAsync(app.Demo.TenantId(tenant), $"{title} {Guid.NewGuid():N}", "Sev1");
        response.Dispose();
        return incident;
    }

    [Fact]
    public async Task Each_is_acknowledged_as_on_its_own_and_a_refused_one_stops_none_of_the_others()
    {
        var northwind = await NewIncidentAsync(DemoDirectory.Maya, DemoDirectory.Northwind, "Bulk ack kiosks");
        var fabrikam = await NewIncidentAsync(DemoDirectory.Maya, "Fabrikam Health", "Bulk ack wards");
        var already = await NewIncidentAsync(DemoDirectory.Maya, "Tailspin Logistics", "Bulk ack depots");
        var woodgrove = await NewIncidentAsync(DemoDirectory.Ines, "Woodgrove Bank", "Bulk ack branches"); // Bluepeak's: not Maya's
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        using (var first = await maya.PostJsonAsync($"/api/v1/incidents/{already.Id}/acknowledge", null)) first.StatusCode.ShouldBe(HttpStatusCode.OK);
        var woodgroveBefore = await app.StateOfAsync(woodgrove.Id);
        var missing = Guid.NewGuid();

        using var response = await maya.PostJsonAsync(Url, new { incidentIds = new[] { northwind.Id, woodgrove.Id, already.Id, fabrikam.Id, missing, northwind.Id } });
        var outcome = await response.ReadAsync<OutcomeDto>();

        outcome.Acknowledged.Select(i => i.Id).ShouldBe([northwind.Id, fabrikam.Id], "in the order asked, each once");
        outcome.Acknowledged.ShouldAllBe(i => i.Status == "Acknowledged" && i.AcknowledgedAt != null);
        foreach (var id in new[] { northwind.Id, fabrikam.Id })
        {
            var state = await app.StateOfAsync(id);
            state.Status.ShouldBe(Portal.Domain.IncidentStatus.Acknowledged);
            state.Timeline.ShouldContain("Acknowledged by Maya");
        }
        outcome.Refused.Select(r => (r.IncidentId, r.Status)).ShouldBe([(woodgrove.Id, 404), (already.Id, 409), (missing, 404)]);
        outcome.Refused[1].Code.ShouldBe("already_acknowledged");
        outcome.Refused[1].Detail.ShouldNotBeNull().ShouldContain(already.Reference);
        // Another MSP's incident is refused exactly like one that does not exist, and nothing of it leaks.
        outcome.Refused[0].Title.ShouldBe(outcome.Refused[2].Title);
        outcome.Refused[0].Title.ShouldBe("No such incident");
        var json = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        json.ShouldNotContain(woodgrove.Reference);
        json.ShouldNotContain("Bulk ack branches");
        (await app.StateOfAsync(woodgrove.Id)).ShouldBe(woodgroveBefore);
    }

    [Fact]
    public async Task Whoever_has_no_triage_queue_is_refused_before_any_and_nothing_changes()
    {
        var incident = await NewIncidentAsync(DemoDirectory.Maya, DemoDirectory.Northwind, "Bulk ack refused");
        var before = await app.StateOfAsync(incident.Id);
        foreach (var (client, status) in new[]
                 {
                     (await app.ClientForAsync(DemoDirectory.Noah), HttpStatusCode.Forbidden),   // Northwind's own customer
                     (await app.ClientForAsync(DemoDirectory.Olivia), HttpStatusCode.Forbidden),
                     (await app.ClientForAsync(DemoDirectory.Priya), HttpStatusCode.Forbidden),  // a provider
                     (await app.ClientForAsync(DemoDirectory.Ada), HttpStatusCode.Forbidden),    // the platform's administrator
                     (app.Anonymous(), HttpStatusCode.Unauthorized),
                 })
        {
            using var response = await client.PostJsonAsync(Url, new { incidentIds = new[] { incident.Id } });
            var problem = await response.ReadProblemAsync(status);
            problem.Raw.ShouldNotContain(incident.Reference);
        }
        (await app.StateOfAsync(incident.Id)).ShouldBe(before);
    }

    [Fact]
    public async Task The_list_is_checked_at_the_edge()
    {
        var incident = await NewIncidentAsync(DemoDirectory.Maya, DemoDirectory.Northwind, "Bulk ack limits");
        var before = await app.StateOfAsync(incident.Id);
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var tooMany = Enumerable.Range(0, 100).Select(_ => Guid.NewGuid()).Append(incident.Id).ToArray();
        foreach (var body in new[]
                 {
                     """{"incidentIds":[]}""", "{}", """{"incidentIds":null}""",
                     $$"""{"incidentIds":["{{Guid.Empty}}","{{incident.Id}}"]}""",
                     System.Text.Json.JsonSerializer.Serialize(new { incidentIds = tooMany }, Api.Json),
                 })
        {
            using var response = await maya.SendRawAsync(HttpMethod.Post, Url, body);
            var problem = await response.ReadProblemAsync(HttpStatusCode.BadRequest);
            problem.Errors.ShouldContainKey("incidentIds", body.Length > 80 ? body[..80] : body);
        }
        foreach (var body in new[] { """{"incidentIds":["not-a-guid"]}""", """{"incidentIds":"x"}""", "[", "" })
        {
            using var response = await maya.SendRawAsync(HttpMethod.Post, Url, body);
            await response.ReadProblemAsync(HttpStatusCode.BadRequest);
        }
        (await app.StateOfAsync(incident.Id)).ShouldBe(before);
    }
}

public sealed class AcknowledgeIncidentsTestsOnSqlite(SqliteApp app) : AcknowledgeIncidentsTests(app), IClassFixture<SqliteApp>;

public sealed class AcknowledgeIncidentsTestsOnPostgreSql(PostgresApp app) : AcknowledgeIncidentsTests(app), IClassFixture<PostgresApp>;
