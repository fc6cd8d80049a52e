using Microsoft.Playwright;
using Shouldly;
using static Microsoft.Playwright.Assertions;

namespace Portal.EndToEndTests;

/// <summary>
/// Onboarding in the browser, from nothing to an engineer at work: the platform admin creates an MSP and a customer on
/// /admin/organisations and invites their admins; the MSP's lead signs in for the first time (the development sign-in for
/// someone new, from the MSP's Entra tenant), invites an engineer and proposes a contract with the tenant id the customer's
/// admin shares; the customer's admin accepts; the engineer signs in and finds the tenant on the triage page.
/// </summary>
public sealed class OnboardingJourneyTests(PortalApp app)
{
    [Fact]
    public async Task A_platform_admin_onboards_an_MSP_and_a_customer_and_the_MSPs_new_engineer_triages_the_tenant_once_the_contract_is_accepted()
    {
        var run = Guid.NewGuid().ToString("N")[..6];
        var mspName = $"Contoso Managed {run}";
        var customerName = $"Litware {run}";
        var mspTenant = Guid.NewGuid();
        var customerTenant = Guid.NewGuid();
        var prefix = new string([.. run.Select(c => (char)('A' + c % 26))]);

        var ada = await app.SignInAsync("Ada Lovelace");
        await ada.GotoAsync("/admin/organisations");
        await CreateOrganisationAsync(ada, mspName, "MSP", mspTenant, null);
        await CreateOrganisationAsync(ada, customerName, "Customer", customerTenant, prefix);
        await Expect(ada.GetByRole(AriaRole.Row).Filter(new() { HasText = customerName })).ToContainTextAsync(prefix);

        // Each organisation's people page: invite its admin.
        await ada.GetByRole(AriaRole.Link, new() { Name = customerName, Exact = true }).ClickAsync();
        await Expect(ada.GetByRole(AriaRole.Heading, new() { Name = $"People of {customerName}", Level = 1 })).ToBeVisibleAsync();
        var customerAdminEmail = $"carla.{run}@litware.example";
        await InviteAsync(ada, customerAdminEmail, "CustomerAdmin", "customer admin");
        await ada.GotoAsync("/admin/organisations");
        await ada.GetByRole(AriaRole.Link, new() { Name = mspName, Exact = true }).ClickAsync();
        await Expect(ada.GetByRole(AriaRole.Heading, new() { Name = $"People of {mspName}", Level = 1 })).ToBeVisibleAsync();
        var leadEmail = $"lena.{run}@contoso.example";
        await InviteAsync(ada, leadEmail, "MspLead", "MSP lead");

        // The lead's first sign-in from the MSP's Entra tenant binds the invitation; they invite an engineer.
        var lead = await SignInAsNewPersonAsync("Lena Lead", leadEmail, mspTenant);
        await Expect(lead.GetByRole(AriaRole.Banner)).ToContainTextAsync(mspName);
        await lead.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "People" }).ClickAsync();
        await Expect(lead.GetByRole(AriaRole.Heading, new() { Name = $"People of {mspName}", Level = 1 })).ToBeVisibleAsync();
        await Expect(lead.GetByTestId("members")).ToContainTextAsync("Lena Lead");
        await Expect(lead.Locator($"[data-member='{leadEmail}'] [data-role]")).ToHaveTextAsync("MSP lead"); // words, not the enum name
        var engineerEmail = $"eli.{run}@contoso.example";
        await InviteAsync(lead, engineerEmail, "MspEngineer", "MSP engineer");
        await Expect(lead.Locator($"[data-invitation='{engineerEmail}']")).ToContainTextAsync("MSP engineer");
        await Expect(lead.GetByTestId("audit")).ToContainTextAsync($"Invited {engineerEmail} as MspEngineer");

        // The engineer signs in from the MSP's tenant and is in the MSP, which manages no tenant yet.
        var engineer = await SignInAsNewPersonAsync("Eli Engineer", engineerEmail, mspTenant);
        await Expect(engineer.GetByRole(AriaRole.Banner)).ToContainTextAsync("Eli Engineer");
        await Expect(engineer.GetByRole(AriaRole.Banner)).ToContainTextAsync(mspName);
        // An engineer does not manage people: no People link.
        await Expect(engineer.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "People" })).ToHaveCountAsync(0);
        await lead.ReloadAsync();
        await Expect(lead.GetByTestId("members")).ToContainTextAsync("Eli Engineer");

        // The customer's admin signs in for the first time from the customer's tenant and reads the tenant id to share.
        var carla = await SignInAsNewPersonAsync("Carla Admin", customerAdminEmail, customerTenant);
        await Expect(carla.GetByRole(AriaRole.Banner)).ToContainTextAsync(customerName);
        await carla.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Contracts" }).ClickAsync();
        await Expect(carla).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/contracts$"));
        var tenantId = (await carla.Locator("[data-share-tenant-id]").InnerTextAsync()).Trim();

        // The lead proposes with it; the customer's admin accepts.
        await lead.GotoAsync("/contracts");
        var form = lead.GetByRole(AriaRole.Form, new() { Name = "Propose a contract" });
        await form.GetByLabel("Customer's tenant id").FillAsync(tenantId);
        await form.GetByRole(AriaRole.Button, new() { Name = "Propose" }).ClickAsync();
        await Expect(lead.GetByTestId("banner")).ToContainTextAsync($"Proposed to {customerName}");

        await carla.GotoAsync("/contracts?state=Proposed");
        var proposal = carla.Locator("tr[data-contract]").Filter(new() { HasText = mspName });
        await proposal.GetByRole(AriaRole.Button, new() { Name = $"Accept: {mspName} – {customerName}" }).ClickAsync();
        await Expect(carla.GetByTestId("banner")).ToContainTextAsync($"Accepted: {mspName} manages {customerName} from now on.");

        // The engineer, still signed in, finds the tenant on the triage page at once (the acceptance revoked their cached access).
        await engineer.GotoAsync("/triage");
        var tenants = await engineer.GetByRole(AriaRole.Search).GetByLabel("Tenant").Locator("option").AllInnerTextsAsync();
        tenants.ShouldContain(customerName);

        // Both organisations' audit logs name the contract (the lead reads the MSP's).
        await lead.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "People" }).ClickAsync();
        await Expect(lead.GetByTestId("audit")).ToContainTextAsync(customerName);
    }

    private static async Task CreateOrganisationAsync(IPage page, string name, string kind, Guid entraTenant, string? prefix)
    {
        var form = page.GetByRole(AriaRole.Form, new() { Name = "New organisation" });
        await form.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
        await Expect(form.GetByLabel("Kind")).ToHaveValueAsync(""); // no kind is chosen for the admin: a wrong one gives the wrong roles
        await form.GetByLabel("Kind").SelectOptionAsync(new SelectOptionValue { Label = kind });
        await form.GetByLabel("Entra tenant id").FillAsync(entraTenant.ToString());
        if (prefix is not null) await form.GetByLabel("Incident prefix").FillAsync(prefix);
        await form.GetByRole(AriaRole.Button, new() { Name = "Create" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"Created {name}");
        await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = name })).ToHaveCountAsync(1);
    }

    /// <summary>Chooses the role by its value (the enum name the API takes) and reads back the words the page uses for it.</summary>
    private static async Task InviteAsync(IPage page, string email, string role, string roleWords)
    {
        var form = page.GetByRole(AriaRole.Form, new() { Name = "Invite someone" });
        await form.GetByLabel("Email").FillAsync(email);
        await Expect(form.GetByLabel("Role")).ToHaveValueAsync(""); // no role is chosen for the inviter
        await form.GetByLabel("Role").SelectOptionAsync(new SelectOptionValue { Value = role });
        await form.GetByRole(AriaRole.Button, new() { Name = "Invite", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"Invited {email} as {roleWords}.");
    }

    private async Task<IPage> SignInAsNewPersonAsync(string name, string email, Guid entraTenant)
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync("/signin");
        var form = page.GetByRole(AriaRole.Form, new() { Name = "Sign in as someone new" });
        await form.GetByLabel("Display name").FillAsync(name);
        await form.GetByLabel("Email").FillAsync(email);
        await form.GetByLabel("Entra tenant id").FillAsync(entraTenant.ToString());
        await form.GetByRole(AriaRole.Button, new() { Name = "Sign in as this person" }).ClickAsync();
        await PortalApp.WaitForLandingPageAsync(page);
        return page;
    }
}
