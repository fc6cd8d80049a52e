using Microsoft.EntityFrameworkCore;

namespace Portal.IntegrationTests.Remediation;

/// <summary>
/// An incident closed while its devices are imported: a closed incident's tasks no longer change, so the import stops at the
/// next batch and fails saying why, and no "Imported N devices" line lands on the closed record. It used to go on to the end:
/// 300,000 pending tasks and a timeline line after "Closed".
/// </summary>
public sealed class ImportIntoClosedIncidentTests(SlowImportApp app) : IClassFixture<SlowImportApp>
{
    [Fact]
    public async Task Closing_the_incident_stops_its_running_import_at_the_next_batch_and_says_why()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(app.Demo.TenantId(DemoDirectory.Northwind), "Import: closed meanwhile", "Sev2");
        created.Dispose();
        var p = Guid.NewGuid().ToString("N")[..8];
        const int Rows = ImportApp.BatchSize * 20; // 20 batches, 200 ms apart: about 4 s
        var import = await maya.StartImportAsync(incident.Id, "hostname\n" + string.Concat(Enumerable.Range(1, Rows).Select(i => $"closed-{p}-{i}\n")));

        // The first batch is in; then the engineer resolves and closes the incident.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await maya.GetImportAsync(import.Id)).TasksCreated == 0 && DateTime.UtcNow < deadline) await Task.Delay(20, TestContext.Current.CancellationToken);
        await maya.AcknowledgeAsync(incident.Id);
        await maya.ChangeStatusAsync(incident.Id, "Resolved");
        await maya.ChangeStatusAsync(incident.Id, "Closed");
        var closedAt = await app.QueryAsync(db => db.TimelineEntries.Where(e => e.IncidentId == incident.Id).MaxAsync(e => e.Sequence));

        var finished = await maya.WaitForImportAsync(import.Id);
        finished.Status.ShouldBe("Failed");
        finished.Failure.ShouldNotBeNull().ShouldContain("The incident was closed while its devices were imported");
        finished.TasksCreated.ShouldBeInRange(1, Rows - 1);
        (await maya.AllTasksAsync(incident.Id)).Count.ShouldBe((int)finished.TasksCreated, "no batch after the close was written");
        (await app.QueryAsync(db => db.TimelineEntries.AnyAsync(e => e.IncidentId == incident.Id && e.Sequence > closedAt)))
            .ShouldBeFalse("nothing lands on the closed record");
    }
}
