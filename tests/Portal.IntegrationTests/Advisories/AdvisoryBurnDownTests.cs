using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Features.Advisories;
using Portal.IntegrationTests.Escalations;
using Portal.IntegrationTests.Remediation;

namespace Portal.IntegrationTests.Advisories;

/// <summary>
/// The provider's burn-down of an advisory is recorded once a minute by the sampler and read from those points, not summed from
/// every sample of every linked incident on each refresh: before the first run the view sums them, the run records that same
/// history, and from then on the view is the same without them. Work done after a run is the chart's last point until the
/// next run records it, dated when it was done. Only the advisory's provider sees the points. On the clock the test moves, with
/// the recurring run switched off (the escalation tests' app), so nothing samples behind the test's back.
/// </summary>
public abstract class AdvisoryBurnDownTests(EscalationApp app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private Guid Sentinel => app.Demo.Org("Sentinel Shield Security").Id;

    private async Task<AdvisoryImpactDto> ImpactAsync(Guid advisoryId)
    {
        using var response = await (await app.ClientForAsync(DemoDirectory.Priya)).GetAsync($"/api/v1/advisories/{advisoryId}/impact", Ct);
        var json = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, json);
        return JsonSerializer.Deserialize<AdvisoryImpactDto>(json, Api.Json)!;
    }

    private async Task<int> SampleAsync()
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AdvisoryProgressSampler>().RunAsync(Ct);
    }

    private Task<List<(long At, int Total, int Completed, int Failed)>> RecordedAsync(Guid advisoryId) => app.QueryAsync(async db =>
        (await db.AdvisoryProgressSamples.Where(s => s.AdvisoryId == advisoryId).OrderBy(s => s.At).ToListAsync(Ct))
        .Select(s => (s.At.ToUnixTimeSeconds(), s.Total, s.Completed, s.Failed)).ToList());

    private static List<(long At, int Total, int Completed, int Failed)> Points(AdvisoryImpactDto impact) =>
        impact.BurnDown.Points.Select(p => (p.At, p.Total, p.Completed, p.Failed)).ToList();

    [Fact]
    public async Task The_sampler_records_the_history_the_view_summed_and_the_view_then_reads_only_the_recorded_points()
    {
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        var advisory = await priya.PublishAsync(Sentinel, $"Sensor burn-down {Guid.NewGuid():N}", [(await priya.ServiceAsync(AdvisoryApi.SensorService)).Id]);
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var ines = await app.ClientForAsync(DemoDirectory.Ines);
        var harbor = await maya.FanOutAsync(advisory.Id);
        app.Clock.Advance(TimeSpan.FromMinutes(2));
        var bluepeak = await ines.FanOutAsync(advisory.Id);
        var northwind = harbor.Tenants.Single(t => t.TenantId == app.Demo.TenantId(DemoDirectory.Northwind)).IncidentId!.Value;
        var woodgrove = bluepeak.Tenants.Single(t => t.TenantId == app.Demo.TenantId("Woodgrove Bank")).IncidentId!.Value;
        var northwindTasks = await maya.AllTasksAsync(northwind);
        var woodgroveTasks = await ines.AllTasksAsync(woodgrove);
        northwindTasks.Count.ShouldBeGreaterThanOrEqualTo(3);
        woodgroveTasks.Count.ShouldBeGreaterThanOrEqualTo(2);
        app.Clock.Advance(TimeSpan.FromMinutes(3));
        await maya.SetStateAsync(northwindTasks[0].Id, "Done");
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        await ines.SetStateAsync(woodgroveTasks[0].Id, "Failed", "The host does not boot into safe mode");

        // Before any run: the view sums the incidents' own samples, and ends where the counters stand.
        var summed = await ImpactAsync(advisory.Id);
        var history = Points(summed);
        history.Count.ShouldBe(4, "two fan-outs and two changes, each in a minute of its own");
        history[^1].ShouldBe((app.Clock.GetUtcNow().ToUnixTimeSeconds(), summed.Totals.DevicesTotal, 1, 1));
        history[^1].Total.ShouldBe(harbor.TasksCreated + bluepeak.TasksCreated);
        (await RecordedAsync(advisory.Id)).ShouldBeEmpty();

        // The first run records exactly that history; a second run with nothing moved records nothing.
        (await SampleAsync()).ShouldBe(history.Count);
        (await RecordedAsync(advisory.Id)).ShouldBe(history);
        (await SampleAsync()).ShouldBe(0);

        // From now on the view reads the recorded points: without the incidents' samples it draws the same chart.
        await app.QueryAsync(async db =>
        {
            var linked = await db.Incidents.Where(i => i.AdvisoryId == advisory.Id).Select(i => i.Id).ToListAsync(Ct);
            return await db.RemediationProgressSamples.Where(s => linked.Contains(s.IncidentId)).ExecuteDeleteAsync(Ct);
        });
        Points(await ImpactAsync(advisory.Id)).ShouldBe(history);

        // Work done after a run is the last point, dated when it was done, until a run records it; runs missed are caught up.
        app.Clock.Advance(TimeSpan.FromMinutes(2));
        await maya.BulkAsync(northwind, new { state = "Done", items = new[] { new { taskId = northwindTasks[1].Id }, new { taskId = northwindTasks[2].Id } } });
        var doneAt = app.Clock.GetUtcNow().ToUnixTimeSeconds();
        app.Clock.Advance(TimeSpan.FromMinutes(5));
        var live = await ImpactAsync(advisory.Id);
        Points(live).ShouldBe([.. history, (doneAt, history[^1].Total, 3, 1)]);
        live.Totals.DevicesCompleted.ShouldBe(3);
        (await SampleAsync()).ShouldBe(1);
        (await RecordedAsync(advisory.Id)).ShouldBe(Points(live));
        Points(await ImpactAsync(advisory.Id)).ShouldBe(Points(live));

        // Counters that moved longer ago than the look-back are not looked at again.
        app.Clock.Advance(AdvisoryProgressSampler.Lookback + TimeSpan.FromMinutes(1));
        (await SampleAsync()).ShouldBe(0);
    }

    /// <summary>An advisory never sampled is sampled however long ago its work moved (the sampler was stopped longer than the look-back).</summary>
    [Fact]
    public async Task An_advisory_never_sampled_gets_its_history_even_when_its_counters_moved_before_the_look_back()
    {
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        var advisory = await priya.PublishAsync(Sentinel, $"Sensor sampled late {Guid.NewGuid():N}", [(await priya.ServiceAsync(AdvisoryApi.SensorService)).Id]);
        var fanOut = await (await app.ClientForAsync(DemoDirectory.Maya)).FanOutAsync(advisory.Id);
        fanOut.TasksCreated.ShouldBeGreaterThan(0);
        app.Clock.Advance(AdvisoryProgressSampler.Lookback + TimeSpan.FromMinutes(5));
        (await RecordedAsync(advisory.Id)).ShouldBeEmpty();

        (await SampleAsync()).ShouldBeGreaterThan(0);

        var recorded = await RecordedAsync(advisory.Id);
        recorded.ShouldNotBeEmpty();
        recorded[^1].Total.ShouldBe(fanOut.TasksCreated);
        (await SampleAsync()).ShouldBe(0, "sampled once, it is looked at again only when its counters move");
    }

    /// <summary>
    /// The counts and the burn-down go around the tenant filters (AdvisoryBurnDown): they must take in exactly the advisory's
    /// linked incidents in tenants it targets, nothing of a tenant's other work nor of another advisory's incidents.
    /// </summary>
    [Fact]
    public async Task Only_the_advisorys_own_linked_incidents_are_counted_neither_a_tenants_other_work_nor_another_advisorys()
    {
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        var sensor = (await priya.ServiceAsync(AdvisoryApi.SensorService)).Id;
        var mine = await priya.PublishAsync(Sentinel, $"Sensor counted {Guid.NewGuid():N}", [sensor]);
        var other = await priya.PublishAsync(Sentinel, $"Sensor not counted {Guid.NewGuid():N}", [sensor]);
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var ines = await app.ClientForAsync(DemoDirectory.Ines);
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        var counted = await maya.FanOutAsync(mine.Id, new { tenantIds = new[] { northwind } });
        var elsewhere = await ines.FanOutAsync(other.Id); // Bluepeak's tenants, linked to the other advisory
        elsewhere.TasksCreated.ShouldBeGreaterThan(0);
        // Work of the same tenant that is not linked to any advisory.
        var (unlinked, created) = await maya.CreateIncidentAsync(northwind, $"Unlinked kiosk work {Guid.NewGuid():N}", "Sev3");
        created.Dispose();
        for (var n = 0; n < 3; n++) await maya.AddDeviceTaskAsync(northwind, unlinked.Id, $"kiosk-{Guid.NewGuid():N}"[..20]);
        app.Clock.Advance(TimeSpan.FromMinutes(1));

        var before = await ImpactAsync(mine.Id);
        (await SampleAsync()).ShouldBeGreaterThan(0);
        var after = await ImpactAsync(mine.Id);

        foreach (var impact in new[] { before, after })
        {
            impact.Totals.DevicesTotal.ShouldBe(counted.TasksCreated);
            impact.Totals.IncidentsOpen.ShouldBe(1);
            impact.BurnDown.Points.ShouldNotBeEmpty();
            impact.BurnDown.Points.ShouldAllBe(p => p.Total <= counted.TasksCreated);
            impact.BurnDown.Points[^1].Total.ShouldBe(counted.TasksCreated);
        }
        (await RecordedAsync(mine.Id)).ShouldAllBe(p => p.Total <= counted.TasksCreated);
        (await RecordedAsync(other.Id))[^1].Total.ShouldBe(elsewhere.TasksCreated);
    }

    [Fact]
    public async Task The_recorded_points_are_the_advisory_providers_alone()
    {
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        var advisory = await priya.PublishAsync(Sentinel, $"Sensor burn-down scope {Guid.NewGuid():N}", [(await priya.ServiceAsync(AdvisoryApi.SensorService)).Id]);
        await (await app.ClientForAsync(DemoDirectory.Maya)).FanOutAsync(advisory.Id);
        (await SampleAsync()).ShouldBeGreaterThan(0);

        // Sums over many MSPs' tenants: an MSP or a customer of a targeted tenant, or another provider, reads none of them.
        var nimbus = app.Demo.Org("Nimbus Cloud").Id;
        var northwind = app.Demo.TenantId(DemoDirectory.Northwind);
        foreach (var (who, grant) in new (string, Action<TenantScope>)[]
                 {
                     ("the provider", s => s.Grant([], [], [Sentinel])),
                     ("another provider", s => s.Grant([], [], [nimbus])),
                     ("Northwind's MSP", s => s.Grant([northwind], [])),
                     ("Northwind's customer", s => s.Grant([], [northwind])),
                 })
        {
            await using var scope = app.Services.CreateAsyncScope();
            grant(scope.ServiceProvider.GetRequiredService<TenantScope>());
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var seen = await db.AdvisoryProgressSamples.CountAsync(s => s.AdvisoryId == advisory.Id, Ct);
            if (who == "the provider") seen.ShouldBeGreaterThan(0, who);
            else seen.ShouldBe(0, who);
        }
    }
}

public sealed class AdvisoryBurnDownTestsOnSqlite(EscalationSqliteApp app) : AdvisoryBurnDownTests(app), IClassFixture<EscalationSqliteApp>;

public sealed class AdvisoryBurnDownTestsOnPostgreSql(EscalationPostgresApp app) : AdvisoryBurnDownTests(app), IClassFixture<EscalationPostgresApp>;
