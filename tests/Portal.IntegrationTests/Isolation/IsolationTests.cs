using System.Net.Http.Json;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Portal.Domain;
using Portal.Infrastructure.Auth;

namespace Portal.IntegrationTests.Isolation;

public enum Actor
{
    /// <summary>Hana Sato, CustomerAdmin of Woodgrove Bank (another MSP's customer).</summary>
    ForeignCustomer,
    /// <summary>Ines Duarte, MspEngineer of Bluepeak (does not manage Northwind).</summary>
    OtherMspEngineer,
    /// <summary>Priya Raman, ProviderPublisher: never sees a customer's incidents.</summary>
    Provider,
    /// <summary>Tom Becker, ProviderViewer of the same provider: reads its advisories, never a tenant's records.</summary>
    ProviderViewer,
    /// <summary>Grace Liu, ProviderPublisher of the other provider (Nimbus Cloud), whose services Northwind subscribes to as well.</summary>
    OtherProvider,
    /// <summary>Ada Lovelace, PlatformAdmin: organisations, not tenant records.</summary>
    PlatformAdmin,
    Anonymous,
    /// <summary>A correctly signed token from an Entra tenant Portal does not know.</summary>
    UnknownTenant,
    /// <summary>A correctly signed token with a known tid (Harbor's) but an oid that is no Portal user.</summary>
    UnknownUserInKnownTenant,
    /// <summary>Maya's tid and oid, signed with a key Portal does not trust.</summary>
    WrongKey,
    /// <summary>Maya's tid and oid, right key, expired an hour ago.</summary>
    ExpiredToken,
    /// <summary>An engineer invited into Harbor (which manages Northwind), who signed in and worked there, then was removed by Harbor's lead.</summary>
    RemovedMember,
    /// <summary>The lead of an MSP that managed Northwind under an active contract, until the platform deactivated the MSP.</summary>
    DeactivatedOrganisation,
    /// <summary>Noah Patel, CustomerViewer of Northwind itself: sees it, may not work on it (the 403 side, and a positive control).</summary>
    OwnCustomer,
}

/// <summary>
/// The isolation contract as a table: every incident route × every kind of outsider. A foreign or missing record is
/// 404 with the same body; visible but not allowed is 403; no or bad credentials 401; an unknown Entra tenant 403.
/// Nothing changes, and nothing of the target leaks into a refusal. Adding a route = adding one row to <see cref="Routes"/>.
/// </summary>
public abstract class IsolationTests(PortalApp app)
{
    public sealed record Target(Guid IncidentId, Guid TenantId, string Reference, string Title, string InternalMarker);

    /// <param name="Body">JSON body, or null</param>
    /// <param name="Expected">status per actor</param>
    /// <param name="NotFound">the title of this route's 404 ("No such incident" / "No such tenant")</param>
    public sealed record Route(string Method, Func<Target, Guid, string> Url, string? Body, IReadOnlyDictionary<Actor, int> Expected, string NotFound);

    /// <summary>The default answers: outsiders who can sign in get 404, bad credentials 401, unknown identities 403.</summary>
    private static Dictionary<Actor, int> Refused(int ownCustomer, params (Actor Actor, int Status)[] overrides)
    {
        var expected = new Dictionary<Actor, int>
        {
            [Actor.ForeignCustomer] = 404, [Actor.OtherMspEngineer] = 404, [Actor.Provider] = 404, [Actor.ProviderViewer] = 404,
            [Actor.OtherProvider] = 404, [Actor.PlatformAdmin] = 404,
            [Actor.Anonymous] = 401, [Actor.WrongKey] = 401, [Actor.ExpiredToken] = 401,
            [Actor.UnknownTenant] = 403, [Actor.UnknownUserInKnownTenant] = 403,
            [Actor.RemovedMember] = 403, [Actor.DeactivatedOrganisation] = 403,
            [Actor.OwnCustomer] = ownCustomer,
        };
        foreach (var (actor, status) in overrides) expected[actor] = status;
        return expected;
    }

