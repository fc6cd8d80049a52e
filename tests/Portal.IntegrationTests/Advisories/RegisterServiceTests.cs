using System.Net.Http.Json;
using System.Text.RegularExpressions;

namespace Portal.IntegrationTests.Advisories;

/// <summary>
/// A provider's publisher registers a service, and the whole way through works with it: customers can say they use it and an
/// advisory naming it targets them. Before this, services existed only in the demo data: a real provider could never publish.
/// The refusals: a name taken (in any case), bad input, another provider's people, a viewer, an MSP, a customer.
/// </summary>
public abstract partial class RegisterServiceTests(PortalApp app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private Guid Sentinel => app.Demo.Org("Sentinel Shield Security").Id;
    private string Route => $"/api/v1/providers/{Sentinel}/services";
    private const string Tom = "tom@sentinelshield.example";    // Sentinel's ProviderViewer
    private const string Grace = "grace@nimbuscloud.example";   // Nimbus Cloud's ProviderPublisher

    [GeneratedRegex("""name="__RequestVerificationToken" type="hidden" value="([^"]+)""")]
    private static partial Regex AntiforgeryToken();

    [Fact]
    public async Task A_registered_service_can_be_subscribed_to_and_an_advisory_naming_it_targets_its_subscribers()
    {
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        var name = $"ShieldSensor Mobile Agent {Guid.NewGuid():N}"[..40];
        using var created = await priya.PostJsonAsync(Route, new { name = $"  {name} ", kind = "SoftwareProduct" });
        var service = await created.ReadAsync<ProviderServiceDto>(HttpStatusCode.Created);
        created.Headers.Location.ShouldNotBeNull();
        service.Name.ShouldBe(name, "trimmed");
        service.Kind.ShouldBe("SoftwareProduct");
        service.SubscribedTenants.ShouldBe(0);
        (await priya.ServiceAsync(name)).Id.ShouldBe(service.Id);

        // The tenant's MSP says Northwind uses it; an advisory naming it then reaches Northwind, and only the subscribers.
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        using (var subscribed = await maya.PostJsonAsync($"/api/v1/tenants/{northwind}/subscriptions", new { serviceId = service.Id }))
            subscribed.StatusCode.ShouldBe(HttpStatusCode.Created, await subscribed.Content.ReadAsStringAsync(Ct));
        var advisory = await priya.PublishAsync(Sentinel, $"Mobile agent drains batteries ({name})", [service.Id]);
        (await app.TargetsAsync(advisory.Id)).ShouldBe([northwind]);
        (await priya.ServiceAsync(name)).SubscribedTenants.ShouldBe(1);

        // The audit log of the provider says who registered it.
        var audit = await app.QueryAsync(db => Task.FromResult(db.AuditEntries.Where(a => a.OrganisationId == Sentinel && a.Action == "service_registered")
            .Select(a => a.Detail).ToList()));
        audit.ShouldContain(d => d.Contains(name, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_taken_name_bad_input_and_everyone_but_the_providers_publisher_are_refused_and_nothing_is_registered()
    {
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        var name = $"ShieldSensor Linux Agent {Guid.NewGuid():N}"[..40];
        using (var first = await priya.PostJsonAsync(Route, new { name, kind = "SoftwareProduct" }))
            first.StatusCode.ShouldBe(HttpStatusCode.Created);

        using (var taken = await priya.PostJsonAsync(Route, new { name = name.ToUpperInvariant(), kind = "CloudService" }))
        {
            var problem = await taken.ReadProblemAsync(HttpStatusCode.Conflict);
            problem.Code.ShouldBe("duplicate_service");
            problem.Detail.ShouldNotBeNull().ShouldContain("already has a service named");
        }
        foreach (var (body, field) in new (string, string)[]
        {
            ("""{"kind":"SoftwareProduct"}""", "name"),
            ("""{"name":"   ","kind":"SoftwareProduct"}""", "name"),
            ($$"""{"name":"{{new string('s', 201)}}","kind":"SoftwareProduct"}""", "name"),
            ("""{"name":"Shield\nSensor","kind":"SoftwareProduct"}""", "name"),
            ("""{"name":"Shield\u000BSensor","kind":"SoftwareProduct"}""", "name"),
            ("""{"name":"Shield Sensor X"}""", "kind"),
        })
        {
            using var refused = await priya.SendRawAsync(HttpMethod.Post, Route, body, "application/json", null);
            (await refused.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.ShouldContainKey(field, body);
        }
        using (var numericKind = await priya.SendRawAsync(HttpMethod.Post, Route, """{"name":"Shield Sensor X","kind":0}""", "application/json", null))
            await numericKind.ReadProblemAsync(HttpStatusCode.BadRequest);

        // Another provider's publisher, an MSP engineer and a customer admin are not Sentinel's: 404, as for a provider that does
        // not exist. Sentinel's viewer is, but may not publish: 403.
        foreach (var email in new[] { Grace, DemoDirectory.Maya, DemoDirectory.Olivia })
        {
            using var foreign = await (await app.ClientForAsync(email)).PostJsonAsync(Route, new { name = "Not theirs", kind = "CloudService" });
            await foreign.ReadProblemAsync(HttpStatusCode.NotFound);
        }
        using (var viewer = await (await app.ClientForAsync(Tom)).PostJsonAsync(Route, new { name = "Not theirs", kind = "CloudService" }))
            await viewer.ReadProblemAsync(HttpStatusCode.Forbidden);
        using (var missing = await priya.PostJsonAsync($"/api/v1/providers/{Guid.NewGuid()}/services", new { name = "Nowhere", kind = "CloudService" }))
            await missing.ReadProblemAsync(HttpStatusCode.NotFound);
        using (var nobody = app.Anonymous())
        using (var anonymous = await nobody.PostAsync(Route, JsonContent.Create(new { name = "Anyone", kind = "CloudService" }), Ct))
            anonymous.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        var names = await app.QueryAsync(db => Task.FromResult(db.Services.Where(s => s.ProviderId == Sentinel).Select(s => s.Name).ToList()));
        names.Count(n => n.Equals(name, StringComparison.OrdinalIgnoreCase)).ShouldBe(1);
        names.ShouldNotContain("Not theirs");
        names.ShouldNotContain(n => n.StartsWith("Shield", StringComparison.Ordinal) && n.Contains("Sensor X", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_publisher_registers_from_the_services_page_and_a_refusal_comes_back_beside_the_field()
    {
        using var priya = await app.PageClientForAsync(DemoDirectory.Priya);
        var page = await priya.GetStringAsync("/provider", Ct);
        page.ShouldContain("Register a service");
        var token = AntiforgeryToken().Match(page).Groups[1].Value;
        var name = $"ShieldSensor macOS Agent {Guid.NewGuid():N}"[..40];

        using (var empty = await priya.PostAsync("/provider?handler=Register",
                   new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token, ["Name"] = "", ["Kind"] = "SoftwareProduct" }), Ct))
        {
            var html = await empty.Content.ReadAsStringAsync(Ct);
            empty.StatusCode.ShouldBe(HttpStatusCode.BadRequest, html);
            html.ShouldContain("class=\"field-error\">Name the service, as customers know it.");
        }
        using (var registered = await priya.PostAsync("/provider?handler=Register",
                   new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token, ["Name"] = name, ["Kind"] = "CloudService" }), Ct))
            registered.StatusCode.ShouldBe(HttpStatusCode.Redirect, await registered.Content.ReadAsStringAsync(Ct));
        (await priya.GetStringAsync("/provider", Ct)).ShouldContain(name);

        // A viewer sees the services, not the form.
        using var tom = await app.PageClientForAsync(Tom);
        (await tom.GetStringAsync("/provider", Ct)).ShouldNotContain("Register a service");
    }
}

public sealed class RegisterServiceOnSqlite(SqliteApp app) : RegisterServiceTests(app), IClassFixture<SqliteApp>;

public sealed class RegisterServiceOnPostgreSql(PostgresApp app) : RegisterServiceTests(app), IClassFixture<PostgresApp>;
