using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Domain;
using Portal.Pipeline.Commit;

namespace Portal.IntegrationTests.Live;

/// <summary>Changes made the way background jobs make them: the app's unit of work in a scope of its own, then published.</summary>
public static class AppCommits
{
    public static async Task CommitAsync(this PortalApp app, Func<PortalDbContext, CancellationToken, Task> change)
    {
        await using var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantScope>().UseSystemAccess();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var (_, committed) = await UnitOfWork.CommitAsync(db, "test change", async ct =>
        {
            await change(db, ct);
            await db.SaveChangesAsync(ct);
            return 0;
        }, TestContext.Current.CancellationToken);
        if (!committed.IsEmpty) await app.Services.GetRequiredService<CommitPublisher>().PublishAsync(committed);
    }
}

/// <summary>What the revocation tests do through the API.</summary>
public static class RevocationApi
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<Guid> MembershipIdAsync(HttpClient admin, Guid organisationId, string email)
    {
        var people = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/organisations/{organisationId}/people", Ct);
        return people.GetProperty("members").EnumerateArray().First(m => m.GetProperty("email").GetString() == email).GetProperty("membershipId").GetGuid();
    }

    public static async Task<Guid> NewIncidentAsync(HttpClient msp, Guid tenantId, string title)
    {
        var created = await msp.PostAsJsonAsync($"/api/v1/tenants/{tenantId}/incidents", new { title, severity = "Sev2" }, Ct);
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        return (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
    }

    public static async Task CustomerNoteAsync(HttpClient msp, Guid incidentId, string text) =>
        (await msp.PostAsJsonAsync($"/api/v1/incidents/{incidentId}/notes", new { text, visibility = "Customer" }, Ct)).EnsureSuccessStatusCode();

    /// <summary>The hub closed the connection (no access left): polled for at most a second.</summary>
    public static async Task ShouldBeClosedAsync(LiveClient client)
    {
        var deadline = DateTime.UtcNow.AddSeconds(1);
        while (client.Connection.State != HubConnectionState.Disconnected && DateTime.UtcNow < deadline) await Task.Delay(20, Ct);
        client.Connection.State.ShouldBe(HubConnectionState.Disconnected, $"{client.Name}'s socket is closed once no access is left");
    }
}

public sealed class MemberRemovalApp() : LiveApp(DbProvider.Sqlite, null);