    private const string NoIncident = "No such incident";
    private const string NoTenant = "No such tenant";
    private const string NoMsp = "No such MSP";
    private const string PolicyBody = """{"targets":[{"severity":"Sev1","acknowledgeMinutes":1,"resolveMinutes":2},{"severity":"Sev2","acknowledgeMinutes":1,"resolveMinutes":2},{"severity":"Sev3","acknowledgeMinutes":1,"resolveMinutes":2},{"severity":"Sev4","acknowledgeMinutes":1,"resolveMinutes":2}],"levels":[{"kind":"Acknowledge","afterMinutes":0,"onCall":true}]}""";

    /// <summary>One row per route. The Guid argument is the id to use (the target's, or a random one for the "missing" comparison).</summary>
    public static readonly Dictionary<string, Route> Routes = new()
    {
        ["create incident in tenant"] = new("POST", (t, id) => $"/api/v1/tenants/{id}/incidents", """{"title":"Must not exist","severity":"Sev1"}""", Refused(403), NoTenant),
        ["list with tenant filter"] = new("GET", (t, id) => $"/api/v1/incidents?tenantId={id}", null, Refused(200), NoTenant),
        ["search with tenant filter"] = new("GET", (t, id) => $"/api/v1/incidents?tenantId={id}&q=Isolation", null, Refused(200), NoTenant),
        ["get incident"] = new("GET", (t, id) => $"/api/v1/incidents/{id}", null, Refused(200), NoIncident),
        ["acknowledge"] = new("POST", (t, id) => $"/api/v1/incidents/{id}/acknowledge", null, Refused(403), NoIncident),
        ["assign"] = new("POST", (t, id) => $"/api/v1/incidents/{id}/assign", """{"assigneeId":null}""", Refused(403), NoIncident),
        ["change status"] = new("POST", (t, id) => $"/api/v1/incidents/{id}/status", """{"status":"Acknowledged"}""", Refused(403), NoIncident),
        ["internal note"] = new("POST", (t, id) => $"/api/v1/incidents/{id}/notes", """{"text":"Must not exist","visibility":"Internal"}""", Refused(403), NoIncident),
        ["customer note"] = new("POST", (t, id) => $"/api/v1/incidents/{id}/notes", """{"text":"A comment from the tenant","visibility":"Customer"}""",
            Refused(201), NoIncident),
        ["timeline"] = new("GET", (t, id) => $"/api/v1/incidents/{id}/timeline", null, Refused(200), NoIncident),
        ["incident report"] = new("GET", (t, id) => $"/api/v1/incidents/{id}/report", null, Refused(200), NoIncident),
        ["incident report as CSV"] = new("GET", (t, id) => $"/api/v1/incidents/{id}/report.csv", null, Refused(200), NoIncident),
        ["tenant status"] = new("GET", (t, id) => $"/api/v1/tenants/{id}/status", null, Refused(200), NoTenant),
        ["change severity"] = new("POST", (t, id) => $"/api/v1/incidents/{id}/severity", """{"severity":"Sev1"}""", Refused(403), NoIncident),
        ["contract escalation targets"] = new("PUT", (t, id) => $"/api/v1/tenants/{id}/escalation-targets",
            """{"targets":[{"severity":"Sev1","acknowledgeMinutes":1,"resolveMinutes":2}]}""", Refused(403), NoTenant),
        // The MSP's own records (Harbor, which manages the target's tenant): only its members reach them.
        ["escalation policy"] = new("GET", (t, id) => $"/api/v1/msps/{id}/escalation-policy", null, Refused(404), NoMsp),
        ["contract targets of an msp's tenants"] = new("GET", (t, id) => $"/api/v1/msps/{id}/escalation-targets", null, Refused(404), NoMsp),
        ["update escalation policy"] = new("PUT", (t, id) => $"/api/v1/msps/{id}/escalation-policy", PolicyBody, Refused(404), NoMsp),
        ["on-call rotation"] = new("GET", (t, id) => $"/api/v1/msps/{id}/on-call/rotation", null, Refused(404), NoMsp),
        ["update on-call rotation"] = new("PUT", (t, id) => $"/api/v1/msps/{id}/on-call/rotation",
            $$"""{"timeZone":"Europe/Berlin","handoffDay":"Monday","handoffTime":"09:00:00","startsOn":"2026-01-05","engineers":["{{Guid.NewGuid()}}"]}""", Refused(404), NoMsp),
        ["add on-call override"] = new("POST", (t, id) => $"/api/v1/msps/{id}/on-call/overrides",
            $$"""{"userId":"{{Guid.NewGuid()}}","from":"2026-01-05T00:00:00Z","to":"2026-01-06T00:00:00Z"}""", Refused(404), NoMsp),
        ["remove on-call override"] = new("DELETE", (t, id) => $"/api/v1/msps/{id}/on-call/overrides/{Guid.Empty}", null, Refused(404), NoMsp),
        ["on call now"] = new("GET", (t, id) => $"/api/v1/msps/{id}/on-call", null, Refused(404), NoMsp),
    };

