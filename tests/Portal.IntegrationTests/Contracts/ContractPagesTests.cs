using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;

namespace Portal.IntegrationTests.Contracts;

/// <summary>The /contracts page (propose, accept, refusals on the form) and a tenant's /subscriptions page (list, add, remove), signed in with cookies.</summary>
public sealed partial class ContractPagesTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<HttpClient> SignedInAsync(string email)
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var page = await client.GetStringAsync("/signin", Ct);
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["userId"] = app.Demo.User(email).Id.ToString(),
            ["__RequestVerificationToken"] = Token(page),
        });
        using var response = await client.PostAsync("/signin", form, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        return client;
    }

    private static string Token(string html) => AntiforgeryToken().Match(html).Groups[1].Value;

    private static async Task<(HttpStatusCode Status, string Html, string? Location)> PostAsync(HttpClient client, string url, string token, params (string Name, string Value)[] fields)
    {
        using var form = new FormUrlEncodedContent([new("__RequestVerificationToken", token), .. fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))]);
        using var response = await client.PostAsync(url, form, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct), response.Headers.Location?.ToString());
    }

    [Fact]
    public async Task A_lead_proposes_on_the_page_and_the_customer_admin_accepts_it_there()
    {
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        var bluepeak = app.Demo.Org("Bluepeak Managed Services").Id.ToString();
        var olivia = await SignedInAsync(DemoDirectory.Olivia);
        var oliviasPage = await olivia.GetStringAsync("/contracts", Ct);
        oliviasPage.ShouldContain($"data-share-tenant-id=\"{northwind}\"");
        oliviasPage.ShouldContain("href=\"/contracts\"", Case.Sensitive, "the navigation links the page");
        oliviasPage.ShouldNotContain("Propose to manage");

        var jonas = await SignedInAsync(DemoDirectory.Jonas);
        var page = await jonas.GetStringAsync("/contracts", Ct);
        page.ShouldContain("Propose to manage a customer tenant");
        page.ShouldNotContain("data-share-tenant-id");

        // A typo in the tenant id: the form again, the field marked, nothing saved.
        var (status, html, _) = await PostAsync(jonas, "/contracts?handler=Propose", Token(page), ("Proposal.MspId", bluepeak), ("Proposal.CustomerId", "not-an-id"), ("Proposal.Message", "Hello"));
        status.ShouldBe(HttpStatusCode.BadRequest);
        html.ShouldContain("That is not a tenant id");
        html.ShouldContain("Hello");
        // An id that is no tenant: the API's 404, on the form.
        (status, html, _) = await PostAsync(jonas, "/contracts?handler=Propose", Token(page), ("Proposal.MspId", bluepeak), ("Proposal.CustomerId", Guid.NewGuid().ToString()));
        status.ShouldBe(HttpStatusCode.NotFound);
        html.ShouldContain("No such tenant");
        (await app.QueryAsync(db => db.Contracts.CountAsync(c => c.CustomerId == northwind, Ct))).ShouldBe(1);

        (status, html, var location) = await PostAsync(jonas, "/contracts?handler=Propose", Token(page), ("Proposal.MspId", bluepeak), ("Proposal.CustomerId", $" {northwind} "), ("Proposal.Message", "Airline desk, 24/7"));
        status.ShouldBe(HttpStatusCode.Redirect, html);
        location.ShouldBe("/contracts");
        (await jonas.GetStringAsync("/contracts", Ct)).ShouldContain($"Proposed to {DemoDirectory.Northwind}");
        // Twice: the 409 in the banner.
        (status, html, _) = await PostAsync(jonas, "/contracts?handler=Propose", Token(page), ("Proposal.MspId", bluepeak), ("Proposal.CustomerId", northwind.ToString()));
        status.ShouldBe(HttpStatusCode.Conflict);
        html.ShouldContain("already proposed");

        var contract = await app.QueryAsync(db => db.Contracts.AsNoTracking().SingleAsync(c => c.CustomerId == northwind && c.State == Portal.Domain.ContractState.Proposed, Ct));
        oliviasPage = await olivia.GetStringAsync("/contracts?state=Proposed", Ct);
        oliviasPage.ShouldContain("Airline desk, 24/7");
        oliviasPage.ShouldContain($"/contracts?id={contract.Id}&amp;state=Proposed&amp;handler=accept");
        (status, html, location) = await PostAsync(olivia, $"/contracts?handler=accept&id={contract.Id}", Token(oliviasPage));
        status.ShouldBe(HttpStatusCode.Redirect, html);
        var after = await olivia.GetStringAsync("/contracts", Ct);
        after.ShouldContain("Accepted: Bluepeak Managed Services manages Northwind Airways from now on.");
        after.ShouldContain($"data-contract=\"{contract.Id}\" data-state=\"Active\"");

        // Engineers and viewers hold no contract permission: the Forbidden page, and no link in the navigation.
        var maya = await SignedInAsync(DemoDirectory.Maya);
        using (var forbidden = await maya.GetAsync("/contracts", Ct)) forbidden.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await maya.GetStringAsync("/triage", Ct)).ShouldNotContain("href=\"/contracts\"");
    }

    [Fact]
    public async Task A_deactivated_customer_is_marked_so_in_its_MSPs_contract_list()
    {
        var tailspin = app.Demo.Org("Tailspin Logistics").Id;
        static string RowOf(string page, string customer) => page[page.IndexOf($"<td>{customer}", StringComparison.Ordinal)..].Split("</tr>")[0];
        var liam = await SignedInAsync(DemoDirectory.Liam);
        RowOf(await liam.GetStringAsync("/contracts", Ct), "Tailspin Logistics").ShouldNotContain("(deactivated)");

        await app.QueryAsync(async db =>
        {
            (await db.Organisations.SingleAsync(o => o.Id == tailspin, Ct)).Deactivate(DateTimeOffset.UtcNow);
            return await db.SaveChangesAsync(Ct);
        });
        try
        {
            var page = await liam.GetStringAsync("/contracts", Ct);
            RowOf(page, "Tailspin Logistics").ShouldContain("(deactivated)");
            RowOf(page, "Northwind Airways").ShouldNotContain("(deactivated)");
        }
        finally
        {
            await app.QueryAsync(async db =>
            {
                (await db.Organisations.SingleAsync(o => o.Id == tailspin, Ct)).Reactivate();
                return await db.SaveChangesAsync(Ct);
            });
        }
    }

    [Fact]
    public async Task The_customer_admin_lists_adds_and_removes_services_on_the_subscriptions_page()
    {
        var tailspin = app.Demo.TenantId("Tailspin Logistics");
        var lucas = await SignedInAsync("lucas@tailspin.example");
        var page = await lucas.GetStringAsync($"/tenants/{tailspin}/subscriptions", Ct);
        page.ShouldContain("Services Tailspin Logistics uses");
        page.ShouldContain("ShieldSensor Endpoint Agent");
        var desktops = await app.QueryAsync(db => db.Services.AsNoTracking().SingleAsync(s => s.Name == "Nimbus Virtual Desktop", Ct));
        var before = await app.QueryAsync(db => db.Subscriptions.CountAsync(s => s.CustomerId == tailspin, Ct));

        var (status, html, location) = await PostAsync(lucas, $"/tenants/{tailspin}/subscriptions?handler=Add", Token(page),
            ("ServiceId", desktops.Id.ToString()), ("Region", "NorthEurope"));
        status.ShouldBe(HttpStatusCode.Redirect, html);
        location.ShouldBe($"/tenants/{tailspin}/subscriptions");
        page = await lucas.GetStringAsync(location, Ct);
        page.ShouldContain("Nimbus Virtual Desktop in northeurope added.");
        var added = await app.QueryAsync(db => db.Subscriptions.AsNoTracking().SingleAsync(s => s.CustomerId == tailspin && s.ServiceId == desktops.Id && s.Region == "northeurope", Ct));

        // The same again: the API's 409 in the banner; no service chosen: the field marked.
        (status, html, _) = await PostAsync(lucas, $"/tenants/{tailspin}/subscriptions?handler=Add", Token(page), ("ServiceId", desktops.Id.ToString()), ("Region", "northeurope"));
        status.ShouldBe(HttpStatusCode.Conflict);
        html.ShouldContain("already uses Nimbus Virtual Desktop in northeurope");
        (status, html, _) = await PostAsync(lucas, $"/tenants/{tailspin}/subscriptions?handler=Add", Token(page), ("ServiceId", ""));
        status.ShouldBe(HttpStatusCode.BadRequest);
        html.ShouldContain("Name the service the tenant uses");

        (status, html, _) = await PostAsync(lucas, $"/tenants/{tailspin}/subscriptions?handler=Remove&subscriptionId={added.Id}", Token(page));
        status.ShouldBe(HttpStatusCode.Redirect, html);
        (await app.QueryAsync(db => db.Subscriptions.CountAsync(s => s.CustomerId == tailspin, Ct))).ShouldBe(before);
        var audit = await app.QueryAsync(db => db.AuditEntries.AsNoTracking().Where(a => a.OrganisationId == tailspin && a.Action.StartsWith("subscription_"))
            .OrderBy(a => a.At).Select(a => a.Action + ": " + a.Detail).ToListAsync(Ct));
        audit.ShouldBe(["subscription_added: Uses Nimbus Cloud's Nimbus Virtual Desktop in northeurope.",
            "subscription_removed: No longer uses Nimbus Virtual Desktop in northeurope."]);

        // Its MSP's engineer manages them too; another tenant's admin finds nothing, and cannot remove through it.
        var maya = await SignedInAsync(DemoDirectory.Maya);
        (await maya.GetStringAsync($"/tenants/{tailspin}/subscriptions", Ct)).ShouldContain("Add a service");
        var hana = await SignedInAsync(DemoDirectory.Hana);
        var hanasOwn = await hana.GetStringAsync($"/tenants/{app.Demo.TenantId(DemoDirectory.Woodgrove)}/subscriptions", Ct);
        var foreignSubscription = await app.QueryAsync(db => db.Subscriptions.AsNoTracking().FirstAsync(s => s.CustomerId == tailspin, Ct));
        (status, _, _) = await PostAsync(hana, $"/tenants/{tailspin}/subscriptions?handler=Remove&subscriptionId={foreignSubscription.Id}", Token(hanasOwn));
        status.ShouldBe(HttpStatusCode.NotFound);
        (await app.QueryAsync(db => db.Subscriptions.CountAsync(s => s.Id == foreignSubscription.Id, Ct))).ShouldBe(1);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
