using Microsoft.EntityFrameworkCore;
using Portal.IntegrationTests.Escalations;

namespace Portal.IntegrationTests.Remediation;

/// <summary>
/// A burn-down keeps one point per incident per minute, not one per change: changes within a minute move its point to where the
/// minute ended, the next minute adds a point, and the incident's first point stays where the work started. On the clock the
/// test moves (the escalation tests' app).
/// </summary>
public abstract class BurnDownPointTests(EscalationApp app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record PointDto(long At, int Total, int Completed, int Failed);
    private sealed record BurnDownDto(PointDto[] Points);

    [Fact]
    public async Task Changes_within_a_minute_move_its_point_the_next_minute_adds_one_and_the_first_point_stays()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(app.Demo.TenantId(DemoDirectory.Northwind), $"Burn-down points {Guid.NewGuid():N}", "Sev3");
        created.Dispose();
        // Five seconds into a fresh minute, so that every change below but the last falls in it.
        var intoMinute = app.Clock.GetUtcNow().UtcTicks % TimeSpan.TicksPerMinute;
        app.Clock.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerMinute - intoMinute) + TimeSpan.FromSeconds(5));
        var start = app.Clock.GetUtcNow();

        List<TaskDto> tasks = [];
        for (var n = 0; n < 3; n++)
        {
            tasks.Add(await maya.AddDeviceTaskAsync(incident.TenantId, incident.Id, $"burn-{Guid.NewGuid():N}"[..20]));
            app.Clock.Advance(TimeSpan.FromSeconds(1));
        }
        await maya.SetStateAsync(tasks[0].Id, "Done");
        app.Clock.Advance(TimeSpan.FromSeconds(1));
        await maya.SetStateAsync(tasks[1].Id, "Done");
        var minuteEnded = app.Clock.GetUtcNow();

        var points = await PointsAsync(maya, incident.Id);
        points.Length.ShouldBe(2, "the first point, and the minute's: five changes, two points");
        points[0].ShouldBe(new PointDto(start.ToUnixTimeSeconds(), 1, 0, 0));
        points[1].ShouldBe(new PointDto(minuteEnded.ToUnixTimeSeconds(), 3, 2, 0));

        // The next minute: a point of its own; the minute before keeps where it ended.
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        await maya.BulkAsync(incident.Id, new { state = "Done", items = new[] { new { taskId = tasks[2].Id } } });
        points = await PointsAsync(maya, incident.Id);
        points.Select(p => (p.Total, p.Completed)).ShouldBe([(1, 0), (3, 2), (3, 3)]);
        points[2].At.ShouldBe(app.Clock.GetUtcNow().ToUnixTimeSeconds());
        (await app.QueryAsync(db => db.RemediationProgressSamples.CountAsync(s => s.IncidentId == incident.Id, Ct))).ShouldBe(3);
    }

    private sealed record RestoredPointDto(int Total, int Completed, int NotApplicable, int Done, int Remaining);
    private sealed record RestoredBurnDownDto(RestoredPointDto[] Points);

    [Fact]
    public async Task A_device_found_not_applicable_is_finished_but_not_restored_in_a_moved_point_and_a_new_one()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(app.Demo.TenantId(DemoDirectory.Northwind), $"Burn-down not applicable {Guid.NewGuid():N}", "Sev3");
        created.Dispose();
        var intoMinute = app.Clock.GetUtcNow().UtcTicks % TimeSpan.TicksPerMinute;
        app.Clock.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerMinute - intoMinute) + TimeSpan.FromSeconds(5));
        List<TaskDto> tasks = [];
        for (var n = 0; n < 3; n++) tasks.Add(await maya.AddDeviceTaskAsync(incident.TenantId, incident.Id, $"na-{Guid.NewGuid():N}"[..20]));
        app.Clock.Advance(TimeSpan.FromSeconds(1)); // the chart keeps one point per second: the first point stays apart
        await maya.SetStateAsync(tasks[0].Id, "NotApplicable");
        await maya.SetStateAsync(tasks[1].Id, "Done"); // the same minute: moves its point

        app.Clock.Advance(TimeSpan.FromMinutes(1));
        await maya.BulkAsync(incident.Id, new { state = "NotApplicable", items = new[] { new { taskId = tasks[2].Id } } }); // a new point

        using var response = await maya.GetAsync($"/api/v1/incidents/{incident.Id}/burn-down", Ct);
        var points = (await response.ReadAsync<RestoredBurnDownDto>()).Points;
        points.Skip(1).ShouldBe(
        [
            new RestoredPointDto(Total: 3, Completed: 2, NotApplicable: 1, Done: 1, Remaining: 1),
            new RestoredPointDto(Total: 3, Completed: 3, NotApplicable: 2, Done: 1, Remaining: 0),
        ]);
        (await maya.IncidentProgressAsync(incident.Id)).Counts.Done.ShouldBe(points[^1].Done, "the chart's last point says what the counts say");
    }

    private static async Task<PointDto[]> PointsAsync(HttpClient client, Guid incidentId)
    {
        using var response = await client.GetAsync($"/api/v1/incidents/{incidentId}/burn-down", Ct);
        return (await response.ReadAsync<BurnDownDto>()).Points;
    }
}

public sealed class BurnDownPointTestsOnSqlite(EscalationSqliteApp app) : BurnDownPointTests(app), IClassFixture<EscalationSqliteApp>;

public sealed class BurnDownPointTestsOnPostgreSql(EscalationPostgresApp app) : BurnDownPointTests(app), IClassFixture<EscalationPostgresApp>;
