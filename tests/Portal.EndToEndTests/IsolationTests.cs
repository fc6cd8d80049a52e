using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Shouldly;
using static Microsoft.Playwright.Assertions;

namespace Portal.EndToEndTests;

/// <summary>A customer sees its own tenant and nothing else: the MSP's queue and other tenants are refused, not shown.</summary>
public sealed class IsolationTests(PortalApp app)
{
    [Fact]
    public async Task A_customer_is_refused_the_msp_triage_queue_and_other_tenants()
    {
        var ct = TestContext.Current.CancellationToken;
        var (ownTenant, foreignTenant, foreignIncident, foreignTitle) = await app.ReadAsync(async db =>
        {
            var own = await db.Organisations.SingleAsync(o => o.IncidentPrefix == "NWA", ct);
            var foreign = await db.Organisations.SingleAsync(o => o.IncidentPrefix == "WGB", ct);
            var incident = await db.Incidents.FirstAsync(i => i.TenantId == foreign.Id, ct);
            return (own.Id, foreign.Id, incident.Id, incident.Title);
        });

        // Deep link while signed out: sign-in comes first, then the page asked for.
        var olivia = await app.SignInAsync("Olivia Grant", startAt: $"/status/{ownTenant}");
        new Uri(olivia.Url).AbsolutePath.ShouldBe($"/status/{ownTenant}");
        await Expect(olivia.GetByRole(AriaRole.Heading, new() { Name = "Northwind Airways", Level = 1 })).ToBeVisibleAsync();

        var triage = await olivia.GotoAsync("/triage");
        triage!.Status.ShouldBe(403);
        await Expect(olivia.GetByRole(AriaRole.Heading, new() { Name = "Not allowed", Level = 1 })).ToBeVisibleAsync();
        await Expect(olivia.GetByRole(AriaRole.Table)).ToHaveCountAsync(0);
        await Expect(olivia.GetByRole(AriaRole.Link, new() { Name = "Triage" })).ToHaveCountAsync(0);

        var status = await olivia.GotoAsync($"/status/{foreignTenant}");
        status!.Status.ShouldBe(404);
        await Expect(olivia.GetByRole(AriaRole.Heading, new() { Name = "No such tenant", Level = 1 })).ToBeVisibleAsync();
        (await olivia.ContentAsync()).ShouldNotContain("Woodgrove");

        var incident = await olivia.GotoAsync($"/incidents/{foreignIncident}");
        incident!.Status.ShouldBe(404);
        await Expect(olivia.GetByRole(AriaRole.Heading, new() { Name = "Incident not found", Level = 1 })).ToBeVisibleAsync();
        (await olivia.ContentAsync()).ShouldNotContain(foreignTitle);
        (await olivia.ContentAsync()).ShouldNotContain("Woodgrove");
    }

    [Fact]
    public async Task An_msp_engineer_sees_a_managed_tenant_through_the_customers_eyes_but_not_a_tenant_of_another_msp()
    {
        var ct = TestContext.Current.CancellationToken;
        var (managed, foreign) = await app.ReadAsync(async db => (
            await db.Organisations.Where(o => o.IncidentPrefix == "FAB").Select(o => o.Id).SingleAsync(ct),
            await db.Organisations.Where(o => o.IncidentPrefix == "ASH").Select(o => o.Id).SingleAsync(ct)));

        var maya = await app.SignInAsync("Maya Chen");
        var own = await maya.GotoAsync($"/status/{managed}");
        own!.Status.ShouldBe(200);
        await Expect(maya.GetByRole(AriaRole.Heading, new() { Name = "Fabrikam Health", Level = 1 })).ToBeVisibleAsync();
        await Expect(maya.GetByText("customer-visible information only")).ToBeVisibleAsync();
        (await maya.ContentAsync()).ShouldNotContain("Vendor advisory says"); // the seeded internal notes

        var other = await maya.GotoAsync($"/status/{foreign}");
        other!.Status.ShouldBe(404);
        (await maya.ContentAsync()).ShouldNotContain("Alpine Ski House");

        // Triage lists Harbor's tenants only.
        await maya.GotoAsync("/triage");
        var tenants = await maya.GetByRole(AriaRole.Search).GetByLabel("Tenant").Locator("option").AllInnerTextsAsync();
        tenants.ShouldBe(["All tenants", "Fabrikam Health", "Northwind Airways", "Tailspin Logistics"]);
    }
}
