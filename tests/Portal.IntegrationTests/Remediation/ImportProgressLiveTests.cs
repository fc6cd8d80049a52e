using Portal.IntegrationTests.Live;

namespace Portal.IntegrationTests.Remediation;

/// <summary>Portal on a real port with small import batches, for hub clients.</summary>
public sealed class ImportLiveApp() : LiveApp(DbProvider.Sqlite, null)
{
    private readonly string _importFolder = TempFiles.NewPath("portal-imports", extension: "");

    protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Remediation:Import:BatchSize", "50");
        builder.UseSetting("Remediation:Import:Folder", _importFolder);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        TempFiles.DeleteFolder(_importFolder);
        GC.SuppressFinalize(this);
    }
}

/// <summary>An import's progress reaches the MSP's hub clients live; a customer's socket never carries it.</summary>
public sealed class ImportProgressLiveTests(ImportLiveApp app) : IClassFixture<ImportLiveApp>
{
    [Fact]
    public async Task The_MSP_sees_import_progress_live_and_the_customer_does_not()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var nwa = app.Demo.TenantId(DemoDirectory.Northwind);
        var (incident, created) = await maya.CreateIncidentAsync(nwa, "Import: live progress", "Sev2");
        created.Dispose();
        await using var msp = await app.ConnectAsync(DemoDirectory.Maya);
        await using var customer = await app.ConnectAsync(DemoDirectory.Olivia);
        await using var otherMsp = await app.ConnectAsync(DemoDirectory.Ines);

        var p = Guid.NewGuid().ToString("N")[..8];
        var csv = "hostname,external_id\n" + string.Concat(Enumerable.Range(1, 400).Select(i => $"live-{p}-{i},{p}-{i}\n"));
        var import = await maya.ImportAsync(incident.Id, csv);
        import.TasksCreated.ShouldBe(400);

        var done = await msp.WaitForAsync(m => m.Method == "ImportProgress"
            && m.Payload.GetProperty("import").GetProperty("importId").GetGuid() == import.Id
            && m.Payload.GetProperty("import").GetProperty("status").GetString() == "Completed");
        done.Payload.GetProperty("import").GetProperty("tasksCreated").GetInt64().ShouldBe(400);
        done.Stream.ShouldBe($"tenant/{nwa}");

        // The customer's socket is live (positive control: the customer-visible summary arrives) and carries no import event.
        await customer.WaitForAsync(m => m.Method == "TimelineEntryAdded" && m.EntryText == "Imported 400 affected devices");
        await Task.Delay(500, TestContext.Current.CancellationToken);
        customer.Received.ShouldNotContain(m => m.Method == "ImportProgress");
        otherMsp.Received.ShouldNotContain(m => m.Method == "ImportProgress", "another MSP's engineer does not manage Northwind");
    }
}
