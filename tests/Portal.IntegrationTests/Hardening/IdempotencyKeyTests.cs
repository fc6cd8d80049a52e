using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Infrastructure.Jobs;
using Portal.IntegrationTests.Escalations;

namespace Portal.IntegrationTests.Hardening;

/// <summary>
/// A client that sends a creation again with the same <c>Idempotency-Key</c> (a retry after a timeout, an RMM tool's queue
/// replayed) gets the first answer and creates nothing more; the same key with another request is refused (422) and changes
/// nothing; a key is the caller's own; copies racing each other create one record between them. On SQLite and PostgreSQL.
/// </summary>
public abstract class IdempotencyKeyTests(PortalApp app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Guid Northwind => app.Demo.TenantId(DemoDirectory.Northwind);
    private Guid Sentinel => app.Demo.Org("Sentinel Shield Security").Id;

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string url, object body, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        if (key is not null) request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        return await client.SendAsync(request, Ct);
    }

    private static async Task<JsonElement> BodyAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(expected, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static bool Replayed(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Idempotent-Replayed", out var values) && values.Single() == "true";

    private Task<int> IncidentsTitledAsync(string title) => app.QueryAsync(db => db.Incidents.CountAsync(i => i.Title == title, Ct));

    [Fact]
    public async Task A_retried_incident_creation_opens_one_incident_and_answers_the_first_answer_again()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var title = $"Retried creation {Guid.NewGuid():N}";
        var key = Guid.NewGuid().ToString();
        var body = new { title, severity = "Sev2" };

        using var first = await PostAsync(maya, $"/api/v1/tenants/{Northwind}/incidents", body, key);
        var created = await BodyAsync(first, HttpStatusCode.Created);
        Replayed(first).ShouldBeFalse();
        using var again = await PostAsync(maya, $"/api/v1/tenants/{Northwind}/incidents", body, $"\"{key}\""); // the draft's quoted form: the same key
        var repeated = await BodyAsync(again, HttpStatusCode.Created);

        Replayed(again).ShouldBeTrue();
        repeated.GetRawText().ShouldBe(created.GetRawText());
        again.Headers.Location.ShouldBe(first.Headers.Location);
        again.Headers.ETag.ShouldBe(first.Headers.ETag);
        (await IncidentsTitledAsync(title)).ShouldBe(1);

        // Without a key, a second request is a second incident, as before.
        using var unkeyed = await PostAsync(maya, $"/api/v1/tenants/{Northwind}/incidents", body, null);
        await BodyAsync(unkeyed, HttpStatusCode.Created);
        (await IncidentsTitledAsync(title)).ShouldBe(2);
    }

    [Fact]
    public async Task The_same_key_with_another_request_is_refused_and_changes_nothing()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var title = $"Key reused {Guid.NewGuid():N}";
        var key = Guid.NewGuid().ToString();
        using (var first = await PostAsync(maya, $"/api/v1/tenants/{Northwind}/incidents", new { title, severity = "Sev2" }, key))
            await BodyAsync(first, HttpStatusCode.Created);
        var incident = await app.QueryAsync(db => db.Incidents.SingleAsync(i => i.Title == title, Ct));
        var before = await app.StateOfAsync(incident.Id);

        // Another severity, and then another route, under the same key.
        using (var other = await PostAsync(maya, $"/api/v1/tenants/{Northwind}/incidents", new { title, severity = "Sev1" }, key))
        {
            var problem = await other.ReadProblemAsync((HttpStatusCode)422);
            problem.Code.ShouldBe("idempotency_key_reused");
        }
        using (var note = await PostAsync(maya, $"/api/v1/incidents/{incident.Id}/notes", new { text = "Under a used key", visibility = "Internal" }, key))
            (await note.ReadProblemAsync((HttpStatusCode)422)).Code.ShouldBe("idempotency_key_reused");

        (await IncidentsTitledAsync(title)).ShouldBe(1);
        (await app.StateOfAsync(incident.Id)).ShouldBe(before);
    }

    [Fact]
    public async Task A_key_is_the_callers_own()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var sam = await app.ClientForAsync(DemoDirectory.Sam);
        var title = $"Shared key {Guid.NewGuid():N}";
        var key = Guid.NewGuid().ToString();
        using var mine = await PostAsync(maya, $"/api/v1/tenants/{Northwind}/incidents", new { title, severity = "Sev3" }, key);
        using var his = await PostAsync(sam, $"/api/v1/tenants/{Northwind}/incidents", new { title, severity = "Sev3" }, key);

        Replayed(his).ShouldBeFalse("another user's key is not his: he learns nothing of her request");
        (await BodyAsync(his, HttpStatusCode.Created)).GetProperty("id").GetGuid()
            .ShouldNotBe((await BodyAsync(mine, HttpStatusCode.Created)).GetProperty("id").GetGuid());
        (await IncidentsTitledAsync(title)).ShouldBe(2);
    }

    [Theory]
    [InlineData("\"\"")] // the draft's quoted form, empty
    [InlineData("with space")]
    [InlineData("clé")]
    public async Task A_malformed_key_is_refused_before_anything_is_created(string key)
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var title = $"Malformed key {Guid.NewGuid():N}";
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/tenants/{Northwind}/incidents") { Content = JsonContent.Create(new { title, severity = "Sev3" }) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        using var response = await maya.SendAsync(request, Ct);

        (await response.ReadProblemAsync(HttpStatusCode.BadRequest)).Code.ShouldBe("invalid_idempotency_key");
        (await IncidentsTitledAsync(title)).ShouldBe(0);
    }

    [Fact]
    public async Task A_key_longer_than_255_characters_is_refused()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        using var response = await PostAsync(maya, $"/api/v1/tenants/{Northwind}/incidents", new { title = "Too long a key", severity = "Sev3" }, new string('k', 256));
        (await response.ReadProblemAsync(HttpStatusCode.BadRequest)).Code.ShouldBe("invalid_idempotency_key");
    }

    [Fact]
    public async Task Notes_tasks_devices_advisories_and_their_updates_are_created_once_per_key()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var (incident, created) = await maya.CreateIncidentAsync(Northwind, $"Keys for everything {suffix}", "Sev3");
        created.Dispose();

        async Task<JsonElement> TwiceAsync(HttpClient client, string url, object body)
        {
            var key = Guid.NewGuid().ToString();
            using var first = await PostAsync(client, url, body, key);
            var answer = await BodyAsync(first, HttpStatusCode.Created);
            using var again = await PostAsync(client, url, body, key);
            Replayed(again).ShouldBeTrue(url);
            (await BodyAsync(again, HttpStatusCode.Created)).GetRawText().ShouldBe(answer.GetRawText(), url);
            return answer;
        }

        await TwiceAsync(maya, $"/api/v1/incidents/{incident.Id}/notes", new { text = $"Once {suffix}", visibility = "Customer" });
        (await app.QueryAsync(db => db.TimelineEntries.CountAsync(e => e.IncidentId == incident.Id && e.Text == $"Once {suffix}", Ct))).ShouldBe(1);

        var device = await TwiceAsync(maya, $"/api/v1/tenants/{Northwind}/devices", new { hostname = $"once-{suffix}" });
        (await app.QueryAsync(db => db.Devices.CountAsync(d => d.Hostname == $"once-{suffix}", Ct))).ShouldBe(1);

        await TwiceAsync(maya, $"/api/v1/incidents/{incident.Id}/tasks", new { title = $"Free task {suffix}" });
        (await app.QueryAsync(db => db.RemediationTasks.CountAsync(t => t.IncidentId == incident.Id && t.Title == $"Free task {suffix}", Ct))).ShouldBe(1);
        await TwiceAsync(maya, $"/api/v1/incidents/{incident.Id}/tasks", new { deviceId = device.GetProperty("id").GetGuid() });
        (await app.QueryAsync(db => db.RemediationTasks.CountAsync(t => t.IncidentId == incident.Id, Ct))).ShouldBe(2);

        var serviceId = (await priya.GetFromJsonAsync<JsonElement>("/api/v1/provider/services", Ct))[0].GetProperty("id").GetGuid();
        var advisory = await TwiceAsync(priya, $"/api/v1/providers/{Sentinel}/advisories",
            new { title = $"Once only {suffix}", severity = "Sev3", impact = "Checks retries.", serviceIds = new[] { serviceId } });
        (await app.QueryAsync(db => db.Advisories.CountAsync(a => a.Title == $"Once only {suffix}", Ct))).ShouldBe(1);
        var advisoryId = advisory.GetProperty("id").GetGuid();
        await TwiceAsync(priya, $"/api/v1/advisories/{advisoryId}/updates", new { status = "Monitoring", text = $"One update {suffix}" });
        (await app.QueryAsync(db => db.AdvisoryUpdates.CountAsync(u => u.AdvisoryId == advisoryId, Ct))).ShouldBe(2, "the first and this one");
    }

    [Fact]
    public async Task Copies_of_one_request_sent_at_once_create_one_incident_and_all_get_its_answer()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var title = $"Racing copies {Guid.NewGuid():N}";
        var key = Guid.NewGuid().ToString();
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            PostAsync(maya, $"/api/v1/tenants/{Northwind}/incidents", new { title, severity = "Sev2" }, key)));
        try
        {
            var ids = new HashSet<Guid>();
            foreach (var response in responses) ids.Add((await BodyAsync(response, HttpStatusCode.Created)).GetProperty("id").GetGuid());
            ids.Count.ShouldBe(1);
            responses.Count(r => !Replayed(r)).ShouldBe(1, "one created it, the others were answered from its record");
            (await IncidentsTitledAsync(title)).ShouldBe(1);
        }
        finally
        {
            foreach (var response in responses) response.Dispose();
        }
    }
}

