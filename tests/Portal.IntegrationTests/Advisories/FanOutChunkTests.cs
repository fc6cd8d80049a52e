using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Portal.IntegrationTests.Advisories;

/// <summary>Portal whose fan-outs create their tasks three devices per transaction: the demo tenants' devices span several chunks.</summary>
public static class SmallChunks
{
    public const int ChunkSize = 3;
}

public sealed class SmallChunksSqliteApp() : PortalApp(DbProvider.Sqlite, null)
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Advisories:FanOutChunkSize", SmallChunks.ChunkSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}

public sealed class SmallChunksPostgresApp(PostgresServer postgres) : PortalApp(DbProvider.PostgreSql, postgres)
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Advisories:FanOutChunkSize", SmallChunks.ChunkSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}

/// <summary>
/// A fan-out creates its tasks a chunk per transaction (Advisories:FanOutChunkSize), each chunk moving its plan on: other
/// writers take turns with it (one transaction for 1.1 million devices held SQLite's only writer for 19.6 s, and every note
/// waited), and a fan-out stopped between two chunks is finished from where it stopped, each device's task once.
/// </summary>
public abstract class FanOutChunkTests(PortalApp app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private Guid Northwind => app.Demo.TenantId(DemoDirectory.Northwind);

    private async Task<AdvisoryDto> SensorAdvisoryAsync(string title)
    {
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        return await priya.PublishAsync(app.Demo.Org("Sentinel Shield Security").Id, title, [(await priya.ServiceAsync(AdvisoryApi.SensorService)).Id]);
    }

    [Fact]
    public async Task A_fan_out_larger_than_a_chunk_commits_chunk_by_chunk_and_creates_each_task_once()
    {
        var advisory = await SensorAdvisoryAsync("Sensor 7.12 boot loop (chunks)");
        var maya = await app.ClientForAsync(DemoDirectory.Maya);

        var result = await maya.FanOutAsync(advisory.Id, new { tenantIds = new[] { Northwind } });

        var expected = await app.MatchingDevicesAsync(Northwind);
        expected.ShouldBeGreaterThan(2 * SmallChunks.ChunkSize, "the demo tenant's devices span several chunks");
        result.Tenants.ShouldHaveSingleItem().Tasks.ShouldBe(expected);
        var state = await app.LinkedStateAsync(advisory.Id, Northwind);
        state.Tasks.Count.ShouldBe(expected);
        state.Tasks.Select(t => t.DeviceId).Distinct().Count().ShouldBe(expected);
        state.Progress.ShouldHaveSingleItem().Pending.ShouldBe(expected);
        state.Samples.ShouldBe((expected + SmallChunks.ChunkSize - 1) / SmallChunks.ChunkSize, "one burn-down point per chunk: a transaction each");
        (await app.QueryAsync(db => db.FanOutTaskPlans.CountAsync(p => p.AdvisoryId == advisory.Id, Ct))).ShouldBe(0);
    }

    [Fact]
    public async Task A_fan_out_stopped_between_two_chunks_is_finished_by_the_sweep_from_where_it_stopped()
    {
        var advisory = await SensorAdvisoryAsync("Sensor 7.12 boot loop (stopped mid-way)");
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var incidentId = (await maya.FanOutAsync(advisory.Id, new { tenantIds = new[] { Northwind } })).Tenants.Single().IncidentId!.Value;
        var expected = await app.MatchingDevicesAsync(Northwind);

        // What a process stopped after its second chunk leaves: two chunks of tasks, the plan at the last device of the second.
        const int Done = 2 * SmallChunks.ChunkSize;
        await app.QueryAsync(async db =>
        {
            var kept = (await db.RemediationTasks.Where(t => t.IncidentId == incidentId).Select(t => new { t.Id, t.DeviceId }).ToListAsync(Ct))
                .OrderBy(t => t.Id.ToString("N"), StringComparer.Ordinal).Take(Done).ToList(); // created in device order (time-ordered ids)
            var keptIds = kept.Select(t => t.Id).ToList();
            await db.RemediationTaskChanges.Where(c => c.IncidentId == incidentId).ExecuteDeleteAsync(Ct);
            await db.RemediationTasks.Where(t => t.IncidentId == incidentId && !keptIds.Contains(t.Id)).ExecuteDeleteAsync(Ct);
            await db.RemediationProgress.Where(p => p.IncidentId == incidentId).ExecuteUpdateAsync(s => s.SetProperty(p => p.Pending, Done), Ct);
            var plan = new Portal.Domain.FanOutTaskPlan(incidentId, Northwind, advisory.Id, null, null, null, DateTimeOffset.UtcNow - TimeSpan.FromMinutes(3));
            plan.ChunkDone(kept[^1].DeviceId!.Value, DateTimeOffset.UtcNow - TimeSpan.FromMinutes(2));
            db.FanOutTaskPlans.Add(plan);
            return await db.SaveChangesAsync(Ct);
        });

        await using (var scope = app.Services.CreateAsyncScope())
            (await scope.ServiceProvider.GetRequiredService<Portal.Features.Advisories.FanOutTaskSweep>().RunAsync(Ct)).ShouldBe(1);

        var state = await app.LinkedStateAsync(advisory.Id, Northwind);
        state.Tasks.Count.ShouldBe(expected, "the devices after the plan's position got theirs; those before kept theirs");
        state.Tasks.Select(t => t.DeviceId).Distinct().Count().ShouldBe(expected);
        state.Progress.ShouldHaveSingleItem().Pending.ShouldBe(expected);
        (await app.QueryAsync(db => db.FanOutTaskPlans.CountAsync(p => p.AdvisoryId == advisory.Id, Ct))).ShouldBe(0);
    }
}

