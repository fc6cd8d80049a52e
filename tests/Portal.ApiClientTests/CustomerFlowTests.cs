using Portal.ApiClient;

namespace Portal.ApiClientTests;

/// <summary>A customer's tooling reads its own tenant's status through the generated client, and nothing it may not do works.</summary>
public sealed class CustomerFlowTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_customer_reads_its_tenants_status_with_what_the_msp_told_it_and_no_internal_note()
    {
        var nwa = app.Demo.TenantId(DemoDirectory.Northwind);
        var maya = await Clients.ForAsync(app, DemoDirectory.Maya);
        var opened = await maya.CreateIncidentAsync(nwa, new CreateIncidentBody
        {
            Title = "Check-in kiosks down", Severity = Severity.Sev2, CustomerSummary = "Kiosks at two airports do not start.",
        }, cancellationToken: Ct);
        await maya.AddIncidentNoteAsync(opened.Id, new AddIncidentNoteBody { Text = "Internal: kiosk vendor blames us.", Visibility = NoteVisibility.Internal }, cancellationToken: Ct);

        var noah = await Clients.ForAsync(app, DemoDirectory.Noah);
        var status = await noah.GetCustomerStatusAsync(nwa, cancellationToken: Ct);
        status.TenantId.ShouldBe(nwa);
        status.TenantName.ShouldBe(DemoDirectory.Northwind);
        var incident = status.Incidents.Single(i => i.Id == opened.Id);
        incident.Title.ShouldBe("Check-in kiosks down");
        incident.Severity.ShouldBe(Severity.Sev2);
        incident.Status.ShouldBe(IncidentStatus.New);
        status.OpenIncidents.ShouldBe(status.Incidents.Count(i => i.Status is not (IncidentStatus.Resolved or IncidentStatus.Closed)));
        System.Text.Json.JsonSerializer.Serialize(status).ShouldNotContain("kiosk vendor blames us");

        // a poller that has the current answer: If-None-Match through the client's own parameter gives 304 and no body
        var notModified = await Should.ThrowAsync<ApiException>(() => noah.GetCustomerStatusAsync(nwa, if_None_Match: "*", cancellationToken: Ct));
        notModified.StatusCode.ShouldBe(304);

        // another tenant's status: 404, exactly like a missing one; the MSP's work: 403
        (await Clients.RefusedAsync(() => noah.GetCustomerStatusAsync(app.Demo.TenantId(DemoDirectory.Woodgrove), cancellationToken: Ct))).Status.ShouldBe(404);
        (await Clients.RefusedAsync(() => noah.GetCustomerStatusAsync(Guid.NewGuid(), cancellationToken: Ct))).Status.ShouldBe(404);
        (await Clients.RefusedAsync(() => noah.AcknowledgeIncidentAsync(opened.Id, cancellationToken: Ct))).Status.ShouldBe(403);
    }
}
