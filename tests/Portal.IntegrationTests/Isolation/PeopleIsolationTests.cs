using Microsoft.EntityFrameworkCore;

namespace Portal.IntegrationTests.Isolation;

/// <summary>
/// The isolation contract for an organisation's own routes (people, invitations, roles, audit log, organisation administration),
/// as a table: every route × every kind of caller, on an MSP (Harbor) and a customer tenant (Northwind). Another organisation's
/// id answers 404 exactly like a missing one; a member without the permission 403; refused calls change nothing. The incident
/// matrix (<see cref="IsolationTests"/>) is built around one target incident, so these routes have their own table.
/// Allowed changes are not replayed here (they would change the target): PeopleTests and OrganisationAdminTests cover them.
/// </summary>
public sealed class PeopleIsolationTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public enum Caller { OwnAdmin, OwnMember, OtherMspLead, ManagingMspLead, ManagedCustomerAdmin, ForeignCustomerAdmin, Provider, PlatformAdmin, Anonymous, UnknownTenant, UnknownUserInKnownTenant }

    public enum Target { Harbor, Northwind }

    /// <summary>An allowed change (e.g. the org's own admin inviting): not a refusal, so not in this matrix; PeopleTests and OrganisationAdminTests make those changes and check them.</summary>
    private const int AllowedChangeTestedElsewhere = 0;

    private sealed record Route(string Method, string Path, Func<Target, string?> Body, bool Admin, bool Changes);

    private static readonly Dictionary<string, Route> Routes = new()
    {
        ["people"] = new("GET", "people", _ => null, Admin: false, Changes: false),
        ["invite"] = new("POST", "invitations", t => $$"""{"email":"iso.{{Guid.NewGuid():N}}@example.com","role":"{{(t == Target.Harbor ? "MspEngineer" : "CustomerViewer")}}"}""", false, true),
        ["invitation"] = new("GET", "invitations/{invitation}", _ => null, Admin: false, Changes: false),
        ["revoke invitation"] = new("DELETE", "invitations/{invitation}", _ => null, false, true),
        ["change role"] = new("PUT", "members/{membership}/role", t => $$"""{"role":"{{(t == Target.Harbor ? "MspLead" : "CustomerAdmin")}}"}""", false, true),
        ["audit"] = new("GET", "audit", _ => null, false, false),
        ["organisation"] = new("GET", "", _ => null, Admin: true, Changes: false),
        ["rename"] = new("PUT", "name", _ => """{"name":"Renamed by an outsider"}""", true, true),
        ["bind tenant"] = new("PUT", "entra-tenant", _ => $$"""{"entraTenantId":"{{Guid.NewGuid()}}"}""", true, true),
        ["prefix"] = new("PUT", "incident-prefix", _ => """{"incidentPrefix":"ZZZ"}""", true, true),
        ["deactivate"] = new("POST", "deactivate", _ => null, true, true),
        ["reactivate"] = new("POST", "reactivate", _ => null, true, true),
    };

    /// <summary>Who the caller is for each target: (demo email, or null for a token-only caller).</summary>
    private static string? EmailOf(Caller caller, Target target) => (caller, target) switch
    {
        (Caller.OwnAdmin, Target.Harbor) => DemoDirectory.Liam,
        (Caller.OwnAdmin, Target.Northwind) => DemoDirectory.Olivia,
        (Caller.OwnMember, Target.Harbor) => DemoDirectory.Maya,
        (Caller.OwnMember, Target.Northwind) => DemoDirectory.Noah,
        (Caller.OtherMspLead, _) => DemoDirectory.Jonas,
        (Caller.ManagingMspLead, _) => DemoDirectory.Liam,            // Harbor manages Northwind: still not Northwind's people
        (Caller.ManagedCustomerAdmin, _) => DemoDirectory.Olivia,     // Northwind is Harbor's customer: still not Harbor's people
        (Caller.ForeignCustomerAdmin, _) => DemoDirectory.Hana,
        (Caller.Provider, _) => DemoDirectory.Priya,
        (Caller.PlatformAdmin, _) => DemoDirectory.Ada,
        _ => null,
    };

    private static int Expected(Route route, Caller caller, Target target)
    {
        switch (caller)
        {
            case Caller.Anonymous: return 401;
            case Caller.UnknownTenant or Caller.UnknownUserInKnownTenant: return 403;
            case Caller.PlatformAdmin: return route.Changes ? AllowedChangeTestedElsewhere : 200;
            case Caller.OwnMember: return 403;
            case Caller.OwnAdmin: return route.Admin ? 403 : route.Changes ? AllowedChangeTestedElsewhere : 200;
        }
        // ManagingMspLead on Harbor is Harbor's own admin, ManagedCustomerAdmin on Northwind is Northwind's: covered above.
        if (EmailOf(caller, target) == EmailOf(Caller.OwnAdmin, target)) return route.Admin ? 403 : route.Changes ? AllowedChangeTestedElsewhere : 200;
        return 404;
    }

    public static TheoryData<Target, string, Caller> Matrix =>
        [.. from t in Enum.GetValues<Target>() from r in Routes.Keys from c in Enum.GetValues<Caller>() where Expected(Routes[r], c, t) != AllowedChangeTestedElsewhere select (t, r, c)];

    private Guid OrganisationOf(Target target) => app.Demo.Org(target == Target.Harbor ? "Harbor IT Partners" : DemoDirectory.Northwind).Id;

    /// <summary>A pending invitation and a membership of each target, for the routes that name one.</summary>
    private sealed record Subjects(Guid Invitation, Guid Membership);

    private Task<Subjects> SubjectsAsync(Target target) => app.OnceAsync($"subjects-{target}", async () =>
    {
        var ada = await app.ClientForAsync(DemoDirectory.Ada);
        var organisation = OrganisationOf(target);
        using var invited = await ada.PostJsonAsync($"/api/v1/organisations/{organisation}/invitations",
            new { email = $"iso-subject.{Guid.NewGuid():N}@example.com", role = target == Target.Harbor ? "MspEngineer" : "CustomerViewer" });
        var invitation = System.Text.Json.JsonDocument.Parse(await invited.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        var member = app.Demo.User(EmailOf(Caller.OwnMember, target)!).Id;
        var membership = await app.QueryAsync(db => db.Memberships.Where(m => m.UserId == member && m.OrganisationId == organisation).Select(m => m.Id).SingleAsync());
        return new Subjects(invitation, membership);
    });

    private async Task<HttpClient> ClientAsync(Caller caller, Target target)
    {
        if (EmailOf(caller, target) is { } email) return await app.ClientForAsync(email);
        var harbor = app.Demo.Org("Harbor IT Partners");
        return caller switch
        {
            Caller.Anonymous => app.Anonymous(),
            Caller.UnknownTenant => app.ClientWithToken(app.MintToken(Guid.NewGuid(), Guid.NewGuid(), "Mallory", email: DemoDirectory.Liam)),
            // A known Entra tenant and a known admin's email, but an oid that is no Portal user and no invitation: nobody.
            _ => app.ClientWithToken(app.MintToken(harbor.EntraTenantId!.Value, Guid.NewGuid(), "Mallory", email: DemoDirectory.Liam)),
        };
    }

    /// <summary>Everything about an organisation a refused call must leave as it was.</summary>
    private Task<string> StateOfAsync(Guid organisationId) => app.QueryAsync(async db =>
    {
        var o = await db.Organisations.AsNoTracking().SingleAsync(x => x.Id == organisationId);
        var members = await db.Memberships.AsNoTracking().Where(m => m.OrganisationId == organisationId).OrderBy(m => m.Id).Select(m => m.Id + ":" + m.Role).ToListAsync();
        var invitations = await db.Invitations.AsNoTracking().Where(i => i.OrganisationId == organisationId).OrderBy(i => i.Id)
            .Select(i => i.Id + ":" + i.Email + ":" + (i.RevokedAt == null ? "open" : "revoked")).ToListAsync();
        var audit = await db.AuditEntries.CountAsync(a => a.OrganisationId == organisationId);
        return $"{o.Name}|{o.EntraTenantId}|{o.IncidentPrefix}|{o.DeactivatedAt}|{string.Join(",", members)}|{string.Join(",", invitations)}|{audit}";
    });

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Every_organisation_route_refuses_every_outsider_and_changes_nothing(Target target, string routeName, Caller caller)
    {
        var route = Routes[routeName];
        var expected = Expected(route, caller, target);
        var organisation = OrganisationOf(target);
        var (invitation, membership) = await SubjectsAsync(target);
        string Url(Guid id) => $"/api/v1/organisations/{id}" + (route.Path.Length == 0 ? "" : "/") + route.Path.Replace("{invitation}", invitation.ToString()).Replace("{membership}", membership.ToString());

        var client = await ClientAsync(caller, target);
        var before = await StateOfAsync(organisation);
        using var response = await client.SendRawAsync(new HttpMethod(route.Method), Url(organisation), route.Body(target));
        var body = await response.Content.ReadAsStringAsync(Ct);
        ((int)response.StatusCode).ShouldBe(expected, $"{caller} → {routeName} on {target}: {body}");

        if (expected >= 400)
        {
            (await StateOfAsync(organisation)).ShouldBe(before, $"{caller} → {routeName} on {target} was refused but changed the organisation");
            foreach (var member in app.Demo.Users.Where(u => u.Memberships.Any(m => m.OrganisationId == organisation))) body.ShouldNotContain(member.Email);
        }
        if (expected is 403 or 404) response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", body);
        if (expected == 404)
        {
            var problem = await response.ReadProblemAsync(HttpStatusCode.NotFound);
            var missing = Guid.NewGuid();
            using var other = await client.SendRawAsync(new HttpMethod(route.Method), Url(missing), route.Body(target));
            var missingProblem = await other.ReadProblemAsync(HttpStatusCode.NotFound);
            missingProblem.Title.ShouldBe(problem.Title);
            missingProblem.Detail.ShouldBe(problem.Detail!.Replace(organisation.ToString(), missing.ToString(), StringComparison.Ordinal));
        }
        if (expected == 200 && routeName == "people")
        {
            body.ShouldContain(app.Demo.User(EmailOf(Caller.OwnMember, target)!).Email);
        }
    }

    [Fact]
    public async Task An_MSP_lead_sees_only_its_own_people_and_a_customer_admin_only_its_tenants()
    {
        var liam = await app.ClientForAsync(DemoDirectory.Liam);
        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        var harbor = app.Demo.Org("Harbor IT Partners").Id;
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);

        var harborPeople = await (await liam.GetAsync($"/api/v1/organisations/{harbor}/people", Ct)).Content.ReadAsStringAsync(Ct);
        harborPeople.ShouldContain(DemoDirectory.Maya);
        harborPeople.ShouldNotContain(DemoDirectory.Ines);
        harborPeople.ShouldNotContain(DemoDirectory.Olivia);
        var northwindPeople = await (await olivia.GetAsync($"/api/v1/organisations/{northwind}/people", Ct)).Content.ReadAsStringAsync(Ct);
        northwindPeople.ShouldContain(DemoDirectory.Noah);
        northwindPeople.ShouldNotContain(DemoDirectory.Maya);
        // Every other organisation: 404 for both.
        foreach (var other in app.Demo.Organisations.Where(o => o.Id != harbor && o.Id != northwind))
        {
            (await liam.GetAsync($"/api/v1/organisations/{other.Id}/people", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound, other.Name);
            (await olivia.GetAsync($"/api/v1/organisations/{other.Id}/people", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound, other.Name);
        }
        // The platform admin reads every organisation's people.
        var ada = await app.ClientForAsync(DemoDirectory.Ada);
        foreach (var o in app.Demo.Organisations)
            (await ada.GetAsync($"/api/v1/organisations/{o.Id}/people", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK, o.Name);
    }
}