/// <summary>
/// Issue 13, part 6 on one instance: a member removed through the API hears nothing more from the moment the removal commits,
/// and is refused at once — no cache lifetime waited out, no manual invalidation.
/// </summary>
public sealed class MemberRemovalTests(MemberRemovalApp app) : IClassFixture<MemberRemovalApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task A_removed_customer_viewer_receives_no_event_after_the_removal_commits_and_is_refused_at_once()
    {
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        await using var noah = await app.ConnectAsync(DemoDirectory.Noah);
        await using var olivia = await app.ConnectAsync(DemoDirectory.Olivia);
        var noahApi = await app.ClientForAsync(DemoDirectory.Noah);
        var oliviaApi = await app.ClientForAsync(DemoDirectory.Olivia);
        var mayaApi = await app.ClientForAsync(DemoDirectory.Maya);

        // Before: Noah hears his tenant, and his access is cached (the API answered him).
        var before = await RevocationApi.NewIncidentAsync(mayaApi, northwind, "Before the removal");
        await noah.WaitForAsync(m => m.IncidentId == before);
        (await noahApi.GetAsync("/api/v1/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var membershipId = await RevocationApi.MembershipIdAsync(oliviaApi, northwind, DemoDirectory.Noah);
        var heardBefore = noah.Received.Count;
        (await oliviaApi.DeleteAsync($"/api/v1/organisations/{northwind}/members/{membershipId}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        // Right after: changes in his (former) tenant reach Olivia, never Noah; his API call is refused now, not in 30 s.
        (await noahApi.GetAsync("/api/v1/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var after = await RevocationApi.NewIncidentAsync(mayaApi, northwind, "After the removal");
        await RevocationApi.CustomerNoteAsync(mayaApi, after, "Customer-visible, after the removal");
        await olivia.WaitForAsync(m => m.IncidentId == after && m.EntryText == "Customer-visible, after the removal");
        await Task.Delay(Quiet, Ct);
        noah.Received.Count.ShouldBe(heardBefore, $"Noah heard after his removal:\n{string.Join("\n", noah.Received.Skip(heardBefore))}");
        await RevocationApi.ShouldBeClosedAsync(noah);
        (await noahApi.GetAsync($"/api/v1/incidents?tenantId={northwind}", Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        await Should.ThrowAsync<Exception>(() => app.ConnectAsync(DemoDirectory.Noah));
        (await app.QueryAsync(db => db.AuditEntries.CountAsync(a => a.OrganisationId == northwind && a.Action == "member_removed" && a.Detail.Contains(DemoDirectory.Noah), Ct))).ShouldBe(1);
    }

    [Fact]
    public async Task A_removed_msp_engineer_leaves_the_msp_and_tenant_streams_at_once()
    {
        var harbor = app.Demo.Org("Harbor IT Partners").Id;
        var fabrikam = app.Demo.TenantId("Fabrikam Health");
        await using var sam = await app.ConnectAsync(DemoDirectory.Sam);
        await using var maya = await app.ConnectAsync(DemoDirectory.Maya);
        var liamApi = await app.ClientForAsync(DemoDirectory.Liam);
        var samApi = await app.ClientForAsync(DemoDirectory.Sam);
        (await samApi.GetAsync($"/api/v1/incidents?tenantId={fabrikam}", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var membershipId = await RevocationApi.MembershipIdAsync(liamApi, harbor, DemoDirectory.Sam);
        var heardBefore = sam.Received.Count;
        (await liamApi.DeleteAsync($"/api/v1/organisations/{harbor}/members/{membershipId}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await samApi.GetAsync($"/api/v1/incidents?tenantId={fabrikam}", Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var after = await RevocationApi.NewIncidentAsync(liamApi, fabrikam, "Internal work after Sam left");
        await maya.WaitForAsync(m => m.IncidentId == after);
        await Task.Delay(Quiet, Ct);
        sam.Received.Count.ShouldBe(heardBefore);
        await RevocationApi.ShouldBeClosedAsync(sam);
    }

    [Fact]
    public async Task The_cached_status_page_of_a_removed_viewer_is_not_served_again()
    {
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        var woodgrove = app.Demo.TenantId(DemoDirectory.Woodgrove);
        // A viewer of two tenants: after losing one she still passes authorization, so only the cache could serve her the page.
        var tid = app.Demo.Org(DemoDirectory.Northwind).EntraTenantId!.Value;
        var oid = Guid.NewGuid();
        await app.CommitAsync(async (db, ct) =>
        {
            var zoe = new User(Guid.NewGuid(), "Zoe Park", "zoe@northwindairways.example", tid, oid);
            zoe.Join(await db.Organisations.SingleAsync(o => o.Id == northwind, ct), Role.CustomerViewer);
            zoe.Join(await db.Organisations.SingleAsync(o => o.Id == woodgrove, ct), Role.CustomerViewer);
            db.Users.Add(zoe);
        });
        // As a browser: it keeps the antiforgery cookie the first read sets (a response that sets a cookie is never cached;
        // the page is cached per user and antiforgery cookie), so the second read fills the cache and the third is served from it.
        var zoeApi = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { HandleCookies = true, AllowAutoRedirect = false, BaseAddress = app.ClientOptions.BaseAddress });
        zoeApi.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", app.MintToken(tid, oid, "Zoe Park"));

        (await zoeApi.GetAsync($"/status/{northwind}", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await zoeApi.GetAsync($"/status/{northwind}", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var cached = await zoeApi.GetAsync($"/status/{northwind}", Ct);
        cached.StatusCode.ShouldBe(HttpStatusCode.OK);
        cached.Headers.Age.ShouldNotBeNull("the second read is the cached page");

        var oliviaApi = await app.ClientForAsync(DemoDirectory.Olivia);
        var membershipId = await RevocationApi.MembershipIdAsync(oliviaApi, northwind, "zoe@northwindairways.example");
        (await oliviaApi.DeleteAsync($"/api/v1/organisations/{northwind}/members/{membershipId}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var afterRemoval = await zoeApi.GetAsync($"/status/{northwind}", Ct);
        afterRemoval.StatusCode.ShouldBe(HttpStatusCode.NotFound, "within the page cache's 10 s, yet not served from it");
        (await zoeApi.GetAsync($"/status/{woodgrove}", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK, "her other tenant is untouched");
    }

    [Fact]
    public async Task Removing_members_keeps_to_the_organisation_and_its_last_admin()
    {
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        var harbor = app.Demo.Org("Harbor IT Partners").Id;
        var woodgrove = app.Demo.TenantId(DemoDirectory.Woodgrove);
        var oliviaApi = await app.ClientForAsync(DemoDirectory.Olivia);
        var olivias = await RevocationApi.MembershipIdAsync(oliviaApi, northwind, DemoDirectory.Olivia);

        var lastAdmin = await oliviaApi.DeleteAsync($"/api/v1/organisations/{northwind}/members/{olivias}", Ct);
        lastAdmin.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await lastAdmin.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("code").GetString().ShouldBe("last_admin");

        // Another organisation's admin: the organisation is not theirs (404); their own organisation with a foreign membership: 404.
        var hanaApi = await app.ClientForAsync(DemoDirectory.Hana);
        (await hanaApi.DeleteAsync($"/api/v1/organisations/{northwind}/members/{olivias}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await hanaApi.GetAsync($"/api/v1/organisations/{northwind}/people", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await hanaApi.DeleteAsync($"/api/v1/organisations/{woodgrove}/members/{olivias}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await hanaApi.DeleteAsync($"/api/v1/organisations/{woodgrove}/members/{Guid.NewGuid()}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        // A member without the permission: 403.
        var mayaApi = await app.ClientForAsync(DemoDirectory.Maya);
        (await mayaApi.GetAsync($"/api/v1/organisations/{harbor}/people", Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await mayaApi.DeleteAsync($"/api/v1/organisations/{harbor}/members/{Guid.NewGuid()}", Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        // A platform admin may name any organisation; a missing one is 404. The refusals changed nothing and were not audited.
        var adaApi = await app.ClientForAsync(DemoDirectory.Ada);
        (await adaApi.GetAsync($"/api/v1/organisations/{Guid.NewGuid()}/people", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await app.QueryAsync(db => db.Memberships.AnyAsync(m => m.Id == olivias, Ct))).ShouldBeTrue();
        (await app.QueryAsync(db => db.AuditEntries.CountAsync(a => a.OrganisationId == northwind && a.Action == "member_removed" && a.Detail.Contains("Olivia"), Ct))).ShouldBe(0);
    }
}

public sealed class AccessChangeApp() : PortalApp(DbProvider.Sqlite, null);

/// <summary>Which committed changes the save pass reports as access changes (<see cref="CommittedChanges.AccessChanged"/>), and whom they name.</summary>
public sealed class AccessChangeDetectionTests(AccessChangeApp app) : IClassFixture<AccessChangeApp>
{
    private async Task<AccessChange?> CommitAsync(Func<PortalDbContext, CancellationToken, Task> change)
    {
        await using var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantScope>().UseSystemAccess();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var (_, committed) = await UnitOfWork.CommitAsync(db, "test change", async ct =>
        {
            await change(db, ct);
            await db.SaveChangesAsync(ct);
            return 0;
        }, TestContext.Current.CancellationToken);
        await app.Services.GetRequiredService<CommitPublisher>().PublishAsync(committed);
        return committed.AccessChanged;
    }

    [Fact]
    public async Task Memberships_contracts_and_organisations_are_reported_with_whom_they_concern_and_other_changes_are_not()
    {
        var fabrikam = app.Demo.TenantId("Fabrikam Health");
        var harbor = app.Demo.Org("Harbor IT Partners").Id;
        var hana = app.Demo.User(DemoDirectory.Hana);

        var joined = await CommitAsync(async (db, ct) =>
        {
            var user = await db.Users.Include(u => u.Memberships).SingleAsync(u => u.Id == hana.Id, ct);
            user.Join(await db.Organisations.SingleAsync(o => o.Id == fabrikam, ct), Role.CustomerViewer);
        });
        joined.ShouldNotBeNull();
        joined.UserIds.ShouldBe([hana.Id]);
        joined.OrganisationIds.ShouldBe([fabrikam]);
        joined.CommittedAt.ShouldBeGreaterThan(DateTimeOffset.UtcNow.AddMinutes(-1));

        var ended = await CommitAsync(async (db, ct) => (await db.Contracts.SingleAsync(c => c.MspId == harbor && c.CustomerId == fabrikam, ct)).End(DateTimeOffset.UtcNow));
        ended.ShouldNotBeNull();
        ended.UserIds.ShouldBeEmpty();
        ended.OrganisationIds.ShouldBe([harbor, fabrikam], ignoreOrder: true);

        var deactivated = await CommitAsync(async (db, ct) => (await db.Organisations.SingleAsync(o => o.Id == fabrikam, ct)).Deactivate(DateTimeOffset.UtcNow));
        deactivated.ShouldNotBeNull();
        deactivated.OrganisationIds.ShouldBe([fabrikam]);
        deactivated.EntraTenantIds.ShouldBe([app.Demo.Org("Fabrikam Health").EntraTenantId!.Value]);

        // A new user: whoever signs in from its Entra tenant may have been cached as unknown.
        var newcomerId = Guid.NewGuid();
        var woodgrove = app.Demo.Org(DemoDirectory.Woodgrove);
        var created = await CommitAsync((db, _) =>
        {
            db.Users.Add(new User(newcomerId, "New Person", "new.person@woodgrovebank.example", woodgrove.EntraTenantId!.Value, Guid.NewGuid()));
            return Task.CompletedTask;
        });
        created.ShouldNotBeNull();
        created.UserIds.ShouldBe([newcomerId]);
        created.EntraTenantIds.ShouldBe([woodgrove.EntraTenantId!.Value]);

                // An audit line alone (or any change to incidents, tasks, advisories) takes no access away.
        (await CommitAsync((db, _) =>
        {
            db.AuditEntries.Add(new AuditEntry(fabrikam, DateTimeOffset.UtcNow, null, "Portal", "test", "Nothing about access"));
            return Task.CompletedTask;
        })).ShouldBeNull();
    }
}
