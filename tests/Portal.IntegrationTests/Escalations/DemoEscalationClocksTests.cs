using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain;
using Portal.Features.Escalations;

namespace Portal.IntegrationTests.Escalations;

/// <summary>
/// A fresh <c>dotnet run</c> (Database:DemoEscalationClocks, on in appsettings.Development.json): the seeded incidents carry the
/// clock an engineer's open would have given them, counted from when they opened, so the first of them falls due within the
/// demo's first hours. The other test apps leave it off, so their demo incidents keep no clock.
/// </summary>
public sealed class DemoEscalationClocksTests(DemoClocksApp app) : IClassFixture<DemoClocksApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_demos_open_incidents_have_the_clock_an_open_by_hand_gets_and_the_first_falls_due_within_hours()
    {
        var startedBy = DateTimeOffset.UtcNow;
        var seeded = await app.QueryAsync(db => db.Incidents.AsNoTracking().ToListAsync(Ct));
        var open = seeded.Where(i => i.IsOpen).ToList();
        open.Count.ShouldBeGreaterThan(10, "the demo's outage");
        open.ShouldAllBe(i => i.AcknowledgeDueAt != null && i.ResolveDueAt != null, "every demo tenant has an MSP, so every open incident has a clock");
        seeded.Where(i => !i.IsOpen).ShouldAllBe(i => i.AcknowledgeDueAt == null && i.NextEscalationAt == null, "nothing left to escalate on a resolved one");

        // The oracle: the same tenant and severity, opened the way an engineer opens one.
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var severities = open.Where(i => i.TenantId == northwind).Select(i => i.Severity).Distinct().ToList();
        severities.Count.ShouldBeGreaterThan(1);
        foreach (var severity in severities)
        {
            var (created, response) = await maya.CreateIncidentAsync(northwind, $"Clock oracle {severity} {Guid.NewGuid():N}", severity.ToString());
            response.Dispose();
            var byHand = await maya.GetWithClockAsync(created.Id);
            var clock = byHand.Escalation.ShouldNotBeNull();
            foreach (var demo in open.Where(i => i.TenantId == northwind && i.Severity == severity))
            {
                (demo.AcknowledgeDueAt!.Value - demo.CreatedAt).ShouldBe(clock.AcknowledgeDueAt!.Value - byHand.CreatedAt, $"{demo.Reference} ({severity})");
                (demo.ResolveDueAt!.Value - demo.CreatedAt).ShouldBe(clock.ResolveDueAt!.Value - byHand.CreatedAt, $"{demo.Reference} ({severity})");
            }
        }

        // Three hours into the outage the Sev1s' four-hour resolution target is the next to fall due: the triage's "Next due"
        // shows it within the demo's first hours, and nothing due by the start was left waiting (the start's own sweep, and this one).
        await using (var scope = app.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<EscalationSweep>().RunAsync(Ct);
        var next = await app.QueryAsync(db => db.Incidents.AsNoTracking().Where(i => i.NextEscalationAt != null).Select(i => i.NextEscalationAt!.Value).ToListAsync(Ct));
        next.Count.ShouldBeGreaterThanOrEqualTo(open.Count);
        next.ShouldAllBe(at => at > startedBy, "every level due by the start has fired");
        next.Min().ShouldBeLessThan(startedBy.AddHours(2), "the demo's first escalation comes while someone is looking");

        // Once: a second start finds every open incident with its clock.
        (await app.QueryAsync(db => DemoEscalationClocks.StartAsync(db, DateTimeOffset.UtcNow, Ct))).ShouldBe(0);
    }
}

public sealed class DemoClocksApp() : PortalApp(DbProvider.Sqlite, null)
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Database:DemoEscalationClocks", "true");
    }
}
