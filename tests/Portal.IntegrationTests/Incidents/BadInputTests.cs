namespace Portal.IntegrationTests.Incidents;

/// <summary>
/// Every kind of bad input a client can send: each answers problem+json with the right status and a message a
/// person can act on (a field in 'errors', or a detail naming what is wrong), never a 500, and changes nothing.
/// Table-driven: one row per case.
/// </summary>
public abstract class BadInputTests(PortalApp app)
{
    private const string Json = "application/json";

    /// <param name="Route">create | status | notes | assign | acknowledge | list (placeholders {incident}, {tenant})</param>
    /// <param name="Field">the key expected in 'errors' (validation), or null</param>
    /// <param name="Detail">a piece of the expected 'detail', or null</param>
    public sealed record BadRequestCase(string Method, string Route, string? Body, HttpStatusCode Status, string? Field = null, string? Detail = null,
        string? ContentType = Json, string? IfMatch = null);

    private static readonly string Long201 = new('x', 201);

    /// <summary>A keyset cursor as the API makes them: its text, base64url.</summary>
    private static string Cursor(string text) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static readonly string IncidentCursor = Cursor("incident:1|638000000000000000|00000000-0000-0000-0000-000000000001");

    public static readonly Dictionary<string, BadRequestCase> Cases = new()
    {
        // POST /tenants/{id}/incidents
        ["create: truncated JSON"] = new("POST", "create", """{"title": "x", "severity": """, HttpStatusCode.BadRequest, Detail: "not valid JSON"),
        ["create: malformed JSON"] = new("POST", "create", """{title: 'x'}""", HttpStatusCode.BadRequest, Detail: "not valid JSON"),
        ["create: missing comma"] = new("POST", "create", """{"title": "x" "severity": "Sev1"}""", HttpStatusCode.BadRequest, Detail: "not valid JSON"),
        ["create: JSON array instead of object"] = new("POST", "create", "[]", HttpStatusCode.BadRequest, Detail: "not valid JSON"),
        ["create: unknown severity name"] = new("POST", "create", """{"title":"x","severity":"Sev9"}""", HttpStatusCode.BadRequest, Detail: "'$.severity'"),
        ["create: numeric severity"] = new("POST", "create", """{"title":"x","severity":1}""", HttpStatusCode.BadRequest, Detail: "'$.severity'"),
        ["create: numeric severity as string"] = new("POST", "create", """{"title":"x","severity":"1"}""", HttpStatusCode.BadRequest, Detail: "'$.severity'"),
        ["create: unknown severity name answers the names"] = new("POST", "create", """{"title":"x","severity":"Sev9"}""", HttpStatusCode.BadRequest, Detail: "one of Sev1, Sev2, Sev3, Sev4"),
        ["create: numeric severity answers the names"] = new("POST", "create", """{"title":"x","severity":1}""", HttpStatusCode.BadRequest, Detail: "one of Sev1, Sev2, Sev3, Sev4"),
        ["create: title of the wrong type"] = new("POST", "create", """{"title":5,"severity":"Sev1"}""", HttpStatusCode.BadRequest, Detail: "'$.title'"),
        ["create: 201-character title"] = new("POST", "create", $$"""{"title":"{{Long201}}","severity":"Sev1"}""", HttpStatusCode.BadRequest, Field: "title", Detail: "'errors'"),
        ["create: empty title"] = new("POST", "create", """{"title":"","severity":"Sev1"}""", HttpStatusCode.BadRequest, Field: "title"),
        ["create: blank title"] = new("POST", "create", """{"title":"   ","severity":"Sev1"}""", HttpStatusCode.BadRequest, Field: "title"),
        ["create: 2001-character summary"] = new("POST", "create", $$"""{"title":"x","severity":"Sev1","customerSummary":"{{new string('s', 2001)}}"}""", HttpStatusCode.BadRequest, Field: "customerSummary"),
        ["create: a title of a zero-width space alone"] = new("POST", "create", """{"title":"\u200B","severity":"Sev1"}""", HttpStatusCode.BadRequest, Field: "title"),
        ["create: a title that reverses what follows it"] = new("POST", "create", """{"title":"invoice\u202Egnp.exe","severity":"Sev1"}""", HttpStatusCode.BadRequest, Field: "title"),
        ["create: title with a line break"] = new("POST", "create", """{"title":"Disk\nfull","severity":"Sev1"}""", HttpStatusCode.BadRequest, Field: "title"),
        ["create: summary with a word processor's line break (U+000B)"] = new("POST", "create", """{"title":"x","severity":"Sev1","customerSummary":"a\u000Bb"}""", HttpStatusCode.BadRequest, Field: "customerSummary"),
        ["create: empty object"] = new("POST", "create", "{}", HttpStatusCode.BadRequest, Field: "severity"),
        ["create: empty object names the title too"] = new("POST", "create", "{}", HttpStatusCode.BadRequest, Field: "title"),
        ["create: JSON null"] = new("POST", "create", "null", HttpStatusCode.BadRequest, Detail: "JSON body is required"),
        ["create: missing body"] = new("POST", "create", null, HttpStatusCode.BadRequest, Detail: "JSON body is required"),
        ["create: empty body"] = new("POST", "create", "", HttpStatusCode.BadRequest, Detail: "JSON body is required"),
        ["create: no content type"] = new("POST", "create", """{"title":"x","severity":"Sev1"}""", HttpStatusCode.UnsupportedMediaType, ContentType: null),
        ["create: text/plain"] = new("POST", "create", """{"title":"x","severity":"Sev1"}""", HttpStatusCode.UnsupportedMediaType, ContentType: "text/plain"),
        ["create: text/plain says to send JSON"] = new("POST", "create", """{"title":"x","severity":"Sev1"}""", HttpStatusCode.UnsupportedMediaType,
            Detail: "Content-Type: application/json", ContentType: "text/plain"),
        ["create: no content type says what was expected"] = new("POST", "create", """{"title":"x","severity":"Sev1"}""", HttpStatusCode.UnsupportedMediaType,
            Detail: "application/json", ContentType: null),

        // POST /incidents/{id}/status
        ["status: empty object"] = new("POST", "status", "{}", HttpStatusCode.BadRequest, Field: "status"),
        ["status: unknown status name"] = new("POST", "status", """{"status":"Sleeping"}""", HttpStatusCode.BadRequest, Detail: "'$.status'"),
        ["status: numeric status"] = new("POST", "status", """{"status":2}""", HttpStatusCode.BadRequest, Detail: "'$.status'"),
        ["status: 2001-character customer message"] = new("POST", "status", $$"""{"status":"Investigating","customerMessage":"{{new string('m', 2001)}}"}""", HttpStatusCode.BadRequest, Field: "customerMessage"),
        ["status: customer message with a control character"] = new("POST", "status", """{"status":"Investigating","customerMessage":"bell\u0007"}""", HttpStatusCode.BadRequest, Field: "customerMessage"),
        ["status: truncated JSON"] = new("POST", "status", """{"status":""", HttpStatusCode.BadRequest, Detail: "not valid JSON"),
        ["status: missing body"] = new("POST", "status", null, HttpStatusCode.BadRequest, Detail: "JSON body is required"),
        ["status: garbage If-Match"] = new("POST", "status", """{"status":"Investigating"}""", HttpStatusCode.BadRequest, Field: "if-match", IfMatch: "\"abc\""),
        ["status: an If-Match quote left open"] = new("POST", "status", """{"status":"Investigating"}""", HttpStatusCode.BadRequest, Field: "if-match", IfMatch: "\"1"),
        ["status: a negative If-Match"] = new("POST", "status", """{"status":"Investigating"}""", HttpStatusCode.BadRequest, Field: "if-match", IfMatch: "\"-1\""),
        ["status: two ETags in If-Match"] = new("POST", "status", """{"status":"Investigating"}""", HttpStatusCode.BadRequest, Field: "if-match", IfMatch: "\"1\", \"2\""),

        // POST /incidents/{id}/acknowledge and /assign
        ["acknowledge: garbage If-Match"] = new("POST", "acknowledge", null, HttpStatusCode.BadRequest, Field: "if-match", ContentType: null, IfMatch: "version-seven"),
        ["assign: assignee id that is not a guid"] = new("POST", "assign", """{"assigneeId":"nope"}""", HttpStatusCode.BadRequest, Detail: "'$.assigneeId'"),
        ["assign: numeric assignee id"] = new("POST", "assign", """{"assigneeId":123}""", HttpStatusCode.BadRequest, Detail: "'$.assigneeId'"),
        // A misspelt field is refused: read as absent it would mean "clear it" (the summary removed, the incident unassigned).
        ["summary: a misspelt field"] = new("POST", "summary", """{"summary":"Flights resume at noon"}""", HttpStatusCode.BadRequest,
            Detail: "field this address does not read: 'summary' (at '$.summary'). It reads: customerSummary."),
        ["assign: a misspelt field"] = new("POST", "assign", """{"assignee":"00000000-0000-0000-0000-000000000001"}""", HttpStatusCode.BadRequest, Detail: "'assignee'"),
        ["status: a misspelt optional field"] = new("POST", "status", """{"status":"Investigating","customerMesage":"On it"}""", HttpStatusCode.BadRequest,
            Detail: "It reads: status, customerMessage."),
        ["assign: garbage If-Match"] = new("POST", "assign", """{"assigneeId":null}""", HttpStatusCode.BadRequest, Field: "if-match", IfMatch: "W/abc"),

        // POST /incidents/{id}/notes
        ["notes: empty text"] = new("POST", "notes", """{"text":"","visibility":"Internal"}""", HttpStatusCode.BadRequest, Field: "text"),
        ["notes: 4001-character text"] = new("POST", "notes", $$"""{"text":"{{new string('t', 4001)}}","visibility":"Internal"}""", HttpStatusCode.BadRequest, Field: "text"),
        ["notes: text with a word processor's line break (U+000B)"] = new("POST", "notes", """{"text":"line\u000Bbreak","visibility":"Internal"}""", HttpStatusCode.BadRequest, Field: "text"),
        ["notes: text with a NUL"] = new("POST", "notes", """{"text":"nul\u0000","visibility":"Customer"}""", HttpStatusCode.BadRequest, Field: "text"),
        ["notes: no visibility"] = new("POST", "notes", """{"text":"hello"}""", HttpStatusCode.BadRequest, Field: "visibility"),
        ["notes: unknown visibility"] = new("POST", "notes", """{"text":"hello","visibility":"Public"}""", HttpStatusCode.BadRequest, Detail: "'$.visibility'"),
        ["notes: unknown visibility answers the names"] = new("POST", "notes", """{"text":"hello","visibility":"Public"}""", HttpStatusCode.BadRequest, Detail: "one of Internal, Customer"),
        ["status: unknown status answers the names"] = new("POST", "status", """{"status":"Sleeping"}""", HttpStatusCode.BadRequest,
            Detail: "one of New, Acknowledged, Investigating, Mitigating, Monitoring, Resolved, Closed"),
        ["notes: numeric visibility"] = new("POST", "notes", """{"text":"hello","visibility":0}""", HttpStatusCode.BadRequest, Detail: "'$.visibility'"),
        // System.Text.Json alone reads a comma list as its names OR-ed together: Internal|Customer is Customer, Sev1|Sev2 is Sev3.
        ["notes: two visibilities in one"] = new("POST", "notes", """{"text":"hello","visibility":"Internal,Customer"}""", HttpStatusCode.BadRequest,
            Detail: "one of Internal, Customer"),
        ["create: two severities in one"] = new("POST", "create", """{"title":"x","severity":"Sev1,Sev2"}""", HttpStatusCode.BadRequest, Detail: "'$.severity'"),
        ["create: a severity padded with spaces"] = new("POST", "create", """{"title":"x","severity":" Sev2"}""", HttpStatusCode.BadRequest, Detail: "'$.severity'"),
        ["status: two statuses in one"] = new("POST", "status", """{"status":"Investigating, Mitigating"}""", HttpStatusCode.BadRequest, Detail: "'$.status'"),

        // GET /incidents
        ["list: page 0"] = new("GET", "list?page=0", null, HttpStatusCode.BadRequest, Field: "page"),
        ["list: page past what a 32-bit offset reaches"] = new("GET", "list?page=2147483647&pageSize=200", null, HttpStatusCode.BadRequest, Field: "page"),
        ["list: page size 1000"] = new("GET", "list?pageSize=1000", null, HttpStatusCode.BadRequest, Field: "pageSize", Detail: "'errors'"),
        ["list: page size 0"] = new("GET", "list?pageSize=0", null, HttpStatusCode.BadRequest, Field: "pageSize"),
        ["list: unknown status"] = new("GET", "list?status=Sleeping", null, HttpStatusCode.BadRequest, Field: "status"),
        ["list: status as a number inside the enum"] = new("GET", "list?status=3", null, HttpStatusCode.BadRequest, Field: "status"),
        ["list: status number outside the enum"] = new("GET", "list?status=99", null, HttpStatusCode.BadRequest, Field: "status"),
        ["list: severity number outside the enum"] = new("GET", "list?severity=9", null, HttpStatusCode.BadRequest, Field: "severity"),
        ["list: unknown severity"] = new("GET", "list?severity=Sev9", null, HttpStatusCode.BadRequest, Field: "severity"),
        ["list: severity as a number inside the enum"] = new("GET", "list?severity=2", null, HttpStatusCode.BadRequest, Field: "severity"),
        ["list: page that is not a number"] = new("GET", "list?page=abc", null, HttpStatusCode.BadRequest, Detail: "Page"),
        ["list: tenant id that is not a guid"] = new("GET", "list?tenantId=abc", null, HttpStatusCode.BadRequest, Detail: "TenantId"),
        ["list: open that is not a boolean"] = new("GET", "list?open=maybe", null, HttpStatusCode.BadRequest, Detail: "Open"),
        ["list: 201-character search text"] = new("GET", $"list?q={Long201}", null, HttpStatusCode.BadRequest, Field: "q"),
        ["list: a cursor the list never gave"] = new("GET", "list?cursor=not-a-cursor", null, HttpStatusCode.BadRequest, Field: "cursor"),
        ["list: the device list's cursor"] = new("GET", $"list?cursor={Cursor("device:web-01")}", null, HttpStatusCode.BadRequest, Field: "cursor"),
        ["list: a cursor of a severity that does not exist"] = new("GET", $"list?cursor={Cursor("incident:9|638000000000000000|00000000-0000-0000-0000-000000000001")}", null,
            HttpStatusCode.BadRequest, Field: "cursor"),
        ["list: a cursor whose time is not a number"] = new("GET", $"list?cursor={Cursor("incident:1|soon|00000000-0000-0000-0000-000000000001")}", null, HttpStatusCode.BadRequest, Field: "cursor"),
        ["list: a page number and a cursor"] = new("GET", $"list?page=2&cursor={IncidentCursor}", null, HttpStatusCode.BadRequest, Field: "page"),
    };

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    /// <summary>An Acknowledged incident: every status/assign/note below would be legal if the input were read as something valid.</summary>
    private Task<IncidentDto> TargetAsync() => app.OnceAsync("bad-input-target", async () =>
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, response) = await maya.CreateIncidentAsync(app.Demo.TenantId(DemoDirectory.Northwind), "Bad input target", "Sev3");
        response.Dispose();
        return await maya.AcknowledgeAsync(incident.Id);
    });

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Bad_input_answers_a_clear_problem_and_changes_nothing(string name)
    {
        var c = Cases[name];
        var target = await TargetAsync();
        var tenant = app.Demo.TenantId(DemoDirectory.Northwind);
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var url = c.Route switch
        {
            "create" => $"/api/v1/tenants/{tenant}/incidents",
            var r when r.StartsWith("list", StringComparison.Ordinal) => "/api/v1/incidents" + r["list".Length..],
            var r => $"/api/v1/incidents/{target.Id}/{r}",
        };
        var stateBefore = await app.StateOfAsync(target.Id);
        var countersBefore = await app.TenantCountersAsync(tenant);

        using var response = await maya.SendRawAsync(new HttpMethod(c.Method), url, c.Body, c.ContentType, c.IfMatch);

        response.StatusCode.ShouldNotBe(HttpStatusCode.InternalServerError, name);
        var problem = await response.ReadProblemAsync(c.Status);
        problem.Status.ShouldBe((int)c.Status);
        problem.Title.ShouldNotBeNullOrWhiteSpace();
        if (c.Field is not null)
        {
            problem.Errors.Keys.ShouldContain(k => string.Equals(k, c.Field, StringComparison.OrdinalIgnoreCase)
                    || k.StartsWith(c.Field + "[", StringComparison.OrdinalIgnoreCase),
                $"'errors' should name the field the client sent ({c.Field}): {problem.Raw}");
            problem.Errors.Values.SelectMany(v => v).ShouldAllBe(m => m.Length > 10);
        }
        if (c.Detail is not null) problem.Detail.ShouldNotBeNull(problem.Raw).ShouldContain(c.Detail, Shouldly.Case.Sensitive);
        // 415: the title says it, and the detail what to send (with no Content-Type from the body reader; with text/plain, routing refuses
        // before any handler and ErrorPages fills in the detail)

        (await app.StateOfAsync(target.Id)).ShouldBe(stateBefore, $"{name} changed the incident");
        (await app.TenantCountersAsync(tenant)).ShouldBe(countersBefore, $"{name} created or numbered an incident");
    }

    [Fact]
    public async Task Boundary_values_are_accepted()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var tenant = app.Demo.TenantId(DemoDirectory.Northwind);
        var (incident, response) = await maya.CreateIncidentAsync(tenant, new string('T', 200), "Sev4", new string('S', 2000));
        response.Dispose();
        incident.Title.Length.ShouldBe(200);
        var note = await maya.AddNoteAsync(incident.Id, new string('n', 4000), "Internal");
        note.Text.Length.ShouldBe(4000);
        // Lines and tabs are text, kept as written.
        (await maya.AddNoteAsync(incident.Id, "Step one\n\tStep two\r\nStep three", "Customer")).Text.ShouldBe("Step one\n\tStep two\r\nStep three");
        var page = await maya.ListAsync("pageSize=200&page=1&q=" + new string('T', 200));
        page.Items.ShouldContain(i => i.Id == incident.Id);
    }
}

public sealed class BadInputOnSqlite(SqliteApp app) : BadInputTests(app), IClassFixture<SqliteApp>;

public sealed class BadInputOnPostgreSql(PostgresApp app) : BadInputTests(app), IClassFixture<PostgresApp>;
