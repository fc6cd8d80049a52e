using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Portal.Features.Escalations;
using Portal.IntegrationTests.Live;

namespace Portal.IntegrationTests.Escalations;

/// <summary>An escalation is pushed live to the MSP (EscalationRaised and the internal entry) and never to the tenant's customer.</summary>
public sealed class EscalationLiveTests(EscalationLiveTests.App app) : IClassFixture<EscalationLiveTests.App>
{
    [Fact]
    public async Task The_msp_hears_the_escalation_and_the_customer_hears_nothing_of_it()
    {
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        await using var maya = await app.ConnectAsync(DemoDirectory.Maya);
        await using var olivia = await app.ConnectAsync(DemoDirectory.Olivia);
        var mayaApi = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await mayaApi.CreateIncidentAsync(northwind, "Live escalation", "Sev1");
        created.Dispose();
        await olivia.WaitForAsync(m => m.Method == "IncidentCreated" && m.IncidentId == incident.Id); // the customer's connection works

        app.Clock.Advance(TimeSpan.FromMinutes(16));
        await using (var scope = app.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<EscalationJob>().RunAsync(incident.Id, incident.TenantId, CancellationToken.None);

        var raised = await maya.WaitForAsync(m => m.Method == "EscalationRaised");
        raised.Payload.GetProperty("incidentId").GetGuid().ShouldBe(incident.Id);
        raised.Payload.GetProperty("title").GetString()!.ShouldContain(incident.Reference);
        var entry = await maya.WaitForAsync(m => m.IncidentId == incident.Id && m.EntryText?.StartsWith("Escalation level 1", StringComparison.Ordinal) == true);
        entry.EntryVisibility.ShouldBe("Internal");

        // A barrier instead of a pause: the escalation's sends were all issued before RunAsync returned, so a customer update posted now
        // reaches Olivia's connection after anything of the escalation would have (one connection's messages keep their order).
        var barrier = $"Customer update after the escalation {Guid.NewGuid():N}";
        await mayaApi.AddNoteAsync(incident.Id, barrier, "Customer");
        await olivia.WaitForAsync(m => m.IncidentId == incident.Id && m.EntryText == barrier);
        olivia.Received.ShouldNotContain(m => m.Method == "EscalationRaised");
        olivia.Received.ShouldNotContain(m => m.EntryText != null && m.EntryText.Contains("Escalation", StringComparison.Ordinal));
    }

    public sealed class App() : LiveApp(DbProvider.Sqlite, null)
    {
        public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Escalations:SweepCron", "0 0 31 2 *");
            builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
        }
    }
}
