using Microsoft.Extensions.DependencyInjection;
using Portal.Domain;
using Portal.Infrastructure.Auth;

namespace Portal.IntegrationTests.Remediation;

/// <summary>
/// RMM integrations: a demo integration's development token is app-only (idtyp=app, the app role, no scp); with it the
/// integration updates its own MSP's tenants, gets 404 for another MSP's, 403 on incident reads; an integration's
/// identity with a person's kind of token, or without the app role, and a person with an app-only token get nothing.
/// </summary>
public abstract class IntegrationTokenTests(PortalApp app)
{
    private const string HarborRmm = "rmm@harborit.example";
    private const string BluepeakRmm = "rmm@bluepeak.example";
    protected PortalApp App { get; } = app;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private Guid Nwa => App.Demo.TenantId(DemoDirectory.Northwind);
    private Guid Woodgrove => App.Demo.TenantId(DemoDirectory.Woodgrove);

    private async Task<(IncidentDto Incident, List<TaskDto> Tasks)> IncidentWithTasksAsync(string engineer, Guid tenantId, int count)
    {
        var client = await App.ClientForAsync(engineer);
        var (incident, response) = await client.CreateIncidentAsync(tenantId, "RMM integration target", "Sev1");
        response.Dispose();
        var tasks = new List<TaskDto>();
        foreach (var device in (await App.DevicesOfAsync(tenantId)).Take(count)) tasks.Add(await client.AddTaskAsync(incident.Id, device.Id));
        return (incident, tasks);
    }