public sealed class IdempotencyKeyOnSqlite(SqliteApp app) : IdempotencyKeyTests(app), IClassFixture<SqliteApp>;

public sealed class IdempotencyKeyOnPostgreSql(PostgresApp app) : IdempotencyKeyTests(app), IClassFixture<PostgresApp>;

/// <summary>A recorded answer counts for a day: after it, the retention job deletes it and the key may start a new request.</summary>
public sealed class IdempotencyKeyRetentionTests(EscalationSqliteApp app) : IClassFixture<EscalationSqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task After_a_day_the_record_is_deleted_and_the_key_starts_afresh()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        var key = Guid.NewGuid().ToString();
        async Task<HttpResponseMessage> CreateAsync(string title)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/tenants/{northwind}/incidents") { Content = JsonContent.Create(new { title, severity = "Sev4" }) };
            request.Headers.Add("Idempotency-Key", key);
            return await maya.SendAsync(request, Ct);
        }
        using (var first = await CreateAsync("Kept for a day")) first.StatusCode.ShouldBe(HttpStatusCode.Created);
        using (var reused = await CreateAsync("Another request within the day")) reused.StatusCode.ShouldBe((HttpStatusCode)422);

        async Task<int> RetainAsync()
        {
            await using var scope = app.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<IdempotencyRetention>().RunAsync(Ct);
        }
        Task<int> RecordsAsync() => app.QueryAsync(db => db.IdempotencyRecords.CountAsync(r => r.Key == key, Ct));

        (await RetainAsync()).ShouldBe(0, "nothing is a day old yet");
        app.Clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromMinutes(1));
        (await RetainAsync()).ShouldBeGreaterThanOrEqualTo(1);
        (await RecordsAsync()).ShouldBe(0);

        using (var afresh = await CreateAsync("A new request a day later")) afresh.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await RecordsAsync()).ShouldBe(1);
    }
}
