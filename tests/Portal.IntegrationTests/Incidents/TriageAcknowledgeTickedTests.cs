using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Portal.Domain;

namespace Portal.IntegrationTests.Incidents;

/// <summary>
/// "Acknowledge ticked" on the triage queue: the new incidents an engineer ticks are acknowledged at once, each as from its own
/// page; one acknowledged by someone else meanwhile, or not the engineer's at all, is said and changes nothing, and does not
/// stop the others. Rows that are not new, and people without a queue, get no box and no way in.
/// </summary>
public abstract partial class TriageAcknowledgeTickedTests(PortalApp app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();

    private static async Task<HttpResponseMessage> PostTickedAsync(HttpClient page, string query, params Guid[] ids)
    {
        var html = await page.GetStringAsync("/triage" + query, Ct);
        using var form = new FormUrlEncodedContent([new("__RequestVerificationToken", AntiforgeryToken().Match(html).Groups[1].Value),
            .. ids.Select(id => new KeyValuePair<string, string>("Selected", id.ToString()))]);
        return await page.PostAsync("/triage" + (query.Length == 0 ? "?" : query + "&") + "handler=Acknowledge", form, Ct);
    }

    [Fact]
    public async Task Ticked_new_incidents_are_acknowledged_at_once_and_the_refused_ones_are_said_without_stopping_the_rest()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        async Task<IncidentDto> OpenAsync(string tenant, string title)
        {
            var (incident, response) = await maya.CreateIncidentAsync(app.Demo.TenantId(tenant), $"{title} {tag}", "Sev1");
            response.Dispose();
            return incident;
        }
        var first = await OpenAsync(DemoDirectory.Northwind, "Sensor crash at the gates");
        var second = await OpenAsync("Fabrikam Health", "Sensor crash on the wards");
        var taken = await OpenAsync(DemoDirectory.Northwind, "Sensor crash at the lounge");
        await (await app.ClientForAsync(DemoDirectory.Sam)).AcknowledgeAsync(taken.Id); // Sam got there first
        var (foreign, foreignResponse) = await (await app.ClientForAsync(DemoDirectory.Ines)).CreateIncidentAsync(app.Demo.TenantId(DemoDirectory.Woodgrove), $"Bluepeak's own {tag}", "Sev1");
        foreignResponse.Dispose();

        var page = await app.PageClientForAsync(DemoDirectory.Maya);
        var queue = await page.GetStringAsync($"/triage?q={tag}", Ct);
        queue.ShouldContain($"value=\"{first.Id}\" aria-label=\"Tick {first.Reference} to acknowledge\"");
        queue.ShouldNotContain($"value=\"{taken.Id}\"", customMessage: "an acknowledged incident has no box");

        using var posted = await PostTickedAsync(page, $"?q={tag}", first.Id, second.Id, taken.Id, foreign.Id);
        posted.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        posted.Headers.Location!.ToString().ShouldBe($"/triage?q={tag}", "back to the same view of the queue");
        var after = System.Net.WebUtility.HtmlDecode(await page.GetStringAsync(posted.Headers.Location!.ToString(), Ct));
        after.ShouldContain($"2 incidents acknowledged: {first.Reference}, {second.Reference}. 2 were not: {taken.Reference} was already acknowledged");
        after.ShouldContain($"There is no incident {foreign.Id}, or you cannot see it.");

        Guid[] ids = [first.Id, second.Id, taken.Id, foreign.Id];
        var states = await app.QueryAsync(async db =>
        {
            var statuses = await db.Incidents.AsNoTracking().Where(i => ids.Contains(i.Id)).ToDictionaryAsync(i => i.Id, i => i.Status, Ct);
            var acks = await db.TimelineEntries.AsNoTracking().Where(e => ids.Contains(e.IncidentId) && e.Kind == TimelineEntryKind.Acknowledged)
                .GroupBy(e => e.IncidentId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, Ct);
            return ids.ToDictionary(id => id, id => (statuses[id], acks.GetValueOrDefault(id)));
        });
        states[first.Id].ShouldBe((IncidentStatus.Acknowledged, 1));
        states[second.Id].ShouldBe((IncidentStatus.Acknowledged, 1));
        states[taken.Id].ShouldBe((IncidentStatus.Acknowledged, 1), "Sam's acknowledgement, not a second one");
        states[foreign.Id].ShouldBe((IncidentStatus.New, 0), "another MSP's incident is untouched");
        (await app.StateOfAsync(first.Id)).AssigneeId.ShouldBeNull("acknowledging assigns no one");
    }

    [Fact]
    public async Task Nothing_ticked_is_said_too_many_is_refused_and_a_customer_has_no_queue_to_post_to()
    {
        var page = await app.PageClientForAsync(DemoDirectory.Maya);
        using (var none = await PostTickedAsync(page, ""))
        {
            none.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await none.Content.ReadAsStringAsync(Ct)).ShouldContain("Tick the new incidents to acknowledge first.");
        }
        using (var many = await PostTickedAsync(page, "", [.. Enumerable.Range(0, 51).Select(_ => Guid.NewGuid())]))
        {
            many.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await many.Content.ReadAsStringAsync(Ct)).ShouldContain("At most 50 incidents at once");
        }

        var (created, response) = await (await app.ClientForAsync(DemoDirectory.Maya)).CreateIncidentAsync(app.Demo.TenantId(DemoDirectory.Northwind), $"Customer's try {Guid.NewGuid():N}", "Sev2");
        response.Dispose();
        var northwindNew = created.Id;
        var olivia = await app.PageClientForAsync(DemoDirectory.Olivia);
        var token = AntiforgeryToken().Match(await olivia.GetStringAsync("/status", Ct)).Groups[1].Value;
        using var form = new FormUrlEncodedContent([new("__RequestVerificationToken", token), new("Selected", northwindNew.ToString())]);
        using var refused = await olivia.PostAsync("/triage?handler=Acknowledge", form, Ct);
        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await app.StateOfAsync(northwindNew)).Status.ShouldBe(IncidentStatus.New);
    }
}

public sealed class TriageAcknowledgeTickedOnSqlite(SqliteApp app) : TriageAcknowledgeTickedTests(app), IClassFixture<SqliteApp>;

public sealed class TriageAcknowledgeTickedOnPostgreSql(PostgresApp app) : TriageAcknowledgeTickedTests(app), IClassFixture<PostgresApp>;