    [Fact]
    public async Task The_development_token_of_an_integration_is_app_only_with_the_app_role()
    {
        using var anonymous = App.Anonymous();
        using var response = await anonymous.PostJsonAsync("/dev/token", new { email = HarborRmm });
        var token = (await response.ReadAsync<TokenDto>()).AccessToken;
        var jwt = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token);
        jwt.GetClaim("idtyp").Value.ShouldBe("app");
        jwt.Claims.Where(c => c.Type == "roles").Select(c => c.Value).ShouldBe(["Remediation.ReadWrite"]);
        jwt.Claims.ShouldNotContain(c => c.Type == "scp");
        jwt.GetClaim("oid").Value.ShouldBe(Portal.Infrastructure.Data.DemoData.Integrations[0].Id.ToString(), "the fixed demo id");
    }

    [Fact]
    public async Task An_integration_updates_its_msps_tenant_gets_404_for_another_msps_and_403_on_incident_reads()
    {
        var rmm = await App.ClientForAsync(HarborRmm);
        var (incident, tasks) = await IncidentWithTasksAsync(DemoDirectory.Maya, Nwa, 5);
        var result = await rmm.BulkAsync(incident.Id, new { state = "Done", items = tasks.Select(t => new { externalId = t.Device!.ExternalId }).ToArray() });
        result.Updated.ShouldBe(5);
        await App.ShouldMatchDirectCountAsync(await App.ClientForAsync(DemoDirectory.Maya), incident.Id, Nwa, "an integration's bulk call");
        (await App.RemediationTimelineAsync(incident.Id)).ShouldBe(["Customer:5 devices marked Done by Harbor IT RMM"]);
        using (var history = await rmm.GetAsync($"/api/v1/tasks/{tasks[0].Id}/history", Ct))
        {
            (await history.ReadAsync<TaskChangeDto[]>()).Single().Actor.ShouldBe("Harbor IT RMM");
        }
        using (var devices = await rmm.GetAsync($"/api/v1/tenants/{Nwa}/devices?limit=3", Ct))
        {
            (await devices.ReadAsync<DevicePageDto>()).Items.Length.ShouldBe(3);
        }

        // another MSP's tenant: 404, and nothing applied
        var (foreignIncident, foreignTasks) = await IncidentWithTasksAsync(DemoDirectory.Ines, Woodgrove, 2);
        using (var foreign = await rmm.PostJsonAsync($"/api/v1/incidents/{foreignIncident.Id}/tasks/bulk-state",
                   new { state = "Done", items = foreignTasks.Select(t => new { taskId = t.Id }).ToArray() }))
        {
            (await foreign.ReadProblemAsync(HttpStatusCode.NotFound)).Title.ShouldBe("No such incident");
        }
        using (var foreignDevices = await rmm.GetAsync($"/api/v1/tenants/{Woodgrove}/devices", Ct))
        {
            (await foreignDevices.ReadProblemAsync(HttpStatusCode.NotFound)).Title.ShouldBe("No such tenant");
        }
        using (var foreignTask = await rmm.PostJsonAsync($"/api/v1/tasks/{foreignTasks[0].Id}/state", new { state = "Done" }))
        {
            await foreignTask.ReadProblemAsync(HttpStatusCode.NotFound);
        }
        (await App.CountByStateAsync(foreignIncident.Id)).ShouldBe(new Dictionary<RemediationState, int> { [RemediationState.Pending] = 2 });

        // Bluepeak's integration is the mirror image
        var bluepeak = await App.ClientForAsync(BluepeakRmm);
        (await bluepeak.BulkAsync(foreignIncident.Id, new { state = "Done", items = foreignTasks.Select(t => new { taskId = t.Id }).ToArray() })).Updated.ShouldBe(2);
        using (var notHis = await bluepeak.PostJsonAsync($"/api/v1/incidents/{incident.Id}/tasks/bulk-state", new { state = "InProgress", items = new[] { new { taskId = tasks[0].Id } } }))
        {
            await notHis.ReadProblemAsync(HttpStatusCode.NotFound);
        }

        // no incident reads, no notes, no incident work
        foreach (var url in new[] { $"/api/v1/incidents/{incident.Id}", $"/api/v1/incidents/{incident.Id}/timeline", "/api/v1/incidents" })
        {
            using var read = await rmm.GetAsync(url, Ct);
            await read.ReadProblemAsync(HttpStatusCode.Forbidden);
        }
        using (var note = await rmm.PostJsonAsync($"/api/v1/incidents/{incident.Id}/notes", new { text = "hello", visibility = "Internal" }))
        {
            await note.ReadProblemAsync(HttpStatusCode.Forbidden);
        }
    }

    [Fact]
    public async Task The_token_must_match_the_kind_of_user()
    {
        var tokens = App.Services.GetRequiredService<DevelopmentTokens>();
        var rmmUser = App.Demo.User(HarborRmm);
        var maya = App.Demo.User(DemoDirectory.Maya);
        var (incident, tasks) = await IncidentWithTasksAsync(DemoDirectory.Maya, Nwa, 1);
        var body = new { state = "InProgress", items = new[] { new { taskId = tasks[0].Id } } };

        var refusedTokens = new Dictionary<string, string>
        {
            ["integration with a delegated (person's) token"] = tokens.CreateToken(rmmUser.Tid, rmmUser.Oid, rmmUser.Name),
            ["integration app-only token without the app role"] = tokens.CreateAppToken(rmmUser.Tid, rmmUser.Oid, ["Something.Else"]),
            ["a person with an app-only token"] = tokens.CreateAppToken(maya.Tid, maya.Oid, ["Remediation.ReadWrite"]),
        };
        foreach (var (what, token) in refusedTokens)
        {
            using var client = App.ClientWithToken(token);
            using var response = await client.PostJsonAsync($"/api/v1/incidents/{incident.Id}/tasks/bulk-state", body);
            response.StatusCode.ShouldBe(HttpStatusCode.Forbidden, what);
        }
        (await App.CountByStateAsync(incident.Id)).ShouldBe(new Dictionary<RemediationState, int> { [RemediationState.Pending] = 1 });

        // positive control: the same call with the right token works
        using var right = App.ClientWithToken(tokens.CreateAppToken(rmmUser.Tid, rmmUser.Oid, ["Remediation.ReadWrite"]));
        (await right.BulkAsync(incident.Id, body)).Updated.ShouldBe(1);
    }

    private sealed record TokenDto(string AccessToken);
}

public sealed class IntegrationTokenOnSqlite(SqliteApp app) : IntegrationTokenTests(app), IClassFixture<SqliteApp>;

public sealed class IntegrationTokenOnPostgreSql(PostgresApp app) : IntegrationTokenTests(app), IClassFixture<PostgresApp>;
