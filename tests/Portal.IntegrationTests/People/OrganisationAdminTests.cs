using Microsoft.EntityFrameworkCore;
using Portal.Infrastructure.Auth;

namespace Portal.IntegrationTests.People;

/// <summary>The platform operator's administration of organisations, through the API and the /admin/organisations page.</summary>
public sealed class OrganisationAdminTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<HttpClient> Ada => app.ClientForAsync(DemoDirectory.Ada);

    [Fact]
    public async Task A_platform_admin_creates_renames_and_binds_organisations_and_every_change_is_audited()
    {
        var ada = await Ada;
        var tenant = Guid.NewGuid();
        var msp = await ada.CreateOrganisationAsync("Msp", tenant, name: "Contoso Managed");
        msp.ShouldBe(new OrgDto(msp.Id, "Contoso Managed", "Msp", tenant, null, true));
        var provider = await ada.CreateOrganisationAsync("Provider");
        provider.Kind.ShouldBe("Provider");

        using (var renamed = await ada.SendRawAsync(HttpMethod.Put, $"/api/v1/organisations/{msp.Id}/name", """{"name":"  Contoso Managed Services "}"""))
        {
            (await renamed.ReadAsync<OrgDto>()).Name.ShouldBe("Contoso Managed Services");
        }
        var newTenant = Guid.NewGuid();
        using (var bound = await ada.SendRawAsync(HttpMethod.Put, $"/api/v1/organisations/{msp.Id}/entra-tenant", $$"""{"entraTenantId":"{{newTenant}}"}"""))
        {
            (await bound.ReadAsync<OrgDto>()).EntraTenantId.ShouldBe(newTenant);
        }
        using (var empty = await ada.SendRawAsync(HttpMethod.Put, $"/api/v1/organisations/{msp.Id}/entra-tenant", """{"entraTenantId":"00000000-0000-0000-0000-000000000000"}"""))
        {
            (await empty.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.Keys.ShouldContain("entraTenantId");
        }
        using (var platformKind = await ada.PostJsonAsync("/api/v1/organisations", new { name = "Second platform", kind = "Platform", entraTenantId = Guid.NewGuid() }))
        {
            (await platformKind.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.Keys.ShouldContain("kind");
        }
        using (var noPrefix = await ada.PostJsonAsync("/api/v1/organisations", new { name = "Prefixless", kind = "Customer", entraTenantId = Guid.NewGuid() }))
        {
            (await noPrefix.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.Keys.ShouldContain("incidentPrefix");
        }

        var audit = await ada.AuditAsync(msp.Id);
        audit.Items.Select(a => a.Action).ShouldBe(["entra_tenant_bound", "organisation_renamed", "organisation_created"]);
        audit.Items.ShouldAllBe(a => a.Actor == "Ada Lovelace");
        audit.Items[0].Detail.ShouldContain(tenant.ToString());
        audit.Items[0].Detail.ShouldContain(newTenant.ToString());

        // The re-bound tenant is the one its people sign in from: an invitation binds from the new tenant, not the old one.
        var email = PeopleSteps.UniqueEmail("lead");
        await ada.InviteAsync(msp.Id, email, "MspLead");
        using (var old = app.SignInAs(tenant, email))
        {
            (await old.GetAsync("/api/v1/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        }
        using var current = app.SignInAs(newTenant, email);
        (await current.GetAsync("/api/v1/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_customer_prefix_is_unique_and_fixed_once_it_has_incidents()
    {
        var ada = await Ada;
        var prefix = PeopleSteps.UniquePrefix();
        var customer = await ada.CreateOrganisationAsync("Customer", prefix: prefix);
        customer.IncidentPrefix.ShouldBe(prefix);

        using (var taken = await ada.PostJsonAsync("/api/v1/organisations", new { name = "Copycat", kind = "Customer", entraTenantId = Guid.NewGuid(), incidentPrefix = "NWA" }))
        {
            (await taken.ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("prefix_taken");
        }
        using (var takenChange = await ada.SendRawAsync(HttpMethod.Put, $"/api/v1/organisations/{customer.Id}/incident-prefix", """{"incidentPrefix":"NWA"}"""))
        {
            (await takenChange.ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("prefix_taken");
        }
        using (var lower = await ada.SendRawAsync(HttpMethod.Put, $"/api/v1/organisations/{customer.Id}/incident-prefix", """{"incidentPrefix":"abc"}"""))
        {
            (await lower.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.Keys.ShouldContain("incidentPrefix");
        }
        var next = PeopleSteps.UniquePrefix();
        using (var changed = await ada.SendRawAsync(HttpMethod.Put, $"/api/v1/organisations/{customer.Id}/incident-prefix", $$"""{"incidentPrefix":"{{next}}"}"""))
        {
            (await changed.ReadAsync<OrgDto>()).IncidentPrefix.ShouldBe(next);
        }
        // Northwind has incidents (NWA-1 …): its prefix is fixed.
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        using (var fixedPrefix = await ada.SendRawAsync(HttpMethod.Put, $"/api/v1/organisations/{northwind}/incident-prefix", $$"""{"incidentPrefix":"{{PeopleSteps.UniquePrefix()}}"}"""))
        {
            (await fixedPrefix.ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("prefix_fixed");
        }
        (await app.QueryAsync(db => db.Organisations.Where(o => o.Id == northwind).Select(o => o.IncidentPrefix).SingleAsync())).ShouldBe("NWA");
        using (var msp = await ada.SendRawAsync(HttpMethod.Put, $"/api/v1/organisations/{app.Demo.Org("Harbor IT Partners").Id}/incident-prefix", """{"incidentPrefix":"HAR"}"""))
        {
            (await msp.ReadProblemAsync(HttpStatusCode.BadRequest)).Code.ShouldBe("invalid_prefix");
        }
    }

    [Fact]
    public async Task Deactivating_an_organisation_refuses_its_people_on_API_and_pages_and_keeps_its_data()
    {
        var ada = await Ada;
        var msp = await ada.CreateOrganisationAsync("Msp");
        // One person in a browser (development sign-in for someone new binds the invitation) and with a bearer token (same tid + oid).
        var leadEmail = PeopleSteps.UniqueEmail("dana");
        await ada.InviteAsync(msp.Id, leadEmail, "MspLead");
        var browser = await app.BrowserAsNewPersonAsync(msp.EntraTenantId!.Value, leadEmail, "Dana Lead");
        using var lead = app.SignInAs(msp.EntraTenantId!.Value, leadEmail, "Dana Lead", DevelopmentSignIn.ObjectIdFor(msp.EntraTenantId!.Value, leadEmail));
        (await browser.GetAsync($"/organisations/{msp.Id}/people", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        using (var deactivated = await ada.PostJsonAsync($"/api/v1/organisations/{msp.Id}/deactivate", null))
        {
            (await deactivated.ReadAsync<OrgDto>()).IsActive.ShouldBeFalse();
        }
        using (var twice = await ada.PostJsonAsync($"/api/v1/organisations/{msp.Id}/deactivate", null))
        {
            (await twice.ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("already_deactivated");
        }
        // No waiting and no dropping the cache by hand: the commit revoked the cached access of the organisation's people.

        (await lead.GetAsync("/api/v1/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using (var page = await browser.GetAsync($"/organisations/{msp.Id}/people", Ct))
        {
            ((int)page.StatusCode is 403 or 302).ShouldBeTrue($"{page.StatusCode}");
            if (page.StatusCode == HttpStatusCode.Redirect) page.Headers.Location!.ToString().ShouldContain("/forbidden");
        }
        // Its records are kept, and the platform admin still administers it.
        (await app.QueryAsync(db => db.Memberships.CountAsync(m => m.OrganisationId == msp.Id))).ShouldBe(1);
        (await ada.PeopleAsync(msp.Id)).Members.ShouldHaveSingleItem().Email.ShouldBe(leadEmail);
        using (var invite = await ada.PostJsonAsync($"/api/v1/organisations/{msp.Id}/invitations", new { email = PeopleSteps.UniqueEmail(), role = "MspEngineer" }))
        {
            (await invite.ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("organisation_deactivated");
        }

        using (var reactivated = await ada.PostJsonAsync($"/api/v1/organisations/{msp.Id}/reactivate", null))
        {
            (await reactivated.ReadAsync<OrgDto>()).IsActive.ShouldBeTrue();
        }
        (await lead.GetAsync("/api/v1/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await ada.AuditAsync(msp.Id)).Items.Take(2).Select(a => a.Action).ShouldBe(["organisation_reactivated", "organisation_deactivated"]);

        var platform = app.Demo.Organisations.Single(o => o.Kind == Portal.Domain.OrganisationKind.Platform);
        using var platformOff = await ada.PostJsonAsync($"/api/v1/organisations/{platform.Id}/deactivate", null);
        (await platformOff.ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("platform_required");
    }

    [Fact]
    public async Task Only_platform_admins_administer_organisations()
    {
        var harbor = app.Demo.Org("Harbor IT Partners").Id;
        var liam = await app.ClientForAsync(DemoDirectory.Liam);
        using (var create = await liam.PostJsonAsync("/api/v1/organisations", new { name = "Sneaky", kind = "Msp", entraTenantId = Guid.NewGuid() }))
        {
            await create.ReadProblemAsync(HttpStatusCode.Forbidden);
        }
        // Its own organisation: visible, not permitted (403); another: 404.
        using (var own = await liam.SendRawAsync(HttpMethod.Put, $"/api/v1/organisations/{harbor}/name", """{"name":"Harbor Renamed"}"""))
        {
            await own.ReadProblemAsync(HttpStatusCode.Forbidden);
        }
        using (var other = await liam.PostJsonAsync($"/api/v1/organisations/{app.Demo.TenantId(DemoDirectory.Northwind)}/deactivate", null))
        {
            await other.ReadProblemAsync(HttpStatusCode.NotFound);
        }
        using (var missing = await (await Ada).PostJsonAsync($"/api/v1/organisations/{Guid.NewGuid()}/deactivate", null))
        {
            await missing.ReadProblemAsync(HttpStatusCode.NotFound);
        }
        (await app.QueryAsync(db => db.Organisations.Where(o => o.Id == harbor).Select(o => o.Name).SingleAsync())).ShouldBe("Harbor IT Partners");
    }

    [Fact]
    public async Task The_admin_organisations_page_creates_an_organisation_and_shows_refusals_in_the_banner()
    {
        var browser = await app.BrowserAsync(DemoDirectory.Ada);
        var html = await browser.GetStringAsync("/admin/organisations", Ct);
        html.ShouldContain("New organisation");
        html.ShouldContain("Northwind Airways");
        html.ShouldContain("href=\"/admin/organisations\"");

        var name = $"Page Customer {Guid.NewGuid():N}"[..24];
        using (var created = await browser.PostAsync("/admin/organisations?handler=Create", new FormUrlEncodedContent(new Dictionary<string, string>
               {
                   ["Create.Name"] = name, ["Create.Kind"] = "Customer", ["Create.EntraTenantId"] = Guid.NewGuid().ToString(),
                   ["Create.IncidentPrefix"] = PeopleSteps.UniquePrefix(), ["__RequestVerificationToken"] = PeopleSteps.AntiforgeryTokenOf(html),
               }), Ct))
        {
            created.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        }
        (await browser.GetStringAsync("/admin/organisations", Ct)).ShouldContain(name);

        using var taken = await browser.PostAsync("/admin/organisations?handler=Create", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Create.Name"] = "Copycat", ["Create.Kind"] = "Customer", ["Create.EntraTenantId"] = Guid.NewGuid().ToString(),
            ["Create.IncidentPrefix"] = "NWA", ["__RequestVerificationToken"] = PeopleSteps.AntiforgeryTokenOf(html),
        }), Ct);
        taken.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await taken.Content.ReadAsStringAsync(Ct)).ShouldContain("NWA");

        // An MSP lead is refused the page (Forbidden), and sees no link to it.
        var liam = await app.BrowserAsync(DemoDirectory.Liam);
        using var refused = await liam.GetAsync("/admin/organisations", Ct);
        ((int)refused.StatusCode is 403 or 302).ShouldBeTrue($"{refused.StatusCode}");
        var liamHome = await liam.GetStringAsync("/triage", Ct);
        liamHome.ShouldNotContain("/admin/organisations");
        liamHome.ShouldContain($"/organisations/{app.Demo.Org("Harbor IT Partners").Id}/people");
    }
}
