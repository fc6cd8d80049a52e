using System.Net.Http.Json;
using System.Text.Json;
using Portal.IntegrationTests.Advisories;

namespace Portal.IntegrationTests.CustomerStatus;

/// <summary>
/// The status of a tenant shows the providers' advisories that target it, with their latest update, and nothing about the
/// ones that do not; the cached status (JSON and rendered page) reflects a publication, an update, a resolution and a
/// retargeting at once. Who is targeted is read from the database (the oracle), not assumed from the demo data.
/// </summary>
public abstract class StatusAdvisoryTests(PortalApp app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Grace = "grace@nimbuscloud.example";
    private static readonly string[] NorthEurope = ["northeurope"];
    private Guid Nimbus => app.Demo.Org("Nimbus Cloud").Id;
    private Guid Sentinel => app.Demo.Org("Sentinel Shield Security").Id;

    /// <summary>One customer person per customer tenant (whoever the demo seeded first).</summary>
    private IReadOnlyList<(Guid TenantId, string Email)> Customers =>
        [.. app.Demo.Organisations.Where(o => o.Kind == Portal.Domain.OrganisationKind.Customer)
            .Select(o => (o.Id, app.Demo.Users.First(u => u.Memberships.Any(m => m.OrganisationId == o.Id)).Email))];

    private static async Task<JsonElement> StatusAsync(HttpClient client, Guid tenantId)
    {
        using var response = await client.GetAsync($"/api/v1/tenants/{tenantId}/status", Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static JsonElement? AdvisoryIn(JsonElement status, Guid advisoryId) =>
        status.GetProperty("advisories").EnumerateArray().Where(a => a.GetProperty("id").GetGuid() == advisoryId).Select(a => (JsonElement?)a).SingleOrDefault();

    private static async Task<string> PageAsync(HttpClient client, Guid tenantId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/status/{tenantId}");
        request.Headers.Accept.ParseAdd("text/html");
        using var response = await client.SendAsync(request, Ct);
        var html = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, html);
        return html;
    }

    /// <summary>Every customer reads its status (JSON and page) so that what follows must get past a warm cache.</summary>
    private async Task WarmAsync()
    {
        foreach (var (tenantId, email) in Customers)
        {
            var client = await app.ClientForAsync(email);
            await StatusAsync(client, tenantId);
            await StatusAsync(client, tenantId);
            await PageAsync(client, tenantId);
        }
    }

    [Fact]
    public async Task A_cached_status_shows_a_new_advisory_and_its_updates_at_once_and_only_in_targeted_tenants()
    {
        var grace = await app.ClientForAsync(Grace);
        var compute = await grace.ServiceAsync(AdvisoryApi.ComputeService);
        await WarmAsync();

        var title = $"Compute hosts restarting {Guid.NewGuid():N}";
        var advisory = await grace.PublishAsync(Nimbus, title, [compute.Id], ["westeurope"], "Sev2");
        var targets = await app.TargetsAsync(advisory.Id);
        targets.ShouldNotBeEmpty();
        Customers.Select(c => c.TenantId).ShouldContain(t => !targets.Contains(t), "a regional advisory leaves some tenant out (the negative side)");

        foreach (var (tenantId, email) in Customers)
        {
            var client = await app.ClientForAsync(email);
            var status = await StatusAsync(client, tenantId);
            var page = await PageAsync(client, tenantId);
            if (targets.Contains(tenantId))
            {
                var shown = AdvisoryIn(status, advisory.Id).ShouldNotBeNull($"{email}: the targeted tenant's cached status shows the new advisory");
                shown.GetProperty("provider").GetString().ShouldBe("Nimbus Cloud");
                shown.GetProperty("title").GetString().ShouldBe(title);
                shown.GetProperty("severity").GetString().ShouldBe("Sev2");
                shown.GetProperty("status").GetString().ShouldBe("Investigating");
                shown.GetProperty("impact").GetString().ShouldBe(advisory.Impact);
                shown.GetProperty("latestUpdate").GetProperty("number").GetInt32().ShouldBe(1);
                page.ShouldContain(title, Case.Sensitive, $"{email}: the rendered (output-cached) page shows it too");
                page.ShouldContain($"data-testid=\"advisory-{advisory.Id}\"");
            }
            else
            {
                status.GetRawText().ShouldNotContain(advisory.Id.ToString(), Case.Insensitive, $"{email}: not targeted");
                status.GetRawText().ShouldNotContain(title);
                page.ShouldNotContain(title);
                page.ShouldNotContain(advisory.Id.ToString());
            }
        }

        // An update (Markdown with hostile HTML in it) replaces the latest update at once, rendered safely.
        await WarmAsync();
        await grace.PostUpdateAsync(advisory.Id, "Identified", "**Reboot** the host twice. <script>alert('x')</script> <img src=x onerror=alert(1)> [more](javascript:alert(1))");
        foreach (var (tenantId, email) in Customers)
        {
            var client = await app.ClientForAsync(email);
            var status = await StatusAsync(client, tenantId);
            var page = await PageAsync(client, tenantId);
            if (!targets.Contains(tenantId))
            {
                status.GetRawText().ShouldNotContain(advisory.Id.ToString(), Case.Insensitive);
                page.ShouldNotContain("Reboot</strong> the host twice");
                continue;
            }
            var shown = AdvisoryIn(status, advisory.Id).ShouldNotBeNull();
            shown.GetProperty("status").GetString().ShouldBe("Identified");
            var latest = shown.GetProperty("latestUpdate");
            latest.GetProperty("number").GetInt32().ShouldBe(2);
            latest.GetProperty("author").GetString().ShouldBe("Grace Liu");
            var html = latest.GetProperty("textHtml").GetString()!;
            html.ShouldContain("<strong>Reboot</strong> the host twice.");
            // hostile HTML comes out as text, if at all: no element, no handler, no script link
            html.ShouldNotContain("<script", Case.Insensitive);
            html.ShouldNotContain("<img", Case.Insensitive);
            html.ShouldNotContain("href=\"javascript:", Case.Insensitive);
            page.ShouldContain("<strong>Reboot</strong> the host twice.");
            page.ShouldNotContain("<script>alert('x')</script>");
            page.ShouldNotContain("<img src=x");
            page.ShouldNotContain("href=\"javascript:", Case.Insensitive);
        }
    }

    [Fact]
    public async Task Open_advisories_come_before_resolved_ones_and_a_resolved_one_stays_for_a_while()
    {
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        var sensor = await priya.ServiceAsync(AdvisoryApi.SensorService);
        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);

        var first = await priya.PublishAsync(Sentinel, $"Older sensor issue {Guid.NewGuid():N}", [sensor.Id], severity: "Sev3");
        var second = await priya.PublishAsync(Sentinel, $"Newer sensor issue {Guid.NewGuid():N}", [sensor.Id], severity: "Sev2");
        await StatusAsync(olivia, northwind);
        await priya.PostUpdateAsync(first.Id, "Resolved", "Fixed in channel file 292.");

        var status = await StatusAsync(olivia, northwind);
        var ids = status.GetProperty("advisories").EnumerateArray().Select(a => a.GetProperty("id").GetGuid()).ToList();
        ids.ShouldContain(first.Id, "resolved today: still shown");
        ids.ShouldContain(second.Id);
        ids.IndexOf(second.Id).ShouldBeLessThan(ids.IndexOf(first.Id), "open before resolved");
        var resolved = AdvisoryIn(status, first.Id)!.Value;
        resolved.GetProperty("status").GetString().ShouldBe("Resolved");
        resolved.GetProperty("resolvedAt").ValueKind.ShouldBe(JsonValueKind.String);
        status.GetProperty("advisories").EnumerateArray().SkipWhile(a => a.GetProperty("status").GetString() != "Resolved")
            .ShouldAllBe(a => a.GetProperty("status").GetString() == "Resolved", "no open advisory after a resolved one");
    }

    [Fact]
    public async Task A_retargeted_advisory_leaves_the_dropped_tenants_status_at_once()
    {
        var grace = await app.ClientForAsync(Grace);
        var compute = await grace.ServiceAsync(AdvisoryApi.ComputeService);
        var title = $"Compute maintenance {Guid.NewGuid():N}";
        var advisory = await grace.PublishAsync(Nimbus, title, [compute.Id], ["westeurope"], "Sev3");
        var west = await app.TargetsAsync(advisory.Id);
        await WarmAsync();

        using (var edit = await grace.PutAsJsonAsync($"/api/v1/advisories/{advisory.Id}",
                   new { title, severity = "Sev3", impact = advisory.Impact, serviceIds = new[] { compute.Id }, regions = NorthEurope }, Ct))
            edit.StatusCode.ShouldBe(HttpStatusCode.OK, await edit.Content.ReadAsStringAsync(Ct));
        var north = await app.TargetsAsync(advisory.Id);
        north.ShouldNotBeEmpty();
        north.Overlaps(west).ShouldBeFalse("the demo's compute subscriptions are each in one region");

        foreach (var (tenantId, email) in Customers)
        {
            // The tenant's MSP rebuilds the dropped snapshot first: an MSP's scope sees every published advisory, so only the
            // status query's own target condition keeps it out of the view the customer is then served from the cache.
            var engineer = app.Demo.Users.First(u => app.Demo.MspTenantsOf(u.Email).Contains(tenantId) && app.Demo.CanReadIncidents(u.Email));
            var throughMsp = await StatusAsync(await app.ClientForAsync(engineer.Email), tenantId);
            (AdvisoryIn(throughMsp, advisory.Id) is not null).ShouldBe(north.Contains(tenantId), $"{engineer.Email} looking at {email}'s tenant");
            var client = await app.ClientForAsync(email);
            var status = await StatusAsync(client, tenantId);
            var page = await PageAsync(client, tenantId);
            if (north.Contains(tenantId))
            {
                AdvisoryIn(status, advisory.Id).ShouldNotBeNull($"{email}: newly targeted");
                page.ShouldContain(title);
            }
            else
            {
                AdvisoryIn(status, advisory.Id).ShouldBeNull($"{email}: {(west.Contains(tenantId) ? "dropped" : "never targeted")}");
                page.ShouldNotContain(title);
            }
        }
    }

    [Fact]
    public async Task The_msp_looking_through_the_customers_eyes_sees_the_same_advisories()
    {
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        var sensor = await priya.ServiceAsync(AdvisoryApi.SensorService);
        var advisory = await priya.PublishAsync(Sentinel, $"Sensor advisory for the MSP view {Guid.NewGuid():N}", [sensor.Id]);
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);

        var maya = await StatusAsync(await app.ClientForAsync(DemoDirectory.Maya), northwind);
        var olivia = await StatusAsync(await app.ClientForAsync(DemoDirectory.Olivia), northwind);
        AdvisoryIn(maya, advisory.Id).ShouldNotBeNull();
        maya.GetProperty("advisories").GetRawText().ShouldBe(olivia.GetProperty("advisories").GetRawText());
    }
}

public sealed class StatusAdvisoryTestsOnSqlite(SqliteApp app) : StatusAdvisoryTests(app), IClassFixture<SqliteApp>;

public sealed class StatusAdvisoryTestsOnPostgreSql(PostgresApp app) : StatusAdvisoryTests(app), IClassFixture<PostgresApp>;
