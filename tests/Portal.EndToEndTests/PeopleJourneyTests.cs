using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Portal.EndToEndTests;

/// <summary>
/// Onboarding in the browser: the platform admin creates an MSP and a customer on /admin/organisations and invites the MSP's
/// lead; the lead signs in for the first time (the development sign-in for someone new, from the MSP's Entra tenant) and
/// invites an engineer on the people page; the engineer signs in the same way and is in the MSP.
/// </summary>
public sealed class PeopleJourneyTests(PortalApp app)
{
    [Fact]
    public async Task A_platform_admin_onboards_an_MSP_whose_lead_invites_an_engineer_who_then_signs_in()
    {
        var run = Guid.NewGuid().ToString("N")[..6];
        var mspName = $"Contoso Managed {run}";
        var customerName = $"Litware {run}";
        var mspTenant = Guid.NewGuid();
        var prefix = new string([.. run.Select(c => (char)('A' + c % 26))]);

        var ada = await app.SignInAsync("Ada Lovelace");
        await ada.GotoAsync("/admin/organisations");
        await CreateOrganisationAsync(ada, mspName, "MSP", mspTenant, null);
        await CreateOrganisationAsync(ada, customerName, "Customer", Guid.NewGuid(), prefix);
        await Expect(ada.GetByRole(AriaRole.Row).Filter(new() { HasText = customerName })).ToContainTextAsync(prefix);

        // The MSP's people page: invite its lead.
        await ada.GetByRole(AriaRole.Link, new() { Name = mspName, Exact = true }).ClickAsync();
        await Expect(ada.GetByRole(AriaRole.Heading, new() { Name = $"People of {mspName}", Level = 1 })).ToBeVisibleAsync();
        var leadEmail = $"lena.{run}@contoso.example";
        await InviteAsync(ada, leadEmail, "MspLead");

        // The lead's first sign-in from the MSP's Entra tenant binds the invitation; they invite an engineer.
        var lead = await SignInAsNewPersonAsync("Lena Lead", leadEmail, mspTenant);
        await Expect(lead.GetByRole(AriaRole.Banner)).ToContainTextAsync(mspName);
        await lead.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "People" }).ClickAsync();
        await Expect(lead.GetByRole(AriaRole.Heading, new() { Name = $"People of {mspName}", Level = 1 })).ToBeVisibleAsync();
        await Expect(lead.GetByTestId("members")).ToContainTextAsync("Lena Lead");
        var engineerEmail = $"eli.{run}@contoso.example";
        await InviteAsync(lead, engineerEmail, "MspEngineer");
        await Expect(lead.GetByTestId("invitations")).ToContainTextAsync(engineerEmail);
        await Expect(lead.GetByTestId("audit")).ToContainTextAsync($"Invited {engineerEmail} as MspEngineer");

        // The engineer signs in from the MSP's tenant and is in the MSP: its name in the header, its MSP links in the navigation.
        // (Its triage queue opens once the MSP manages a tenant: contracts are the contracts branch's journey.)
        var engineer = await SignInAsNewPersonAsync("Eli Engineer", engineerEmail, mspTenant);
        await Expect(engineer.GetByRole(AriaRole.Banner)).ToContainTextAsync("Eli Engineer");
        await Expect(engineer.GetByRole(AriaRole.Banner)).ToContainTextAsync(mspName);
        await Expect(engineer.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Triage" })).ToBeVisibleAsync();
        // An engineer does not manage people: no People link.
        await Expect(engineer.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "People" })).ToHaveCountAsync(0);

        await lead.ReloadAsync();
        await Expect(lead.GetByTestId("members")).ToContainTextAsync("Eli Engineer");
    }

    private static async Task CreateOrganisationAsync(IPage page, string name, string kind, Guid entraTenant, string? prefix)
    {
        var form = page.GetByRole(AriaRole.Form, new() { Name = "New organisation" });
        await form.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
        await form.GetByLabel("Kind").SelectOptionAsync(new SelectOptionValue { Label = kind });
        await form.GetByLabel("Entra tenant id").FillAsync(entraTenant.ToString());
        if (prefix is not null) await form.GetByLabel("Incident prefix").FillAsync(prefix);
        await form.GetByRole(AriaRole.Button, new() { Name = "Create" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"Created {name}");
        await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = name })).ToHaveCountAsync(1);
    }

    private static async Task InviteAsync(IPage page, string email, string role)
    {
        var form = page.GetByRole(AriaRole.Form, new() { Name = "Invite someone" });
        await form.GetByLabel("Email").FillAsync(email);
        await form.GetByLabel("Role").SelectOptionAsync(new SelectOptionValue { Label = role });
        await form.GetByRole(AriaRole.Button, new() { Name = "Invite", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"Invited {email} as {role}");
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
        await page.WaitForURLAsync(url => !new Uri(url).AbsolutePath.StartsWith("/signin", StringComparison.Ordinal), new() { WaitUntil = WaitUntilState.Commit });
        await page.WaitForLoadStateAsync(LoadState.DOMContentLoaded);
        return page;
    }
}
