using Portal.ApiClient;

namespace Portal.ApiClientTests;

/// <summary>An RMM tool with an app-only token marks devices fixed in bulk through the generated client; resending changes nothing.</summary>
public sealed class RmmIntegrationFlowTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private const string HarborRmm = "rmm@harborit.example";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_rmm_integration_bulk_updates_the_task_states_of_its_msps_incident()
    {
        var nwa = app.Demo.TenantId(DemoDirectory.Northwind);
        var maya = await Clients.ForAsync(app, DemoDirectory.Maya);
        var incident = await maya.CreateIncidentAsync(nwa, new CreateIncidentBody { Title = "Kiosk fleet remediation", Severity = Severity.Sev1 }, cancellationToken: Ct);
        var devices = (await maya.ListDevicesAsync(nwa, limit: 4, cancellationToken: Ct)).Items.Where(d => d.ExternalId is not null).ToList();
        devices.Count.ShouldBeGreaterThanOrEqualTo(3, "the demo tenant has devices with RMM ids");
        var tasks = new List<TaskView>();
        foreach (var device in devices) tasks.Add(await maya.CreateTaskAsync(incident.Id, new CreateTaskBody { DeviceId = device.Id }, cancellationToken: Ct));

        var rmm = Clients.ForRmm(app, HarborRmm);
        var body = new BulkChangeBody
        {
            State = RemediationState.Done, Summary = "reboot script",
            Items = [.. devices.Select(d => new BulkItemBody { ExternalId = d.ExternalId }), new BulkItemBody { ExternalId = "no-such-device" }],
        };
        var done = await rmm.BulkChangeTaskStateAsync(incident.Id, body, cancellationToken: Ct);
        done.State.ShouldBe(RemediationState.Done);
        done.Updated.ShouldBe(devices.Count);
        done.NotFound.ShouldBe(1);
        done.Items.Count.ShouldBe(devices.Count + 1);
        done.Items.Where(i => i.TaskId is not null).Select(i => i.TaskId!.Value).ShouldBe(tasks.Select(t => t.Id), ignoreOrder: true);
        done.Progress.Done.ShouldBe(devices.Count);

        var again = await rmm.BulkChangeTaskStateAsync(incident.Id, body, cancellationToken: Ct);
        (again.Updated, again.Unchanged, again.NotFound).ShouldBe((0, devices.Count, 1), "resending a call changes nothing");

        // A task that moved on the API is Done for the engineer too.
        (await maya.ListTasksAsync(incident.Id, cancellationToken: Ct)).Items.Select(t => t.State).ShouldAllBe(s => s == RemediationState.Done);
        // The integration may not read incidents (403), however it asks.
        (await Clients.RefusedAsync(() => rmm.GetIncidentAsync(incident.Id, cancellationToken: Ct))).Status.ShouldBe(403);
    }
}
