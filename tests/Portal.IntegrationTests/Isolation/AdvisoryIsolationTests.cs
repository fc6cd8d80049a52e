using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Domain;
using Portal.IntegrationTests.Advisories;

namespace Portal.IntegrationTests.Isolation;

/// <summary>
/// The advisory routes × every demo identity (and an anonymous caller and a stranger's token) × an advisory of each provider
/// and a missing id. What each may do is written here from the isolation contract (DESIGN.md), not read from the product:
/// a provider reads and writes only its own (another provider's is 404, a viewer may not write: 403); MSP people read
/// advisories and write none; a customer reads those that target its tenant and no other (404, the same as a missing one);
/// the platform admin reads none. Which tenants are targeted comes from the database (the oracle). Nothing answers 5xx,
/// nothing refused changes anything, and a refusal never carries the advisory's title.
/// </summary>
public abstract class AdvisoryIsolationTests(PortalApp app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public enum Which { Sentinel, Nimbus, Missing }

    public const string Anonymous = "(anonymous)";
    public const string Stranger = "(token of an unknown Entra tenant)";
    private const string Grace = "grace@nimbuscloud.example";

    /// <summary>An advisory of each provider: Sentinel's reaches every tenant (the sensor), Nimbus's only the westeurope ones.</summary>
    public sealed record Subject(Guid Id, Guid ProviderId, string Title, Guid ServiceId, string[] Regions, HashSet<Guid> Targets);

    public sealed record Advisories(Subject Sentinel, Subject Nimbus);

    public sealed record Route(string Method, Func<Subject?, Guid, string> Url, Func<Subject?, string>? Body, bool Writes, bool IsPublish = false);

    private static readonly Dictionary<string, Route> Routes = new()
    {
        ["get advisory"] = new("GET", (_, id) => $"/api/v1/advisories/{id}", null, Writes: false),
        ["revisions"] = new("GET", (_, id) => $"/api/v1/advisories/{id}/revisions", null, Writes: false),
        ["edit"] = new("PUT", (_, id) => $"/api/v1/advisories/{id}", s => JsonSerializer.Serialize(new
        {
            title = s!.Title, severity = "Sev2", impact = $"{s.Title}: impact.", serviceIds = new[] { s.ServiceId }, regions = s.Regions,
        }, Api.Json), Writes: true),
        ["post update"] = new("POST", (_, id) => $"/api/v1/advisories/{id}/updates", _ => """{"status":"Investigating","text":"Isolation probe: still looking."}""", Writes: true),
        ["publish for provider"] = new("POST", (s, id) => $"/api/v1/providers/{id}/advisories", s => JsonSerializer.Serialize(new
        {
            title = "Isolation probe advisory", severity = "Sev4", impact = "Probe.", serviceIds = new[] { s!.ServiceId }, regions = s.Regions,
        }, Api.Json), Writes: true, IsPublish: true),
    };

    public static IEnumerable<string> Identities => Portal.Infrastructure.Data.DemoData.Users.Select(u => u.Email).Append(Anonymous).Append(Stranger);

    public static TheoryData<string, string, Which> Matrix =>
        [.. Routes.Keys.SelectMany(route => Identities.SelectMany(who => Enum.GetValues<Which>().Select(which => (route, who, which))))];

    private Task<Advisories> SubjectsAsync() => app.OnceAsync("advisory-isolation", async () =>
    {
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        var grace = await app.ClientForAsync(Grace);
        var sensor = await priya.ServiceAsync(AdvisoryApi.SensorService);
        var compute = await grace.ServiceAsync(AdvisoryApi.ComputeService);
        var s = await priya.PublishAsync(app.Demo.Org("Sentinel Shield Security").Id, $"Sentinel isolation subject {Guid.NewGuid():N}", [sensor.Id]);
        var n = await grace.PublishAsync(app.Demo.Org("Nimbus Cloud").Id, $"Nimbus isolation subject {Guid.NewGuid():N}", [compute.Id], ["westeurope"], "Sev2");
        var nimbusTargets = await app.TargetsAsync(n.Id);
        var customers = app.Demo.Organisations.Where(o => o.Kind == OrganisationKind.Customer).Select(o => o.Id).ToList();
        customers.ShouldContain(c => !nimbusTargets.Contains(c), "the regional advisory must leave some tenant out, or the matrix proves nothing");
        nimbusTargets.ShouldNotBeEmpty();
        return new Advisories(
            new Subject(s.Id, s.ProviderId, s.Title, sensor.Id, [], await app.TargetsAsync(s.Id)),
            new Subject(n.Id, n.ProviderId, n.Title, compute.Id, ["westeurope"], nimbusTargets));
    });

    private Task<HttpClient> ClientAsync(string who) => app.OnceAsync($"advisory-actor-{who}", () => who switch
    {
        Anonymous => Task.FromResult(app.Anonymous()),
        Stranger => Task.FromResult(app.ClientWithToken(app.MintToken(Guid.NewGuid(), Guid.NewGuid(), "Mallory"))),
        _ => app.ClientForAsync(who),
    });

    /// <summary>The contract: what <paramref name="who"/> gets from <paramref name="route"/> on <paramref name="subject"/> (null: a missing id).</summary>
    private int Expected(Route route, string who, Subject? subject)
    {
        if (who == Anonymous) return 401;
        if (who == Stranger) return 403;
        var (organisationId, role) = app.Demo.User(who).Memberships.Single();
        var kind = app.Demo.Organisations.Single(o => o.Id == organisationId).Kind;
        if (subject is null) return 404;
        var ownProvider = kind == OrganisationKind.Provider && organisationId == subject.ProviderId;
        if (route.IsPublish) return ownProvider ? (role == Role.ProviderPublisher ? 201 : 403) : 404;
        var sees = kind switch
        {
            OrganisationKind.Provider => ownProvider,
            OrganisationKind.Msp => true,
            OrganisationKind.Customer => subject.Targets.Contains(organisationId),
            _ => false,
        };
        if (!sees) return 404;
        if (!route.Writes) return 200;
        if (!(ownProvider && role == Role.ProviderPublisher)) return 403;
        return route.Method == "POST" ? 201 : 200;
    }

    private Task<string> StateAsync(Guid advisoryId) => app.QueryAsync(async db =>
    {
        var a = await db.Advisories.AsNoTracking().SingleAsync(x => x.Id == advisoryId);
        var targets = await db.AdvisoryTargets.AsNoTracking().Where(t => t.AdvisoryId == advisoryId).OrderBy(t => t.TenantId).Select(t => t.TenantId).ToListAsync();
        return $"{a.Title}|{a.Severity}|{a.Status}|{a.Revision}|{a.UpdateCount}|{a.Version}|{string.Join(',', targets)}";
    });

    private Task<int> CountAsync() => app.QueryAsync(db => db.Advisories.CountAsync());

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Every_advisory_route_answers_each_identity_as_the_contract_says(string routeName, string who, Which which)
    {
        var route = Routes[routeName];
        var subjects = await SubjectsAsync();
        var subject = which switch { Which.Sentinel => subjects.Sentinel, Which.Nimbus => subjects.Nimbus, _ => null };
        // a missing advisory (or provider) id; a publish for a missing provider carries a real service so only the id is wrong
        var id = subject is null ? Guid.NewGuid() : route.IsPublish ? subject.ProviderId : subject.Id;
        var expected = Expected(route, who, subject);
        var client = await ClientAsync(who);
        var before = subject is null ? null : await StateAsync(subject.Id);
        var count = await CountAsync();

        using var response = await client.SendRawAsync(new HttpMethod(route.Method), route.Url(subject, id), route.Body?.Invoke(subject ?? subjects.Sentinel));
        var body = await response.Content.ReadAsStringAsync(Ct);

        ((int)response.StatusCode).ShouldBeLessThan(500, $"{who} → {routeName} ({which}): {body}");
        ((int)response.StatusCode).ShouldBe(expected, $"{who} → {routeName} ({which}): {body}");
        if (expected >= 400)
        {
            if (subject is not null)
            {
                body.ShouldNotContain(subject.Title);
                (await StateAsync(subject.Id)).ShouldBe(before, $"{who} → {routeName} was refused but changed the advisory");
            }
            (await CountAsync()).ShouldBe(count, $"{who} → {routeName} was refused but an advisory was created");
        }
        if (expected is 403 or 404) response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", body);
        if (expected == 404 && subject is not null)
        {
            // a foreign advisory (or provider) answers exactly like a missing one
            var problem = await response.ReadProblemAsync(HttpStatusCode.NotFound);
            var missing = Guid.NewGuid();
            using var other = await client.SendRawAsync(new HttpMethod(route.Method), route.Url(subject, missing), route.Body?.Invoke(subject));
            var missingProblem = await other.ReadProblemAsync(HttpStatusCode.NotFound);
            missingProblem.Title.ShouldBe(problem.Title);
            missingProblem.Detail.ShouldBe(problem.Detail!.Replace(id.ToString(), missing.ToString(), StringComparison.Ordinal));
        }
        if (expected is >= 200 and < 300 && subject is not null && !route.IsPublish)
        {
            body.ShouldContain(subject.Title, Case.Sensitive, "positive control: whoever may read it reads it");
            // the advisory as anyone reads it says nothing about whom it targets
            foreach (var tenant in app.Demo.Organisations.Where(o => o.Kind == OrganisationKind.Customer))
            {
                body.ShouldNotContain(tenant.Id.ToString(), Case.Insensitive);
                body.ShouldNotContain(tenant.Name);
            }
        }
    }

    public static TheoryData<string> People => [.. Identities];

    [Theory]
    [MemberData(nameof(People))]
    public async Task The_advisory_list_holds_exactly_what_each_identity_may_read(string who)
    {
        var subjects = await SubjectsAsync();
        var client = await ClientAsync(who);
        using var response = await client.GetAsync("/api/v1/advisories?limit=500", Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        if (who is Anonymous or Stranger)
        {
            ((int)response.StatusCode).ShouldBe(who == Anonymous ? 401 : 403, body);
            return;
        }
        var (organisationId, _) = app.Demo.User(who).Memberships.Single();
        var kind = app.Demo.Organisations.Single(o => o.Id == organisationId).Kind;
        if (kind == OrganisationKind.Platform)
        {
            response.StatusCode.ShouldBe(HttpStatusCode.Forbidden, body);
            body.ShouldNotContain(subjects.Sentinel.Title);
            return;
        }

        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        var listed = JsonSerializer.Deserialize<List<AdvisorySummaryDto>>(body, Api.Json)!.Select(a => a.Id).ToList();
        var expected = await app.QueryAsync(async db => kind switch
        {
            OrganisationKind.Provider => await db.Advisories.Where(a => a.ProviderId == organisationId).Select(a => a.Id).ToListAsync(),
            OrganisationKind.Msp => await db.Advisories.Select(a => a.Id).ToListAsync(),
            _ => await db.AdvisoryTargets.Where(t => t.TenantId == organisationId).Select(t => t.AdvisoryId).ToListAsync(),
        });
        listed.Count.ShouldBeLessThan(500, "the whole list fits: the comparison is complete");
        listed.ShouldBe(expected, ignoreOrder: true, $"{who} lists exactly what the contract lets them read");
        if (kind == OrganisationKind.Customer)
            listed.Contains(subjects.Nimbus.Id).ShouldBe(subjects.Nimbus.Targets.Contains(organisationId), "the regional advisory is listed only for a targeted tenant");

        // filtering by another provider never widens it
        foreach (var provider in app.Demo.Organisations.Where(o => o.Kind == OrganisationKind.Provider))
        {
            using var filtered = await client.GetAsync($"/api/v1/advisories?providerId={provider.Id}&limit=500", Ct);
            var ids = (await filtered.ReadAsync<List<AdvisorySummaryDto>>()).Select(a => a.Id);
            ids.ShouldBeSubsetOf(listed);
        }
    }

    /// <summary>
    /// Issue 11: "the provider cannot read any incident, timeline, device or customer name through any route". Every tenant
    /// route is tried with real ids by each provider person; whatever answers 2xx (their own access, services, advisories)
    /// must name no customer tenant, incident, or device.
    /// </summary>
    [Theory]
    [InlineData(DemoDirectory.Priya)]
    [InlineData("tom@sentinelshield.example")]
    [InlineData(Grace)]
    public async Task A_provider_reads_no_tenant_record_through_any_route(string who)
    {
        var subjects = await SubjectsAsync();
        var client = await app.ClientForAsync(who);
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        var incident = await app.QueryAsync(db => db.Incidents.AsNoTracking().Where(i => i.TenantId == northwind).OrderBy(i => i.CreatedAt).FirstAsync());
        var device = await app.QueryAsync(db => db.Devices.AsNoTracking().Where(d => d.TenantId == northwind).FirstAsync());
        var task = await app.QueryAsync(db => db.RemediationTasks.AsNoTracking().Where(t => t.TenantId == northwind).Select(t => new { t.Id, t.IncidentId }).FirstOrDefaultAsync());
        var incidentTexts = await app.QueryAsync(db => db.Incidents.AsNoTracking().Select(i => new { i.Title, i.Reference }).ToListAsync());
        var hostnames = await app.QueryAsync(db => db.Devices.AsNoTracking().Select(d => d.Hostname).ToListAsync());
        var tenants = app.Demo.Organisations.Where(o => o.Kind == OrganisationKind.Customer).ToList();
        var own = app.Demo.User(who).Memberships.Single().OrganisationId;
        var ownAdvisory = subjects.Sentinel.ProviderId == own ? subjects.Sentinel : subjects.Nimbus;

        List<string> urls =
        [
            "/api/v1/incidents", "/api/v1/incidents?q=a", $"/api/v1/incidents?tenantId={northwind}",
            $"/api/v1/incidents/{incident.Id}", $"/api/v1/incidents/{incident.Id}/timeline", $"/api/v1/incidents/{incident.Id}/tasks",
            $"/api/v1/incidents/{incident.Id}/tasks.csv", $"/api/v1/incidents/{incident.Id}/progress", $"/api/v1/incidents/{incident.Id}/burn-down",
            $"/api/v1/incidents/{incident.Id}/device-imports",
            $"/api/v1/tenants/{northwind}/status", $"/api/v1/tenants/{northwind}/devices", $"/api/v1/tenants/{northwind}/progress",
            $"/api/v1/tenants/{northwind}/burn-down", $"/api/v1/devices/{device.Id}", "/api/v1/remediation/progress",
            "/api/v1/organisations", "/api/v1/me", "/api/v1/provider/services", "/api/v1/advisories", $"/api/v1/advisories/{ownAdvisory.Id}",
            $"/api/v1/advisories/{ownAdvisory.Id}/revisions",
            "/status", $"/status/{northwind}", $"/incidents/{incident.Id}",
        ];
        if (task is not null) urls.AddRange([$"/api/v1/tasks/{task.Id}/history", $"/api/v1/tasks/{task.Id}", $"/tasks/{task.Id}"]);
        var answered = new List<string>();
        foreach (var url in urls)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (!url.StartsWith("/api/", StringComparison.Ordinal)) request.Headers.Accept.ParseAdd("text/html");
            using var response = await client.SendAsync(request, Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            var status = (int)response.StatusCode;
            status.ShouldBeLessThan(500, $"{who} GET {url}: {body}");
            if (status >= 300) status.ShouldBeOneOf([403, 404], $"{who} GET {url}");
            else answered.Add(url);
            foreach (var tenant in tenants)
            {
                body.ShouldNotContain(tenant.Name, Case.Sensitive, $"{who} GET {url} named a customer");
                // a refusal may echo the id the caller sent itself (the same for a missing one); no other tenant id may appear
                if (!url.Contains(tenant.Id.ToString(), StringComparison.OrdinalIgnoreCase))
                    body.ShouldNotContain(tenant.Id.ToString(), Case.Insensitive, $"{who} GET {url} carried a tenant id");
            }
            foreach (var i in incidentTexts)
            {
                body.ShouldNotContain(i.Title, Case.Sensitive, $"{who} GET {url} showed an incident");
                body.ShouldNotContain(i.Reference, Case.Sensitive, $"{who} GET {url} showed an incident reference");
            }
            foreach (var hostname in hostnames) body.ShouldNotContain(hostname, Case.Sensitive, $"{who} GET {url} showed a device");
        }
        // positive control: the provider does reach its own things, so the checks above ran on real answers
        answered.ShouldContain("/api/v1/advisories");
        answered.ShouldContain($"/api/v1/advisories/{ownAdvisory.Id}");
        answered.ShouldContain("/api/v1/provider/services");
    }
}

public sealed class AdvisoryIsolationOnSqlite(SqliteApp app) : AdvisoryIsolationTests(app), IClassFixture<SqliteApp>;

public sealed class AdvisoryIsolationOnPostgreSql(PostgresApp app) : AdvisoryIsolationTests(app), IClassFixture<PostgresApp>;