public sealed class FanOutChunkTestsOnSqlite(SmallChunksSqliteApp app) : FanOutChunkTests(app), IClassFixture<SmallChunksSqliteApp>;

public sealed class FanOutChunkTestsOnPostgreSql(SmallChunksPostgresApp app) : FanOutChunkTests(app), IClassFixture<SmallChunksPostgresApp>;

/// <summary>Portal whose fan-outs answer after their first chunk (Advisories:FanOutAnswerWithin = 0) of three devices.</summary>
public sealed class QuickAnswerSqliteApp() : PortalApp(DbProvider.Sqlite, null)
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Advisories:FanOutChunkSize", SmallChunks.ChunkSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Advisories:FanOutAnswerWithin", "00:00:00");
    }
}

/// <summary>
/// A fan-out too large to finish within Advisories:FanOutAnswerWithin answers with what exists so far and says the rest is
/// coming; a background job then creates the rest, each device's task once, and the engineer's page says the same.
/// </summary>
public sealed class FanOutAnswerTests(QuickAnswerSqliteApp app) : IClassFixture<QuickAnswerSqliteApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private Guid Northwind => app.Demo.TenantId(DemoDirectory.Northwind);

    [Fact]
    public async Task A_fan_out_answers_with_its_first_chunk_and_the_rest_of_its_tasks_follow_in_the_background()
    {
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        var advisory = await priya.PublishAsync(app.Demo.Org("Sentinel Shield Security").Id, "Sensor 7.12 boot loop (answered early)",
            [(await priya.ServiceAsync(AdvisoryApi.SensorService)).Id]);
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var expected = await app.MatchingDevicesAsync(Northwind);
        expected.ShouldBeGreaterThan(2 * SmallChunks.ChunkSize);

        var result = await maya.FanOutAsync(advisory.Id, new { tenantIds = new[] { Northwind } });

        result.StillCreatingTasks.ShouldBeTrue();
        result.IncidentsOpened.ShouldBe(1);
        result.TasksCreated.ShouldBe(SmallChunks.ChunkSize, "the answer came after the first chunk");
        var state = await WaitForTasksAsync(advisory.Id, expected);
        state.Tasks.Select(t => t.DeviceId).Distinct().Count().ShouldBe(expected);
        state.Progress.ShouldHaveSingleItem().Pending.ShouldBe(expected);
        (await app.QueryAsync(db => db.FanOutTaskPlans.CountAsync(p => p.AdvisoryId == advisory.Id, Ct))).ShouldBe(0);
    }

    [Fact]
    public async Task The_advisory_page_says_the_tasks_are_still_being_created()
    {
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        var advisory = await priya.PublishAsync(app.Demo.Org("Sentinel Shield Security").Id, "Sensor 7.12 boot loop (page answered early)",
            [(await priya.ServiceAsync(AdvisoryApi.SensorService)).Id]);
        var maya = await app.PageClientForAsync(DemoDirectory.Maya);
        var page = await maya.GetStringAsync($"/advisories/{advisory.Id}", Ct);
        var token = System.Text.RegularExpressions.Regex.Match(page, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        using var form = new FormUrlEncodedContent([new("__RequestVerificationToken", token), new("FanOutTenants", Northwind.ToString())]);
        using var posted = await maya.PostAsync($"/advisories/{advisory.Id}?handler=FanOut", form, Ct);
        posted.StatusCode.ShouldBe(HttpStatusCode.Redirect);

        var after = await maya.GetStringAsync(posted.Headers.Location!.OriginalString, Ct);
        after.ShouldContain("tasks so far; the rest are being created in the background");
        await WaitForTasksAsync(advisory.Id, await app.MatchingDevicesAsync(Northwind));
    }

    private async Task<LinkedState> WaitForTasksAsync(Guid advisoryId, int expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var state = await app.LinkedStateAsync(advisoryId, Northwind);
            if (state.Tasks.Count >= expected && !await app.QueryAsync(db => db.FanOutTaskPlans.AnyAsync(p => p.AdvisoryId == advisoryId, Ct)))
            {
                state.Tasks.Count.ShouldBe(expected);
                return state;
            }
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"the background job made {state.Tasks.Count} of {expected} tasks in 30 s");
            await Task.Delay(200, Ct);
        }
    }
}