    public static TheoryData<string, Actor> Matrix =>
        [.. Routes.SelectMany(r => Enum.GetValues<Actor>().Select(a => (r.Key, a)))];

    private Task<Target> TargetAsync() => app.OnceAsync("isolation-target", async () =>
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, response) = await maya.CreateIncidentAsync(app.Demo.TenantId(DemoDirectory.Northwind), "Isolation target kiosks", "Sev2", "Kiosks are down.");
        response.Dispose();
        var marker = $"INTERNAL-{Guid.NewGuid():N}";
        await maya.AddNoteAsync(incident.Id, $"{marker} root cause is the sensor driver", "Internal");
        await maya.AddNoteAsync(incident.Id, "We are on it.", "Customer");
        return new Target(incident.Id, incident.TenantId, incident.Reference, incident.Title, marker);
    });

    private Task<HttpClient> ClientAsync(Actor actor) => app.OnceAsync($"actor-{actor}", async () =>
    {
        var maya = app.Demo.User(DemoDirectory.Maya);
        return actor switch
        {
            Actor.ForeignCustomer => await app.ClientForAsync(DemoDirectory.Hana),
            Actor.OtherMspEngineer => await app.ClientForAsync(DemoDirectory.Ines),
            Actor.Provider => await app.ClientForAsync(DemoDirectory.Priya),
            Actor.ProviderViewer => await app.ClientForAsync("tom@sentinelshield.example"),
            Actor.OtherProvider => await app.ClientForAsync("grace@nimbuscloud.example"),
            Actor.PlatformAdmin => await app.ClientForAsync(DemoDirectory.Ada),
            Actor.OwnCustomer => await app.ClientForAsync(DemoDirectory.Noah),
            Actor.Anonymous => app.Anonymous(),
            Actor.UnknownTenant => app.ClientWithToken(app.MintToken(Guid.NewGuid(), Guid.NewGuid(), "Mallory")),
            Actor.UnknownUserInKnownTenant => app.ClientWithToken(app.MintToken(maya.Tid, Guid.NewGuid(), "Mallory")),
            Actor.WrongKey => app.ClientWithToken(app.MintToken(maya.Tid, maya.Oid, maya.Name, ForeignKey)),
            Actor.ExpiredToken => app.ClientWithToken(ExpiredTokenFor(maya)),
            Actor.RemovedMember => await RemovedMemberAsync(),
            Actor.DeactivatedOrganisation => await MemberOfDeactivatedMspAsync(),
            _ => throw new ArgumentOutOfRangeException(nameof(actor)),
        };
    });

    /// <summary>
    /// Through the API, as it happens for real: Harbor's lead invites an engineer, the engineer's first request binds the
    /// invitation and reaches Northwind, the lead removes them. Their token stays valid; Portal must refuse it.
    /// </summary>
    private async Task<HttpClient> RemovedMemberAsync()
    {
        var harbor = app.Demo.Organisations.Single(o => o.Name == "Harbor IT Partners");
        var liam = await app.ClientForAsync(DemoDirectory.Liam);
        var email = $"removed.{Guid.NewGuid():N}@harborit.example";
        (await liam.PostJsonAsync($"/api/v1/organisations/{harbor.Id}/invitations", new { email, role = "MspEngineer" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        var removed = app.ClientWithToken(app.MintToken(app.Demo.User(DemoDirectory.Maya).Tid, Guid.NewGuid(), "Rudi Removed", email: email));
        (await removed.GetAsync($"/api/v1/incidents?tenantId={app.Demo.TenantId(DemoDirectory.Northwind)}", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var people = await liam.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/organisations/{harbor.Id}/people", Ct);
        var membershipId = people.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("email").GetString() == email).GetProperty("membershipId").GetGuid();
        (await liam.DeleteAsync($"/api/v1/organisations/{harbor.Id}/members/{membershipId}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        return removed;
    }

    /// <summary>
    /// The platform admin creates an MSP, invites its lead and gives it Northwind under a contract; the lead signs in and reaches
    /// Northwind; then the platform deactivates the MSP. Its contract and data stay; its people's tokens must be refused.
    /// </summary>
    private async Task<HttpClient> MemberOfDeactivatedMspAsync()
    {
        var ada = await app.ClientForAsync(DemoDirectory.Ada);
        var entraTenant = Guid.NewGuid();
        using var created = await ada.PostJsonAsync("/api/v1/organisations", new { name = $"Gone Managed {Guid.NewGuid():N}"[..24], kind = "Msp", entraTenantId = entraTenant });
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync(Ct));
        var mspId = (await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(Ct)).GetProperty("id").GetGuid();
        var email = $"lead.{Guid.NewGuid():N}@gone.example";
        (await ada.PostJsonAsync($"/api/v1/organisations/{mspId}/invitations", new { email, role = "MspLead" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        (await ada.PostJsonAsync("/api/v1/contracts", new { mspId, customerId = northwind })).StatusCode.ShouldBe(HttpStatusCode.Created);

        var lead = app.ClientWithToken(app.MintToken(entraTenant, Guid.NewGuid(), "Gina Gone", email: email));
        (await lead.GetAsync($"/api/v1/incidents?tenantId={northwind}", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await ada.PostJsonAsync($"/api/v1/organisations/{mspId}/deactivate", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        return lead;
    }

    private static readonly RsaSecurityKey ForeignKey = new(RSA.Create(2048)) { KeyId = "portal-development" };

    private string ExpiredTokenFor(UserRow user)
    {
        var tokens = app.Services.GetRequiredService<DevelopmentTokens>();
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = DevelopmentTokens.Issuer,
            Audience = tokens.Audience,
            IssuedAt = now.AddHours(-2),
            NotBefore = now.AddHours(-2),
            Expires = now.AddHours(-1), // well beyond the 5-minute clock skew
            Subject = new ClaimsIdentity([new Claim("tid", user.Tid.ToString()), new Claim("oid", user.Oid.ToString()), new Claim("scp", DevelopmentTokens.Scope)]),
            SigningCredentials = new SigningCredentials(tokens.Key, SecurityAlgorithms.RsaSha256),
        });
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Guid IdFor(Route route, Target target) => route.NotFound switch
    {
        NoTenant => target.TenantId,
        NoMsp => app.Demo.Organisations.Single(o => o.Name == "Harbor IT Partners").Id,
        _ => target.IncidentId,
    };

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Every_route_refuses_every_outsider_and_changes_nothing(string routeName, Actor actor)
    {
        var route = Routes[routeName];
        var expected = route.Expected[actor];
        var target = await TargetAsync();
        var client = await ClientAsync(actor);
        var before = await app.StateOfAsync(target.IncidentId);
        var counters = await app.TenantCountersAsync(target.TenantId);
        var statusBefore = await CustomerStatusJsonAsync(target);

        using var response = await client.SendRawAsync(new HttpMethod(route.Method), route.Url(target, IdFor(route, target)), route.Body);
        var body = await response.Content.ReadAsStringAsync(Ct);
        ((int)response.StatusCode).ShouldBe(expected, $"{actor} → {routeName}: {body}");

        if (expected >= 400)
        {
            // nothing of the target in a refusal; nothing changed
            body.ShouldNotContain(target.Title);
            body.ShouldNotContain(target.Reference);
            body.ShouldNotContain(target.InternalMarker);
            (await app.StateOfAsync(target.IncidentId)).ShouldBe(before, $"{actor} → {routeName} was refused but changed the incident");
            (await app.TenantCountersAsync(target.TenantId)).ShouldBe(counters, $"{actor} → {routeName} was refused but created an incident");
            (await CustomerStatusJsonAsync(target)).ShouldBe(statusBefore);
        }
        if (expected == 401)
        {
            response.Headers.WwwAuthenticate.ShouldContain(h => h.Scheme == "Bearer");
        }
        if (expected is 403 or 404)
        {
            response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", body);
        }
        if (expected == 404)
        {
            // a foreign id and a missing one are indistinguishable
            var problem = await response.ReadProblemAsync(HttpStatusCode.NotFound);
            problem.Title.ShouldBe(route.NotFound);
            var missing = Guid.NewGuid();
            using var other = await client.SendRawAsync(new HttpMethod(route.Method), route.Url(target, missing), route.Body);
            var missingProblem = await other.ReadProblemAsync(HttpStatusCode.NotFound);
            missingProblem.Title.ShouldBe(problem.Title);
            missingProblem.Detail.ShouldBe(problem.Detail!.Replace(IdFor(route, target).ToString(), missing.ToString(), StringComparison.Ordinal));
            missingProblem.Errors.Count.ShouldBe(problem.Errors.Count);
        }
        if (expected is >= 200 and < 300)
        {
            // the positive control: the customer of the tenant reads it, without the internal note
            actor.ShouldBe(Actor.OwnCustomer);
            body.ShouldNotContain(target.InternalMarker);
            if (route.Method == "GET") body.ShouldContain(routeName == "timeline" ? "We are on it." : target.Reference);
        }
    }

    private async Task<string> CustomerStatusJsonAsync(Target target)
    {
        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        using var response = await olivia.GetAsync($"/api/v1/tenants/{target.TenantId}/status", Ct);
        var json = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, json);
        // generatedAt changes whenever the snapshot is rebuilt; the content is what must not change
        return System.Text.RegularExpressions.Regex.Replace(json, "\"generatedAt\":\"[^\"]*\"", "");
    }

    [Fact]
    public async Task Providers_and_platform_admins_may_not_list_incidents_at_all()
    {
        foreach (var email in new[] { DemoDirectory.Priya, "tom@sentinelshield.example", "grace@nimbuscloud.example", DemoDirectory.Ada })
        {
            var client = await app.ClientForAsync(email);
            using var response = await client.GetAsync("/api/v1/incidents", Ct);
            (await response.ReadProblemAsync(HttpStatusCode.Forbidden)).Detail.ShouldNotBeNullOrWhiteSpace();
        }
    }

    public static TheoryData<string> AllDemoUsers => [.. Portal.Infrastructure.Data.DemoData.Users.Select(u => u.Email)];

    [Theory]
    [MemberData(nameof(AllDemoUsers))]
    public async Task List_and_search_never_return_rows_of_tenants_the_user_may_not_see(string email)
    {
        await TargetAsync();
        var client = await app.ClientForAsync(email);
        if (!app.Demo.CanReadIncidents(email))
        {
            using var refused = await client.GetAsync("/api/v1/incidents?q=a", Ct);
            refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            return;
        }

        var visible = app.Demo.VisibleTenantsOf(email);
        visible.ShouldNotBeEmpty();
        var all = await app.QueryAsync(db => db.Incidents.AsNoTracking().ToListAsync());

        string[] queries = ["", "q=windows", "q=NWA", "q=WGB", "q=a", "q=-", "q=isolation", "open=true", "status=New&status=Acknowledged", "severity=Sev1&severity=Sev4"];
        foreach (var query in queries)
        {
            var items = await client.ListAllAsync(query);
            var leaked = items.Where(i => !visible.Contains(i.TenantId)).Select(i => i.Reference).ToList();
            leaked.ShouldBeEmpty($"{email} ?{query} returned other tenants' incidents");
        }

        // complete too: no filter returns everything of the visible tenants (an empty list would pass the leak check)
        var everything = await client.ListAllAsync();
        everything.Select(i => i.Id).ShouldBe(all.Where(i => visible.Contains(i.TenantId)).Select(i => i.Id), ignoreOrder: true);

        foreach (var tenant in app.Demo.Organisations.Where(o => o.Kind == OrganisationKind.Customer))
        {
            using var response = await client.GetAsync($"/api/v1/incidents?tenantId={tenant.Id}&pageSize=200", Ct);
            if (visible.Contains(tenant.Id))
            {
                var page = await response.ReadAsync<PageDto>();
                page.Items.ShouldAllBe(i => i.TenantId == tenant.Id);
                page.Total.ShouldBe(all.Count(i => i.TenantId == tenant.Id));
            }
            else
            {
                (await response.ReadProblemAsync(HttpStatusCode.NotFound)).Title.ShouldBe(NoTenant);
            }
        }
    }

    public static TheoryData<string> CustomerUsers =>
        [.. Portal.Infrastructure.Data.DemoData.Users.Where(u => u.Role is Role.CustomerAdmin or Role.CustomerViewer).Select(u => u.Email)];

    /// <summary>An internal note with a unique marker in every customer tenant, written by an engineer of its MSP.</summary>
    private Task<Dictionary<Guid, string>> InternalMarkersAsync() => app.OnceAsync("internal-markers", async () =>
    {
        var markers = new Dictionary<Guid, string>();
        foreach (var tenant in app.Demo.Organisations.Where(o => o.Kind == OrganisationKind.Customer))
        {
            // a person who works incidents (the MSP's RMM integration manages the tenant too, but writes no notes)
            var engineer = app.Demo.Users.First(u => app.Demo.MspTenantsOf(u.Email).Contains(tenant.Id) && app.Demo.CanReadIncidents(u.Email));
            var client = await app.ClientForAsync(engineer.Email);
            var incident = (await client.ListAsync($"tenantId={tenant.Id}&open=true&pageSize=1")).Items.Single();
            var marker = $"INTERNAL-{Guid.NewGuid():N}";
            await client.AddNoteAsync(incident.Id, $"{marker} do not tell the customer", "Internal");
            markers[tenant.Id] = marker;
            // an MSP user builds the cached status snapshot first: the customer must still not get internal entries from it
            using var status = await client.GetAsync($"/api/v1/tenants/{tenant.Id}/status", Ct);
            status.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await status.Content.ReadAsStringAsync(Ct)).ShouldNotContain(marker);
            (await client.TimelineAsync(incident.Id)).ShouldContain(e => e.Text.Contains(marker), "positive control: the MSP sees its note");
        }
        return markers;
    });

    [Theory]
    [MemberData(nameof(CustomerUsers))]
    public async Task A_customer_never_sees_internal_entries(string email)
    {
        var markers = await InternalMarkersAsync();
        var client = await app.ClientForAsync(email);
        var tenants = app.Demo.VisibleTenantsOf(email);
        tenants.Count.ShouldBe(1);
        var tenantId = tenants.Single();
        var internalTexts = await app.QueryAsync(db => db.TimelineEntries.AsNoTracking()
            .Where(e => e.TenantId == tenantId && e.Visibility == NoteVisibility.Internal).Select(e => e.Text).ToListAsync());
        internalTexts.ShouldContain(t => t.Contains(markers[tenantId]));

        var incidents = await client.ListAllAsync();
        incidents.ShouldNotBeEmpty();
        var customerEntries = 0;
        foreach (var incident in incidents)
        {
            var timeline = await client.TimelineAsync(incident.Id);
            timeline.ShouldAllBe(e => e.Visibility == "Customer", $"{email} sees an internal entry of {incident.Reference}");
            timeline.ShouldNotContain(e => internalTexts.Contains(e.Text));
            var expected = await app.QueryAsync(db => db.TimelineEntries.AsNoTracking()
                .CountAsync(e => e.IncidentId == incident.Id && e.Visibility == NoteVisibility.Customer));
            timeline.Length.ShouldBe(expected, "the customer-visible history is complete");
            customerEntries += timeline.Length;

            using var single = await client.GetAsync($"/api/v1/incidents/{incident.Id}", Ct);
            var json = await single.Content.ReadAsStringAsync(Ct);
            internalTexts.ShouldAllBe(t => !json.Contains(t));
        }
        customerEntries.ShouldBeGreaterThan(0);

        using var status = await client.GetAsync($"/api/v1/tenants/{tenantId}/status", Ct);
        var statusJson = await status.Content.ReadAsStringAsync(Ct);
        status.StatusCode.ShouldBe(HttpStatusCode.OK, statusJson);
        statusJson.ShouldContain("\"updates\":[{", Case.Sensitive, "positive control: customer-visible updates are shown");
        foreach (var text in internalTexts) statusJson.ShouldNotContain(text);
        statusJson.ShouldNotContain("\"Internal\"");
    }
}

public sealed class IsolationOnSqlite(SqliteApp app) : IsolationTests(app), IClassFixture<SqliteApp>;

public sealed class IsolationOnPostgreSql(PostgresApp app) : IsolationTests(app), IClassFixture<PostgresApp>;
