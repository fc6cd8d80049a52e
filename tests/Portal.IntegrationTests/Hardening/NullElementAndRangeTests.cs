using Microsoft.EntityFrameworkCore;

namespace Portal.IntegrationTests.Hardening;

/// <summary>
/// Input that deserialises but that a handler cannot use: a null inside a list (<c>"tags":[null]</c>, <c>"levels":[null]</c>),
/// dates at the ends of the calendar, and control characters in fields that had no check (a NUL is text PostgreSQL refuses to
/// store). Each used to reach the domain or the database and answer 500 ("Something went wrong on our side", a
/// NullReferenceException, an un-representable DateTime or "invalid byte sequence" in the log); each must answer 400 naming the
/// field, and change nothing.
/// </summary>
public abstract class NullElementAndRangeTests(PortalApp app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Targets = """[{"severity":"Sev1","acknowledgeMinutes":15,"resolveMinutes":240},{"severity":"Sev2","acknowledgeMinutes":30,"resolveMinutes":480},{"severity":"Sev3","acknowledgeMinutes":120,"resolveMinutes":1440},{"severity":"Sev4","acknowledgeMinutes":480,"resolveMinutes":4320}]""";
    private const string Level = """{"kind":"Acknowledge","afterMinutes":0,"onCall":true}""";

    /// <param name="Who">the demo user who sends it (allowed to call the route)</param>
    /// <param name="Url">placeholders: {tenant} Northwind, {msp} Harbor, {device} a Northwind device, {provider} Sentinel Shield</param>
    /// <param name="Field">the key expected in the problem's errors</param>
    public sealed record BadInput(string Who, string Method, string Url, string? Body, string Field);

    public static readonly Dictionary<string, BadInput> Cases = new()
    {
        ["a null tag on a new device"] = new(DemoDirectory.Maya, "POST", "/api/v1/tenants/{tenant}/devices", """{"hostname":"null-tag","tags":[null]}""", "tags[0]"),
        ["a NUL in a device's tag"] = new(DemoDirectory.Maya, "POST", "/api/v1/tenants/{tenant}/devices", """{"hostname":"nul-tag","tags":["ok","a\u0000b"]}""", "tags[1]"),
        ["a NUL in a device's hostname"] = new(DemoDirectory.Maya, "POST", "/api/v1/tenants/{tenant}/devices", """{"hostname":"nul\u0000host"}""", "hostname"),
        ["a null tag on a device's update"] = new(DemoDirectory.Maya, "PUT", "/api/v1/devices/{device}", """{"hostname":"null-tag","tags":["ok",null]}""", "tags[1]"),
        ["a null target in an escalation policy"] = new(DemoDirectory.Liam, "PUT", "/api/v1/msps/{msp}/escalation-policy", $$"""{"targets":[null],"levels":[{{Level}}]}""", "targets[0]"),
        ["a null level in an escalation policy"] = new(DemoDirectory.Liam, "PUT", "/api/v1/msps/{msp}/escalation-policy", $$"""{"targets":{{Targets}},"levels":[null]}""", "levels[0]"),
        ["a null channel in an escalation level"] = new(DemoDirectory.Liam, "PUT", "/api/v1/msps/{msp}/escalation-policy",
            $$"""{"targets":{{Targets}},"levels":[{"kind":"Acknowledge","afterMinutes":0,"channels":[null]}]}""", "levels[0].channels[0]"),
        ["a null contract target"] = new(DemoDirectory.Liam, "PUT", "/api/v1/tenants/{tenant}/escalation-targets", """{"targets":[null]}""", "targets[0]"),
        ["a null region in an advisory"] = new(DemoDirectory.Priya, "POST", "/api/v1/providers/{provider}/advisories",
            """{"title":"Null region","severity":"Sev3","impact":"None.","serviceIds":[],"regions":[null]}""", "regions"),
        ["a null item in a bulk update"] = new(DemoDirectory.Maya, "POST", "/api/v1/incidents/{incident}/tasks/bulk-state", """{"state":"Done","items":[null]}""", "items[0]"),
        ["on call at the first instant of the calendar"] = new(DemoDirectory.Maya, "GET", "/api/v1/msps/{msp}/on-call?at=0001-01-01T00:00:00Z", null, "at"),
        ["on call at the last instant of the calendar"] = new(DemoDirectory.Maya, "GET", "/api/v1/msps/{msp}/on-call?at=9999-12-31T23:59:59Z", null, "at"),
        ["a rotation that starts at the first day of the calendar"] = new(DemoDirectory.Liam, "PUT", "/api/v1/msps/{msp}/on-call/rotation",
            """{"timeZone":"Pacific/Kiritimati","handoffDay":"Monday","handoffTime":"09:00:00","startsOn":"0001-01-01","engineers":["{maya}"]}""", "startsOn"),
        ["a rotation that starts at the last day of the calendar"] = new(DemoDirectory.Liam, "PUT", "/api/v1/msps/{msp}/on-call/rotation",
            """{"timeZone":"Europe/Berlin","handoffDay":"Monday","handoffTime":"09:00:00","startsOn":"9999-12-31","engineers":["{maya}"]}""", "startsOn"),
        ["a response-times report ending in year 1"] = new(DemoDirectory.Maya, "GET", "/api/v1/reports/response-times?to=0001-01-05T00:00:00Z", null, "to"),
        ["a response-times report from year 9999 without an end"] = new(DemoDirectory.Maya, "GET", "/api/v1/reports/response-times?from=9999-12-01T00:00:00Z", null, "from"),
        ["a report from after now without an end"] = new(DemoDirectory.Maya, "GET", "/api/v1/reports/response-times.csv?from={tomorrow}", null, "to"),
        ["a NUL in a webhook's name"] = new(DemoDirectory.Liam, "POST", "/api/v1/msps/{msp}/notification-endpoints",
            """{"channel":"Webhook","name":"nul\u0000name","url":"https://hooks.example/h"}""", "name"),
        ["a NUL in a webhook's URL"] = new(DemoDirectory.Liam, "POST", "/api/v1/msps/{msp}/notification-endpoints",
            """{"channel":"Webhook","name":"Pager","url":"https://hooks.example/x\u0000y"}""", "url"),
        ["a NUL in a subscription's region"] = new(DemoDirectory.Olivia, "POST", "/api/v1/tenants/{tenant}/subscriptions",
            """{"serviceId":"{service}","region":"west\u0000eu"}""", "region"),
        ["a bell in an advisory's region"] = new(DemoDirectory.Priya, "POST", "/api/v1/providers/{provider}/advisories",
            """{"title":"Bell region","severity":"Sev3","impact":"None.","serviceIds":["{service}"],"regions":["west\u0007eu"]}""", "regions"),
    };

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    private Task<IncidentDto> IncidentAsync() => app.OnceAsync("null-element-incident", async () =>
    {
        var (incident, response) = await (await app.ClientForAsync(DemoDirectory.Maya)).CreateIncidentAsync(app.Demo.TenantId(DemoDirectory.Northwind), "Null elements", "Sev3");
        response.Dispose();
        return incident;
    });

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task The_request_is_refused_with_400_naming_the_field_and_nothing_changes(string name)
    {
        var c = Cases[name];
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        var device = await app.QueryAsync(db => db.Devices.Where(d => d.TenantId == northwind).OrderBy(d => d.Hostname).Select(d => new { d.Id, d.Hostname, d.Tags }).FirstAsync());
        var url = c.Url.Replace("{tenant}", northwind.ToString(), StringComparison.Ordinal)
            .Replace("{msp}", app.Demo.Org("Harbor IT Partners").Id.ToString(), StringComparison.Ordinal)
            .Replace("{provider}", app.Demo.Org("Sentinel Shield Security").Id.ToString(), StringComparison.Ordinal)
            .Replace("{device}", device.Id.ToString(), StringComparison.Ordinal)
            .Replace("{incident}", (await IncidentAsync()).Id.ToString(), StringComparison.Ordinal);
        var service = await app.QueryAsync(db => db.Services.Where(s => s.ProviderId == app.Demo.Org("Sentinel Shield Security").Id).OrderBy(s => s.Name).Select(s => s.Id).FirstAsync());
        url = url.Replace("{tomorrow}", Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(1).ToString("O")), StringComparison.Ordinal);
        var body = c.Body?.Replace("{maya}", app.Demo.User(DemoDirectory.Maya).Id.ToString(), StringComparison.Ordinal)
            .Replace("{service}", service.ToString(), StringComparison.Ordinal);
        var client = await app.ClientForAsync(c.Who);

        using var response = await client.SendRawAsync(new HttpMethod(c.Method), url, body);
        var problem = await response.ReadProblemAsync(HttpStatusCode.BadRequest);
        problem.Errors.Keys.ShouldContain(c.Field, $"{name}: {problem.Raw}");
        (await app.QueryAsync(db => db.Devices.Where(d => d.Id == device.Id).Select(d => new { d.Id, d.Hostname, d.Tags }).SingleAsync())).ShouldBe(device);
    }
}

public sealed class NullElementAndRangeOnSqlite(SqliteApp app) : NullElementAndRangeTests(app), IClassFixture<SqliteApp>;

public sealed class NullElementAndRangeOnPostgreSql(PostgresApp app) : NullElementAndRangeTests(app), IClassFixture<PostgresApp>;
