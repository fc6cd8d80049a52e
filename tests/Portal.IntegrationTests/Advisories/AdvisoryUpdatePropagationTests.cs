using Portal.IntegrationTests.Live;

namespace Portal.IntegrationTests.Advisories;

/// <summary>After a fan-out, a provider's update reaches each linked incident's timeline (customer-visible) and its customers live; nobody else.</summary>
public abstract class AdvisoryUpdatePropagationTests(LiveApp app)
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(1500);
    private Guid Nimbus => app.Demo.Org("Nimbus Cloud").Id;
    private Guid Northwind => app.Demo.TenantId(DemoDirectory.Northwind);
    private Guid Tailspin => app.Demo.TenantId("Tailspin Logistics");
    private Guid Alpine => app.Demo.TenantId("Alpine Ski House");

    [Fact]
    public async Task A_provider_update_lands_on_every_linked_timeline_and_reaches_only_those_customers_live()
    {
        // West Europe: Northwind and Tailspin (Harbor) and Alpine (Bluepeak) are targeted; Fabrikam and Woodgrove are not.
        var grace = await app.ClientForAsync("grace@nimbuscloud.example");
        var advisory = await grace.PublishAsync(Nimbus, "Compute hosts restarting (propagation)", [(await grace.ServiceAsync(AdvisoryApi.ComputeService)).Id], ["westeurope"], "Sev2");
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var fannedOut = await maya.FanOutAsync(advisory.Id, new { deviceFilter = new { tag = "server" } });
        fannedOut.Tenants.Select(t => t.TenantId).ShouldBe([Northwind, Tailspin], ignoreOrder: true);
        var linked = fannedOut.Tenants.ToDictionary(t => t.TenantId, t => t.IncidentId!.Value);

        await using var olivia = await app.ConnectAsync(DemoDirectory.Olivia);                  // Northwind: linked
        await using var lucas = await app.ConnectAsync("lucas@tailspin.example");               // Tailspin: linked
        await using var felix = await app.ConnectAsync("felix@alpineskihouse.example");         // Alpine: targeted, not linked (Bluepeak did not fan out)
        await using var emma = await app.ConnectAsync("emma@fabrikamhealth.example");           // Fabrikam: not targeted
        await using var hana = await app.ConnectAsync(DemoDirectory.Hana);                      // Woodgrove: not targeted

        const string text = "Root cause found: host firmware 4.2. **Reboot** the affected servers.";
        await grace.PostUpdateAsync(advisory.Id, "Identified", text);

        foreach (var (customer, email, tenant) in new[] { (olivia, DemoDirectory.Olivia, Northwind), (lucas, "lucas@tailspin.example", Tailspin) })
        {
            var entry = await customer.WaitForAsync(m => m.IncidentId == linked[tenant] && (m.EntryText ?? "").Contains("host firmware 4.2"));
            entry.EntryVisibility.ShouldBe("Customer");
            entry.Stream.ShouldBe($"tenant/{tenant}");

            var timeline = await (await app.ClientForAsync(email)).TimelineAsync(linked[tenant]);
            var advisoryEntry = timeline.Where(t => t.Kind == "Advisory").ShouldHaveSingleItem();
            advisoryEntry.Visibility.ShouldBe("Customer");
            advisoryEntry.Text.ShouldContain("host firmware 4.2");
            advisoryEntry.Text.ShouldContain("Nimbus Cloud");
            advisoryEntry.Text.ShouldContain("Identified");
        }

        await felix.WaitForAsync(m => m.Method == "AdvisoryUpdated"); // targeted: told the advisory changed
        await Task.Delay(Quiet, TestContext.Current.CancellationToken);
        felix.Received.ShouldNotContain(m => m.Method == "TimelineEntryAdded" || m.Method == "IncidentChanged", "Alpine has no linked incident");
        emma.Received.ShouldBeEmpty("Fabrikam is not targeted");
        hana.Received.ShouldBeEmpty("Woodgrove is not targeted");
        foreach (var customer in new[] { olivia, lucas })
        {
            customer.Received.Where(m => m.IncidentId != null).ShouldAllBe(m => m.IncidentId == linked[customer == olivia ? Northwind : Tailspin]);
        }
        (await app.QueryAsync(db => Task.FromResult(db.TimelineEntries.Count(t => t.TenantId == Alpine && t.Text.Contains("host firmware 4.2"))))).ShouldBe(0);
    }

    [Fact]
    public async Task A_tenant_its_msp_took_off_the_advisory_keeps_its_linked_incident_but_no_later_update_lands_on_it()
    {
        var grace = await app.ClientForAsync("grace@nimbuscloud.example");
        var advisory = await grace.PublishAsync(Nimbus, "Compute hosts restarting (removed)", [(await grace.ServiceAsync(AdvisoryApi.ComputeService)).Id], ["westeurope"], "Sev2");
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var linked = (await maya.FanOutAsync(advisory.Id)).Tenants.ToDictionary(t => t.TenantId, t => t.IncidentId!.Value);
        using (var removed = await maya.DeleteAsync($"/api/v1/advisories/{advisory.Id}/tenants/{Tailspin}", TestContext.Current.CancellationToken))
            removed.StatusCode.ShouldBe(HttpStatusCode.NoContent);

        await grace.PostUpdateAsync(advisory.Id, "Monitoring", "Second wave of restarts tonight.");

        (await (await app.ClientForAsync("lucas@tailspin.example")).TimelineAsync(linked[Tailspin]))
            .ShouldNotContain(t => t.Text.Contains("Second wave"), "Tailspin is no longer targeted: its people stop seeing the advisory");
        (await (await app.ClientForAsync(DemoDirectory.Olivia)).TimelineAsync(linked[Northwind]))
            .ShouldContain(t => t.Kind == "Advisory" && t.Text.Contains("Second wave"), "Northwind still is");
    }

    [Fact]
    public async Task A_customer_reads_the_update_but_cannot_read_another_tenants_linked_incident()
    {
        var grace = await app.ClientForAsync("grace@nimbuscloud.example");
        var advisory = await grace.PublishAsync(Nimbus, "Compute hosts restarting (timeline)", [(await grace.ServiceAsync(AdvisoryApi.ComputeService)).Id], ["westeurope"], "Sev2");
        var result = await (await app.ClientForAsync(DemoDirectory.Maya)).FanOutAsync(advisory.Id);
        var tailspinIncident = result.Tenants.Single(t => t.TenantId == Tailspin).IncidentId!.Value;
        await grace.PostUpdateAsync(advisory.Id, "Monitoring", "Fix rolled out to every host.");

        using var foreign = await (await app.ClientForAsync(DemoDirectory.Olivia)).GetAsync($"/api/v1/incidents/{tailspinIncident}/timeline", TestContext.Current.CancellationToken);
        foreign.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var provider = await grace.GetAsync($"/api/v1/incidents/{tailspinIncident}/timeline", TestContext.Current.CancellationToken);
        provider.StatusCode.ShouldBeOneOf(HttpStatusCode.NotFound, HttpStatusCode.Forbidden);
        var own = await (await app.ClientForAsync("lucas@tailspin.example")).TimelineAsync(tailspinIncident);
        own.ShouldContain(t => t.Kind == "Advisory" && t.Text.Contains("Fix rolled out to every host."));
    }
}

public sealed class AdvisoryUpdatePropagationTestsOnSqlite(SqliteLiveApp app) : AdvisoryUpdatePropagationTests(app), IClassFixture<SqliteLiveApp>;

public sealed class PostgresLiveApp(PostgresServer postgres) : LiveApp(DbProvider.PostgreSql, postgres);

public sealed class AdvisoryUpdatePropagationTestsOnPostgreSql(PostgresLiveApp app) : AdvisoryUpdatePropagationTests(app), IClassFixture<PostgresLiveApp>;
