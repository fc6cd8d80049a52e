using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Portal.Domain;
using Shouldly;
using static Microsoft.Playwright.Assertions;

namespace Portal.EndToEndTests;

/// <summary>
/// A customer admin shares their tenant id, the lead of another MSP proposes on /contracts, the customer admin accepts there, and an
/// engineer of that MSP finds the tenant on the triage page; the customer admin then ends it and the tenant is gone again.
/// Tailspin (managed by Harbor) and Bluepeak: no other journey uses that pair.
/// </summary>
public sealed class ContractJourneyTests(PortalApp app)
{
    private const string Tenant = "Tailspin Logistics";
    private const string Msp = "Bluepeak Managed Services";

    [Fact]
    public async Task A_customer_admin_accepts_an_MSP_proposal_and_the_MSPs_engineer_sees_the_tenant_on_triage()
    {
        // 1. The customer admin reads the tenant id on the Contracts page (linked in the navigation).
        var lucas = await app.SignInAsync("Lucas Meyer"); // Tailspin Logistics, CustomerAdmin
        await lucas.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Contracts" }).ClickAsync();
        await Expect(lucas).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/contracts$"));
        var tenantId = (await lucas.Locator("[data-share-tenant-id]").InnerTextAsync()).Trim();
        Guid.TryParse(tenantId, out _).ShouldBeTrue(tenantId);

        // 2. Bluepeak's lead proposes with it.
        var jonas = await app.SignInAsync("Jonas Berg");
        await jonas.GotoAsync("/contracts");
        var form = jonas.GetByRole(AriaRole.Form, new() { Name = "Propose a contract" });
        await form.GetByLabel("Customer's tenant id").FillAsync(tenantId);
        await form.GetByLabel("Message (optional)").FillAsync("Bluepeak would like to run your service desk.");
        await form.GetByRole(AriaRole.Button, new() { Name = "Propose" }).ClickAsync();
        await Expect(jonas.GetByTestId("banner")).ToContainTextAsync($"Proposed to {Tenant}");
        var row = jonas.Locator("tr[data-contract]").Filter(new() { HasText = Tenant });
        await Expect(row).ToHaveAttributeAsync("data-state", "Proposed");

        // 3. The customer admin accepts it.
        await lucas.GotoAsync("/contracts?state=Proposed");
        var proposal = lucas.Locator("tr[data-contract]").Filter(new() { HasText = Msp });
        await Expect(proposal).ToContainTextAsync("Bluepeak would like to run your service desk.");
        await proposal.GetByRole(AriaRole.Button, new() { Name = $"Accept: {Msp} – {Tenant}" }).ClickAsync();
        await Expect(lucas.GetByTestId("banner")).ToContainTextAsync($"Accepted: {Msp} manages {Tenant} from now on.");
        await Expect(lucas.Locator("tr[data-contract]").Filter(new() { HasText = Msp })).ToHaveCountAsync(0); // no longer among the proposals
        await lucas.GetByRole(AriaRole.Navigation, new() { Name = "Filter by state" }).GetByRole(AriaRole.Link, new() { Name = "Active" }).ClickAsync();
        await Expect(lucas.Locator("tr[data-contract]").Filter(new() { HasText = Msp })).ToHaveAttributeAsync("data-state", "Active");

        // 4. Bluepeak's engineer finds the tenant on the triage page.
        var ines = await app.SignInAsync("Ines Duarte");
        await ines.GotoAsync("/triage");
        var tenants = await ines.GetByRole(AriaRole.Search).GetByLabel("Tenant").Locator("option").AllInnerTextsAsync();
        tenants.ShouldContain(Tenant);
        tenants.ShouldContain("Woodgrove Bank");

        var customerId = Guid.Parse(tenantId);
        var stored = await app.ReadAsync(db => db.Contracts.AsNoTracking()
            .Where(c => c.State == ContractState.Active && db.Organisations.Any(o => o.Id == c.MspId && o.Name == Msp) && c.CustomerId == customerId)
            .CountAsync());
        stored.ShouldBe(1);

        // 5. The customer admin ends it again (the other journeys see the demo data as seeded). The browser asks first, and
        //    cancelling sends nothing.
        var active = lucas.Locator("tr[data-contract]").Filter(new() { HasText = Msp });
        var end = active.GetByRole(AriaRole.Button, new() { Name = $"End contract: {Msp} – {Tenant}" });
        string? asked = null;
        var posts = 0;
        lucas.Request += (_, request) => { if (request.Method == "POST") posts++; };
        async void Dismiss(object? _, IDialog dialog) { asked = dialog.Message; await dialog.DismissAsync(); }
        lucas.Dialog += Dismiss;
        await end.ClickAsync();
        await lucas.WaitForTimeoutAsync(500);
        lucas.Dialog -= Dismiss;
        asked.ShouldBe($"End the contract? {Msp}'s people lose access to {Tenant}'s incidents at once.");
        posts.ShouldBe(0);
        await Expect(active).ToContainTextAsync("Active");

        lucas.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await end.ClickAsync();
        await Expect(lucas.GetByTestId("banner")).ToContainTextAsync($"Ended: {Msp} no longer manages {Tenant}.");
    }
}
