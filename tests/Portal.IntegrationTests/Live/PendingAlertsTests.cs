using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Portal.IntegrationTests.Advisories;
using Portal.IntegrationTests.Escalations;

namespace Portal.IntegrationTests.Live;

/// <summary>
/// The alert lines an MSP engineer missed come with the next page they open (<c>#pending-alerts</c>, read by live.js): an
/// escalation while its incident still waits for what it escalated, a provider's advisory while one of the engineer's tenants
/// has not acknowledged it; within a day; never another MSP's, never on a customer's page. On the clock the test moves.
/// </summary>
public abstract partial class PendingAlertsTests(EscalationApp app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record PendingAlertDto(string Kind, Guid SubjectId, Guid? IncidentId, string Title, DateTimeOffset At);

    [GeneratedRegex("""<script type="application/json" id="pending-alerts"[^>]*>(.*?)</script>""", RegexOptions.Singleline)]
    private static partial Regex PendingBlock();

    /// <summary>The lines the page carries, or null when it carries none at all (not an MSP member's live page).</summary>
    private static async Task<List<PendingAlertDto>?> PendingOnAsync(HttpClient page, string path)
    {
        var html = await page.GetStringAsync(path, Ct);
        var blocks = PendingBlock().Matches(html);
        if (blocks.Count == 0) return null;
        blocks.Count.ShouldBe(1);
        return JsonSerializer.Deserialize<List<PendingAlertDto>>(blocks[0].Groups[1].Value, JsonSerializerOptions.Web);
    }

    private async Task<Guid> EscalationOfAsync(Guid incidentId, int level) =>
        await app.QueryAsync(db => db.Escalations.Where(e => e.IncidentId == incidentId && e.Level == level).Select(e => e.Id).SingleAsync());

    [Fact]
    public async Task An_escalation_is_said_on_the_next_page_until_its_incident_is_acknowledged_and_only_to_its_msp()
    {
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        var mayaApi = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await mayaApi.CreateIncidentAsync(northwind, $"Pending escalation {Guid.NewGuid():N}", "Sev1");
        created.Dispose();
        var maya = await app.PageClientForAsync(DemoDirectory.Maya);
        (await PendingOnAsync(maya, "/triage"))!.ShouldNotContain(a => a.IncidentId == incident.Id, "nothing has escalated yet");

        // Nobody acknowledged it within the Sev1's 15 minutes: level 1 fires while Maya has no page open.
        app.Clock.Advance(TimeSpan.FromMinutes(16));
        await app.RunJobAsync(incident.Id, incident.TenantId);
        var escalationId = await EscalationOfAsync(incident.Id, 1);

        var line = (await PendingOnAsync(maya, "/triage"))!.Where(a => a.IncidentId == incident.Id).ShouldHaveSingleItem();
        line.Kind.ShouldBe("EscalationRaised");
        line.SubjectId.ShouldBe(escalationId);
        line.IncidentId.ShouldBe(incident.Id);
        line.Title.ShouldBe($"{incident.Reference}: Sev1 not acknowledged in time (level 1)");
        // Any live page of hers carries it, the advisories' to-do list too.
        (await PendingOnAsync(maya, "/advisories"))!.ShouldContain(a => a.SubjectId == escalationId);

        // Another MSP's engineer, and the tenant's own customer, never learn of it.
        (await PendingOnAsync(await app.PageClientForAsync(DemoDirectory.Ines), "/triage"))!.ShouldNotContain(a => a.IncidentId == incident.Id);
        (await PendingOnAsync(await app.PageClientForAsync(DemoDirectory.Olivia), $"/status/{northwind}")).ShouldBeNull("a customer's page has no alert lines");

        // Acknowledged: what it escalated is done, and it is no longer said.
        await mayaApi.AcknowledgeAsync(incident.Id);
        (await PendingOnAsync(maya, "/triage"))!.ShouldNotContain(a => a.IncidentId == incident.Id);
    }

    [Fact]
    public async Task A_resolution_escalation_is_said_while_the_incident_is_open_and_a_day_at_most()
    {
        var fabrikam = app.Demo.TenantId("Fabrikam Health");
        var mayaApi = await app.ClientForAsync(DemoDirectory.Maya);
        var maya = await app.PageClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await mayaApi.CreateIncidentAsync(fabrikam, $"Pending resolution {Guid.NewGuid():N}", "Sev1");
        created.Dispose();
        await mayaApi.AcknowledgeAsync(incident.Id);

        // Acknowledged but not resolved within the Sev1's 240 minutes: a resolution level, said while the incident is open.
        app.Clock.Advance(TimeSpan.FromMinutes(241));
        await app.RunJobAsync(incident.Id, incident.TenantId);
        var line = (await PendingOnAsync(maya, "/triage"))!.Where(a => a.IncidentId == incident.Id).ShouldHaveSingleItem();
        line.Title.ShouldBe($"{incident.Reference}: Sev1 not resolved in time (level 1)");
        await mayaApi.ChangeStatusAsync(incident.Id, "Investigating");
        (await PendingOnAsync(maya, "/triage"))!.ShouldContain(a => a.IncidentId == incident.Id, "still open");

        // A day later it is no longer news; the triage queue still shows the incident past its target.
        app.Clock.Advance(ListPendingAlertsWindow + TimeSpan.FromMinutes(1));
        (await PendingOnAsync(maya, "/triage"))!.ShouldNotContain(a => a.IncidentId == incident.Id);
    }

    private static readonly TimeSpan ListPendingAlertsWindow = Portal.Features.Live.ListPendingAlertsHandler.Window;

    [Fact]
    public async Task A_providers_advisory_is_said_on_the_next_page_until_the_msps_tenants_acknowledged_it()
    {
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        // A title that would end a script element if the page wrote it as it is.
        var title = $"Sensor </script><b>{Guid.NewGuid():N}"[..40];
        var advisory = await priya.PublishAsync(app.Demo.Org("Sentinel Shield Security").Id, title, [(await priya.ServiceAsync(AdvisoryApi.SensorService)).Id]);
        var maya = await app.PageClientForAsync(DemoDirectory.Maya);
        var ines = await app.PageClientForAsync(DemoDirectory.Ines);

        (await maya.GetStringAsync("/triage", Ct)).ShouldNotContain("</script><b>");
        var line = (await PendingOnAsync(maya, "/triage"))!.Where(a => a.SubjectId == advisory.Id).ShouldHaveSingleItem();
        line.Kind.ShouldBe("AdvisoryPublished");
        line.Title.ShouldBe(title);
        line.IncidentId.ShouldBeNull();
        // The advisory's own time, to the millisecond: the live notice carries the same, and live.js tells one announcement
        // from the next by it.
        line.At.ToUnixTimeMilliseconds().ShouldBe(advisory.UpdatedAt.ToUnixTimeMilliseconds());

        app.Clock.Advance(TimeSpan.FromMinutes(5));
        var updated = await priya.PostUpdateAsync(advisory.Id, "Identified", "A fix is rolling out.");
        line = (await PendingOnAsync(maya, "/triage"))!.Where(a => a.SubjectId == advisory.Id).ShouldHaveSingleItem();
        line.Kind.ShouldBe("AdvisoryUpdated");
        line.At.ToUnixTimeMilliseconds().ShouldBe(updated.UpdatedAt.ToUnixTimeMilliseconds());

        // Harbor acknowledges it for each of its tenants: no longer said to Harbor, still to Bluepeak, whose tenants have not.
        var mayaApi = await app.ClientForAsync(DemoDirectory.Maya);
        var harborTargets = (await mayaApi.InboxAsync($"advisoryId={advisory.Id}")).Select(i => i.TenantId).ToList();
        harborTargets.Count.ShouldBeGreaterThan(1);
        foreach (var tenant in harborTargets.Skip(1))
        {
            using var acknowledged = await mayaApi.PostAcknowledgeAsync(advisory.Id, tenant);
            acknowledged.EnsureSuccessStatusCode();
        }
        (await PendingOnAsync(maya, "/triage"))!.ShouldContain(a => a.SubjectId == advisory.Id, "one of Harbor's tenants has not acknowledged it yet");
        using (var last = await mayaApi.PostAcknowledgeAsync(advisory.Id, harborTargets[0])) last.EnsureSuccessStatusCode();
        (await PendingOnAsync(maya, "/triage"))!.ShouldNotContain(a => a.SubjectId == advisory.Id);
        (await PendingOnAsync(ines, "/triage"))!.ShouldContain(a => a.SubjectId == advisory.Id);
        (await PendingOnAsync(await app.PageClientForAsync(DemoDirectory.Hana), $"/status/{app.Demo.TenantId(DemoDirectory.Woodgrove)}"))
            .ShouldBeNull("the customer sees the advisory itself on its status page, never as an alert line");
    }
}

public sealed class PendingAlertsTestsOnSqlite(EscalationSqliteApp app) : PendingAlertsTests(app), IClassFixture<EscalationSqliteApp>;

public sealed class PendingAlertsTestsOnPostgreSql(EscalationPostgresApp app) : PendingAlertsTests(app), IClassFixture<EscalationPostgresApp>;
