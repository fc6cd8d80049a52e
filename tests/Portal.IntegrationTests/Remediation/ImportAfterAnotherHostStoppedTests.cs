namespace Portal.IntegrationTests.Remediation;

/// <summary>
/// Hangfire keeps its logging in a static, and AddHangfire points it at the logger factory of the host that started last.
/// When that host stopped, Hangfire.PostgreSql threw while taking the next job off the queue of every other host in the
/// process, and the job stayed invisible for 30 minutes (an import "Queued" for ever; it failed the test run on CI).
/// </summary>
public sealed class ImportAfterAnotherHostStoppedTests(PostgresServer postgres)
{
    [Fact]
    public async Task An_import_runs_on_PostgreSql_after_another_host_in_the_process_has_stopped()
    {
        await using var survivor = new ImportPostgresApp(postgres);
        await survivor.InitializeAsync();
        var first = new ImportPostgresApp(postgres);
        await first.InitializeAsync(); // started last: Hangfire's static logging would now belong to it
        await first.DisposeAsync();

        var maya = await survivor.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(survivor.Demo.TenantId(DemoDirectory.Northwind), "Import after a host stopped", "Sev3");
        created.Dispose();
        var import = await maya.ImportAsync(incident.Id, "hostname,external_id\nafter-stop-1,after-stop-1\nafter-stop-2,after-stop-2\n");

        import.Status.ShouldBe("Completed", import.Failure);
        import.TasksCreated.ShouldBe(2);
    }
}
