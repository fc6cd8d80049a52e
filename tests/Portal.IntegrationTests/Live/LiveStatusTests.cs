using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Features.Live;
using Portal.IntegrationTests.Remediation;

namespace Portal.IntegrationTests.Live;

/// <summary>Who receives what over the status hub: exactly what each may see, and nothing for anyone else.</summary>
public sealed class LiveStatusTests(SqliteLiveApp app) : IClassFixture<SqliteLiveApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(1500);

    private async Task<Guid> NewIncidentAsync(string tenant, string title)
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var created = await maya.PostAsJsonAsync($"/api/v1/tenants/{app.Demo.TenantId(tenant)}/incidents", new { title, severity = "Sev2" }, Ct);
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        return (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
    }

    [Fact]
    public async Task Each_connection_receives_exactly_what_its_user_may_see()
    {
        var incidentId = await NewIncidentAsync(DemoDirectory.Northwind, "Live isolation check");
        await using var msp = await app.ConnectAsync(DemoDirectory.Maya);
        await using var customer = await app.ConnectAsync(DemoDirectory.Olivia);
        await using var foreignCustomer = await app.ConnectAsync(DemoDirectory.Hana);
        await using var provider = await app.ConnectAsync(DemoDirectory.Priya);
        await using var otherMsp = await app.ConnectAsync(DemoDirectory.Ines);

        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        (await maya.PostAsync($"/api/v1/incidents/{incidentId}/acknowledge", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        const string secret = "Internal: the kiosk vendor owes us an answer";
        (await maya.PostAsJsonAsync($"/api/v1/incidents/{incidentId}/notes", new { text = secret, visibility = "Internal" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Created);

        var acknowledged = await msp.WaitForAsync(m => m.Method == "IncidentChanged" && m.IncidentId == incidentId && m.Status == "Acknowledged");
        var note = await msp.WaitForAsync(m => m.Method == "TimelineEntryAdded" && m.EntryText == secret);
        note.EntryVisibility.ShouldBe("Internal");
        note.Sequence.ShouldBe(acknowledged.Sequence + 1); // one stream, consecutive numbers

        var customerSaw = await customer.WaitForAsync(m => m.Method == "IncidentChanged" && m.IncidentId == incidentId && m.Status == "Acknowledged");
        customerSaw.Stream.ShouldBe($"tenant/{app.Demo.TenantId(DemoDirectory.Northwind)}");
        await Task.Delay(Quiet, Ct);
        customer.Received.ShouldNotContain(m => m.Payload.ToString().Contains(secret, StringComparison.Ordinal));
        customer.Received.ShouldAllBe(m => m.EntryVisibility == null || m.EntryVisibility == "Customer");
        foreignCustomer.Received.ShouldNotContain(m => m.IncidentId == incidentId);
        otherMsp.Received.ShouldNotContain(m => m.IncidentId == incidentId);
        provider.Received.ShouldBeEmpty();

        // The version a customer's event carries is hers (what her API read says), not the row's, which the internal note and
        // anything else of the MSP's move: counting them would tell her how many internal notes there are.
        (await maya.PostAsJsonAsync($"/api/v1/incidents/{incidentId}/notes", new { text = "Vendor fix arriving", visibility = "Customer" }, Ct)).EnsureSuccessStatusCode();
        var update = await customer.WaitForAsync(m => m.Method == "TimelineEntryAdded" && m.EntryText == "Vendor fix arriving");
        var hers = await (await app.ClientForAsync(DemoDirectory.Olivia)).GetIncidentAsync(incidentId);
        hers.Version.ShouldBe(3, "her entries: the opening, the acknowledgement, the update");
        update.Payload.GetProperty("incident").GetProperty("version").GetInt64().ShouldBe(hers.Version);
        var mspUpdate = await msp.WaitForAsync(m => m.Method == "TimelineEntryAdded" && m.EntryText == "Vendor fix arriving");
        mspUpdate.Payload.GetProperty("incident").GetProperty("version").GetInt64().ShouldBe((await maya.GetIncidentAsync(incidentId)).Version);
    }

    [Fact]
    public async Task The_server_decides_the_groups_from_memberships()
    {
        await using var msp = await app.ConnectAsync(DemoDirectory.Maya);
        await using var customer = await app.ConnectAsync(DemoDirectory.Olivia);
        await using var provider = await app.ConnectAsync(DemoDirectory.Priya);

        var mspGroups = await msp.Connection.InvokeAsync<string[]>("MyGroups", Ct);
        mspGroups.ShouldBe(
            app.Demo.MspTenantsOf(DemoDirectory.Maya).Select(LiveGroups.TenantFull)
                .Append(LiveGroups.Msp(app.Demo.Org("Harbor IT Partners").Id)).Order(),
            ignoreOrder: true);
        (await customer.Connection.InvokeAsync<string[]>("MyGroups", Ct))
            .ShouldBe([LiveGroups.TenantCustomer(app.Demo.TenantId(DemoDirectory.Northwind))]);
        (await provider.Connection.InvokeAsync<string[]>("MyGroups", Ct))
            .ShouldBe([LiveGroups.Provider(app.Demo.Org("Sentinel Shield Security").Id)]);
    }

    [Fact]
    public async Task Watching_a_foreign_incident_is_refused_and_delivers_nothing()
    {
        var incidentId = await NewIncidentAsync(DemoDirectory.Northwind, "Watched from afar");
        await using var foreignCustomer = await app.ConnectAsync(DemoDirectory.Hana);
        await using var otherMsp = await app.ConnectAsync(DemoDirectory.Ines);
        await using var provider = await app.ConnectAsync(DemoDirectory.Priya);

        foreach (var stranger in new[] { foreignCustomer, otherMsp, provider })
        {
            var refused = await Should.ThrowAsync<HubException>(() => stranger.Connection.InvokeAsync<WatchResult>("WatchIncident", incidentId, Ct));
            refused.Message.ShouldEndWith($"There is no incident {incidentId}, or you cannot see it.");
            (await stranger.Connection.InvokeAsync<string[]>("MyGroups", Ct)).ShouldNotContain(g => g.Contains(incidentId.ToString("N"), StringComparison.Ordinal));
        }
        var missingId = Guid.NewGuid();
        var missing = await Should.ThrowAsync<HubException>(() => foreignCustomer.Connection.InvokeAsync<WatchResult>("WatchIncident", missingId, Ct));
        missing.Message.ShouldEndWith($"There is no incident {missingId}, or you cannot see it."); // the same answer as for a foreign one

        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        (await maya.PostAsync($"/api/v1/incidents/{incidentId}/acknowledge", null, Ct)).EnsureSuccessStatusCode();
        (await maya.PostAsJsonAsync($"/api/v1/incidents/{incidentId}/notes", new { text = "We are on it", visibility = "Customer" }, Ct)).EnsureSuccessStatusCode();
        await Task.Delay(Quiet, Ct);
        foreach (var stranger in new[] { foreignCustomer, otherMsp, provider })
            stranger.Received.ShouldNotContain(m => m.IncidentId == incidentId || m.Stream.Contains(incidentId.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Watching_an_own_incident_gives_its_stream_with_customer_numbering()
    {
        var incidentId = await NewIncidentAsync(DemoDirectory.Northwind, "Watched by its customer");
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        (await maya.PostAsJsonAsync($"/api/v1/incidents/{incidentId}/notes", new { text = "internal one", visibility = "Internal" }, Ct)).EnsureSuccessStatusCode();

        await using var customer = await app.ConnectAsync(DemoDirectory.Olivia);
        var watch = await customer.Connection.InvokeAsync<WatchResult>("WatchIncident", incidentId, Ct);
        watch.Stream.ShouldBe($"incident/{incidentId}");
        watch.Sequence.ShouldBe(1); // the opening entry only: the internal note is not counted for the customer

        (await maya.PostAsync($"/api/v1/incidents/{incidentId}/acknowledge", null, Ct)).EnsureSuccessStatusCode();
        var onIncident = await customer.WaitForAsync(m => m.Stream == watch.Stream);
        onIncident.Sequence.ShouldBe(2);
        onIncident.Payload.GetProperty("entry").GetProperty("sequence").GetInt32().ShouldBe(2);
    }

    [Fact]
    public async Task A_client_that_misses_events_sees_the_gap_and_refetches_the_current_state()
    {
        var tenantId = app.Demo.TenantId(DemoDirectory.Northwind);
        var incidentId = await NewIncidentAsync(DemoDirectory.Northwind, "Gap handling");
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);

        var customer = await app.ConnectAsync(DemoDirectory.Olivia);
        (await maya.PostAsync($"/api/v1/incidents/{incidentId}/acknowledge", null, Ct)).EnsureSuccessStatusCode();
        var seen = await customer.WaitForAsync(m => m.IncidentId == incidentId && m.Status == "Acknowledged");
        await customer.DisposeAsync(); // the network drops

        (await maya.PostAsJsonAsync($"/api/v1/incidents/{incidentId}/status", new { status = "Investigating", customerMessage = "Missed while offline" }, Ct)).EnsureSuccessStatusCode();

        await using var reconnected = await app.ConnectAsync(DemoDirectory.Olivia);
        (await maya.PostAsJsonAsync($"/api/v1/incidents/{incidentId}/status", new { status = "Mitigating" }, Ct)).EnsureSuccessStatusCode();
        var next = await reconnected.WaitForAsync(m => m.IncidentId == incidentId && m.Status == "Mitigating");

        // The client's rule: a number more than one past the last one seen means "refetch".
        next.Stream.ShouldBe(seen.Stream);
        next.Sequence.ShouldBeGreaterThan(seen.Sequence + 1);
        var status = await olivia.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenantId}/status", Ct);
        var incident = status.GetProperty("incidents").EnumerateArray().Single(i => i.GetProperty("id").GetGuid() == incidentId);
        incident.GetProperty("status").GetString().ShouldBe("Mitigating");
        incident.GetProperty("updates").EnumerateArray().Select(u => u.GetProperty("text").GetString())
            .ShouldContain(t => t!.Contains("Missed while offline", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Progress_for_one_incident_is_coalesced_and_ends_on_the_latest_value()
    {
        var tenantId = app.Demo.TenantId(DemoDirectory.Northwind);
        var incidentId = await NewIncidentAsync(DemoDirectory.Northwind, "Progress flood");
        await using var customer = await app.ConnectAsync(DemoDirectory.Olivia);
        var publisher = app.Services.GetRequiredService<LivePublisher>();

        var started = DateTime.UtcNow;
        const int updates = 2000;
        for (var done = 1; done <= updates; done++)
        {
            publisher.TaskProgress(tenantId, incidentId, new LiveTaskProgress(updates, done, 0, 0));
            if (done % 100 == 0) await Task.Delay(50, Ct); // about 2,000 updates over one second
        }
        var elapsed = DateTime.UtcNow - started;

        var last = await customer.WaitForAsync(m => m.Method == "TaskProgress" && m.Payload.GetProperty("progress").GetProperty("completed").GetInt32() == updates);
        last.Stream.ShouldBe($"tenant/{tenantId}");
        await Task.Delay(LivePublisher.ProgressInterval * 2, Ct);
        var received = customer.Received.Where(m => m.Method == "TaskProgress" && m.IncidentId == incidentId).ToList();
        var allowed = (int)Math.Ceiling((elapsed + LivePublisher.ProgressInterval * 2) / LivePublisher.ProgressInterval) + 1;
        received.Count.ShouldBeLessThanOrEqualTo(allowed, $"{received.Count} progress events for {updates} updates in {elapsed.TotalMilliseconds:F0} ms");
        received.Count.ShouldBeGreaterThan(1);
        received[^1].Payload.GetProperty("progress").GetProperty("completed").GetInt32().ShouldBe(updates);
    }

    /// <summary>
    /// The progress a customer's socket is told is the progress her status JSON reads, stuck devices included: blocked ones
    /// (often waiting for a BitLocker key only she has) as well as failed ones. Another tenant's customer hears nothing of it.
    /// </summary>
    [Fact]
    public async Task Progress_tells_the_customer_what_her_status_reads_blocked_devices_included()
    {
        var tenantId = app.Demo.TenantId(DemoDirectory.Northwind);
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var incidentId = await NewIncidentAsync(DemoDirectory.Northwind, "Progress with stuck devices");
        var tasks = new List<Guid>();
        foreach (var device in (await app.DevicesOfAsync(tenantId)).Where(d => d.ExternalId!.StartsWith("rmm-", StringComparison.Ordinal)).Take(5))
            tasks.Add((await maya.AddTaskAsync(incidentId, device.Id)).Id);
        await using var customer = await app.ConnectAsync(DemoDirectory.Olivia);
        await using var foreignCustomer = await app.ConnectAsync(DemoDirectory.Hana);

        object Items(IEnumerable<Guid> some) => some.Select(taskId => new { taskId }).ToArray();
        await maya.BulkAsync(incidentId, new { state = "Blocked", reason = "BitLocker recovery key needed", items = Items(tasks.Take(2)) });
        await maya.BulkAsync(incidentId, new { state = "Failed", reason = "Still boot-looping", items = Items(tasks.Skip(2).Take(1)) });
        await maya.BulkAsync(incidentId, new { state = "Done", items = Items(tasks.Skip(3).Take(1)) });

        static (int, int, int, int) Counts(JsonElement progress) => (progress.GetProperty("total").GetInt32(),
            progress.GetProperty("completed").GetInt32(), progress.GetProperty("failed").GetInt32(), progress.GetProperty("blocked").GetInt32());
        var told = await customer.WaitForAsync(m => m.Method == "TaskProgress" && m.IncidentId == incidentId && Counts(m.Payload.GetProperty("progress")) == (5, 1, 1, 2));
        told.Stream.ShouldBe($"tenant/{tenantId}");
        var status = await (await app.ClientForAsync(DemoDirectory.Olivia)).GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenantId}/status", Ct);
        Counts(status.GetProperty("incidents").EnumerateArray().Single(i => i.GetProperty("id").GetGuid() == incidentId).GetProperty("progress"))
            .ShouldBe(Counts(told.Payload.GetProperty("progress")));
        await Task.Delay(Quiet, Ct);
        foreignCustomer.Received.ShouldNotContain(m => m.IncidentId == incidentId);
    }

    [Fact]
    public async Task Advisory_and_escalation_hooks_reach_only_their_streams()
    {
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        var provider = app.Demo.Org("Sentinel Shield Security").Id;
        var harbor = app.Demo.Org("Harbor IT Partners").Id;
        await using var priya = await app.ConnectAsync(DemoDirectory.Priya);
        await using var olivia = await app.ConnectAsync(DemoDirectory.Olivia);
        await using var hana = await app.ConnectAsync(DemoDirectory.Hana);
        await using var maya = await app.ConnectAsync(DemoDirectory.Maya);
        var publisher = app.Services.GetRequiredService<LivePublisher>();

        // Every demo tenant subscribes to the sensor: a published advisory reaches the provider and each tenant's streams.
        var priyaApi = await app.ClientForAsync(DemoDirectory.Priya);
        var sensor = await Portal.IntegrationTests.Advisories.AdvisoryApi.ServiceAsync(priyaApi, Portal.IntegrationTests.Advisories.AdvisoryApi.SensorService);
        await Portal.IntegrationTests.Advisories.AdvisoryApi.PublishAsync(priyaApi, provider, "Sensor update crashes Windows", [sensor.Id]);
        (await priya.WaitForAsync(m => m.Method == "AdvisoryPublished")).Stream.ShouldBe($"provider/{provider}");
        (await olivia.WaitForAsync(m => m.Method == "AdvisoryPublished")).Stream.ShouldBe($"tenant/{northwind}");
        await maya.WaitForAsync(m => m.Method == "AdvisoryPublished");

        var incidentId = await NewIncidentAsync(DemoDirectory.Northwind, "Escalation hook");
        await publisher.EscalationRaisedAsync(harbor, northwind, incidentId, Guid.NewGuid(), "Not acknowledged in 15 minutes", Ct);
        (await maya.WaitForAsync(m => m.Method == "EscalationRaised" && m.Stream == $"msp/{harbor}")).Payload.GetProperty("title").GetString()
            .ShouldBe("Not acknowledged in 15 minutes");
        await Task.Delay(Quiet, Ct);
        olivia.Received.ShouldNotContain(m => m.Method == "EscalationRaised");
        hana.Received.ShouldNotContain(m => m.Method == "EscalationRaised");
        priya.Received.ShouldNotContain(m => m.Method == "EscalationRaised");
    }
}

/// <summary>
/// Groups follow access while a connection stays open: an ended contract or a deactivated organisation takes effect the moment
/// it commits (changed as background jobs change data: the unit of work in a scope, then published) — no cache lifetime
/// waited out, no manual invalidation or re-validation.
/// </summary>
public sealed class LiveRevocationTests(RevocationLiveApp app) : IClassFixture<RevocationLiveApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Ending_a_contract_removes_the_msp_from_the_tenant_stream_without_reconnecting()
    {
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        var harbor = app.Demo.Org("Harbor IT Partners").Id;
        await using var maya = await app.ConnectAsync(DemoDirectory.Maya);
        var mayaApi = await app.ClientForAsync(DemoDirectory.Maya);
        (await maya.Connection.InvokeAsync<string[]>("MyGroups", Ct)).ShouldContain(LiveGroups.TenantFull(northwind));
        (await mayaApi.GetAsync($"/api/v1/incidents?tenantId={northwind}", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        await app.CommitAsync(async (db, ct) =>
        {
            var contract = await db.Contracts.SingleAsync(c => c.MspId == harbor && c.CustomerId == northwind, ct);
            contract.End(DateTimeOffset.UtcNow);
        });

        (await maya.Connection.InvokeAsync<string[]>("MyGroups", Ct)).ShouldNotContain(LiveGroups.TenantFull(northwind));
        (await mayaApi.GetAsync($"/api/v1/incidents?tenantId={northwind}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        var incidentId = await app.QueryAsync(db => db.Incidents.Where(i => i.TenantId == northwind).Select(i => i.Id).FirstAsync(Ct));
        (await olivia.PostAsJsonAsync($"/api/v1/incidents/{incidentId}/notes", new { text = "Anyone there?", visibility = "Customer" }, Ct)).EnsureSuccessStatusCode();
        await Task.Delay(TimeSpan.FromMilliseconds(1500), Ct);
        maya.Received.ShouldNotContain(m => m.IncidentId == incidentId);
        maya.Connection.State.ShouldBe(HubConnectionState.Connected, "Maya still manages other tenants");
    }

    [Fact]
    public async Task A_deactivated_organisations_people_are_refused_on_the_api_the_pages_and_the_hub_at_once()
    {
        var woodgrove = app.Demo.TenantId(DemoDirectory.Woodgrove);
        await using var hana = await app.ConnectAsync(DemoDirectory.Hana);
        await using var ines = await app.ConnectAsync(DemoDirectory.Ines);
        var hanaApi = await app.ClientForAsync(DemoDirectory.Hana);
        var inesApi = await app.ClientForAsync(DemoDirectory.Ines);
        (await hanaApi.GetAsync($"/status/{woodgrove}", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await inesApi.GetAsync($"/api/v1/incidents?tenantId={woodgrove}", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await ines.Connection.InvokeAsync<string[]>("MyGroups", Ct)).ShouldContain(LiveGroups.TenantFull(woodgrove));

        await app.CommitAsync(async (db, ct) => (await db.Organisations.SingleAsync(o => o.Id == woodgrove, ct)).Deactivate(DateTimeOffset.UtcNow));

        // Its own people: refused everywhere, their socket closed, a new one refused.
        (await hanaApi.GetAsync("/api/v1/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await hanaApi.GetAsync($"/status/{woodgrove}", Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        await RevocationApi.ShouldBeClosedAsync(hana);
        await Should.ThrowAsync<Exception>(() => app.ConnectAsync(DemoDirectory.Hana));
        // Its MSP's engineer: out of the tenant's stream at once, the API answers as for a tenant that is not there.
        (await ines.Connection.InvokeAsync<string[]>("MyGroups", Ct)).ShouldNotContain(LiveGroups.TenantFull(woodgrove));
        (await inesApi.GetAsync($"/api/v1/incidents?tenantId={woodgrove}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}
