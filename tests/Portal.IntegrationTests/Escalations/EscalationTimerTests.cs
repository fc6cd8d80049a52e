using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Portal.Domain;
using Portal.Features.Escalations;

namespace Portal.IntegrationTests.Escalations;

/// <summary>
/// Issue 12's timer contract, on the clock the test moves: an unacknowledged incident escalates at its due time, once, as an
/// internal entry; an acknowledged one does not; a severity change moves the due time; the delayed job and the sweep racing
/// record one escalation (the unique index holds even against a direct duplicate).
/// </summary>
public abstract class EscalationTimerTests(EscalationApp app)
{
    /// <summary>Equal to the millisecond: the 201 body carries the clock's ticks, a read what the database kept.</summary>
    private static void Near(DateTimeOffset? actual, DateTimeOffset expected) =>
        (actual.ShouldNotBeNull() - expected).Duration().ShouldBeLessThan(TimeSpan.FromMilliseconds(1));

    private Guid Northwind => app.Demo.TenantId(DemoDirectory.Northwind);

    private Task<List<Escalation>> EscalationsOfAsync(Guid incidentId) =>
        app.QueryAsync(db => db.Escalations.AsNoTracking().Where(e => e.IncidentId == incidentId).OrderBy(e => e.Kind).ThenBy(e => e.Level).ToListAsync());

    /// <summary>Harbor's rotation: Maya on call now (set once per app through the API, as its lead would).</summary>
    private Task<string> RotationAsync() => app.OnceAsync("rotation", async () =>
    {
        var liam = await app.ClientForAsync(DemoDirectory.Liam);
        var maya = app.Demo.User(DemoDirectory.Maya).Id;
        var now = app.Clock.GetUtcNow();
        using var response = await liam.SendRawAsync(HttpMethod.Put, $"/api/v1/msps/{app.HarborId}/on-call/rotation", System.Text.Json.JsonSerializer.Serialize(new
        {
            timeZone = "Europe/Berlin", handoffDay = now.DayOfWeek.ToString(), handoffTime = "00:00:00",
            startsOn = DateOnly.FromDateTime(now.UtcDateTime).ToString("yyyy-MM-dd"), engineers = new[] { maya },
        }));
        return await response.Content.ReadAsStringAsync() is var text && response.StatusCode == HttpStatusCode.OK ? text : throw new InvalidOperationException(text);
    });

    [Fact]
    public async Task An_unacknowledged_Sev1_escalates_at_its_due_time_once_to_the_on_call_engineer_and_never_to_the_customer()
    {
        await RotationAsync();
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(Northwind, "Nobody picks up", "Sev1");
        var answered = await created.ReadAsync<IncidentWithClockDto>(HttpStatusCode.Created);

        var clock = (await maya.GetWithClockAsync(incident.Id)).Escalation.ShouldNotBeNull();
        var inAnswer = answered.Escalation.ShouldNotBeNull("the create answer carries the clock a read right after shows");
        Near(inAnswer.AcknowledgeDueAt, clock.AcknowledgeDueAt!.Value);
        Near(inAnswer.ResolveDueAt, clock.ResolveDueAt!.Value);
        Near(inAnswer.NextEscalationAt, clock.NextEscalationAt!.Value);
        Near(clock.AcknowledgeDueAt, incident.CreatedAt.AddMinutes(15));
        Near(clock.ResolveDueAt, incident.CreatedAt.AddMinutes(240));
        Near(clock.NextEscalationAt, clock.AcknowledgeDueAt!.Value);
        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        (await olivia.GetWithClockAsync(incident.Id)).Escalation.ShouldBeNull("the escalation clock is MSP-internal");

        app.Clock.Advance(TimeSpan.FromMinutes(14));
        await app.RunJobAsync(incident.Id, incident.TenantId);
        await app.SweepAsync();
        (await EscalationsOfAsync(incident.Id)).ShouldBeEmpty("not due yet");

        app.Clock.Advance(TimeSpan.FromMinutes(1));
        await app.RunJobAsync(incident.Id, incident.TenantId);
        await app.RunJobAsync(incident.Id, incident.TenantId);
        await app.SweepAsync();
        var fired = (await EscalationsOfAsync(incident.Id)).ShouldHaveSingleItem();
        (fired.Kind, fired.Level, fired.TenantId, fired.MspId).ShouldBe((EscalationKind.Acknowledge, 1, Northwind, app.HarborId));
        fired.OnCallUserId.ShouldBe(app.Demo.User(DemoDirectory.Maya).Id);
        fired.UserIds.ShouldBe([app.Demo.User(DemoDirectory.Maya).Id]);

        var mspTimeline = await maya.TimelineAsync(incident.Id);
        var entry = mspTimeline.Single(t => t.Kind == "Escalation");
        entry.Visibility.ShouldBe("Internal");
        entry.Text.ShouldContain("Escalation level 1");
        entry.Text.ShouldContain("(on call)");
        (await olivia.TimelineAsync(incident.Id)).ShouldNotContain(t => t.Kind == "Escalation");

        var after = (await maya.GetWithClockAsync(incident.Id)).Escalation!;
        after.AcknowledgeLevelsFired.ShouldBe(1);
        Near(after.NextEscalationAt, incident.CreatedAt.AddMinutes(30)); // level 2: the leads, 15 minutes later

        app.Clock.Advance(TimeSpan.FromMinutes(15));
        await app.SweepAsync();
        var both = await EscalationsOfAsync(incident.Id);
        both.Select(e => (e.Kind, e.Level)).ShouldBe([(EscalationKind.Acknowledge, 1), (EscalationKind.Acknowledge, 2)]);
        both[1].Roles.ShouldBe([Role.MspLead]);
    }

    [Fact]
    public async Task An_acknowledged_incident_does_not_escalate_for_acknowledgement()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(Northwind, "Picked up in time", "Sev1");
        created.Dispose();
        app.Clock.Advance(TimeSpan.FromMinutes(5));
        using (var ack = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/acknowledge", null)) ack.StatusCode.ShouldBe(HttpStatusCode.OK);
        Near((await maya.GetWithClockAsync(incident.Id)).Escalation!.NextEscalationAt, incident.CreatedAt.AddMinutes(240));

        app.Clock.Advance(TimeSpan.FromMinutes(30));
        await app.RunJobAsync(incident.Id, incident.TenantId);
        await app.SweepAsync();
        (await EscalationsOfAsync(incident.Id)).ShouldBeEmpty();

        // Resolved before its resolution target: nothing is ever left to escalate.
        using (var resolve = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/status", new { status = "Resolved" })) resolve.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await maya.GetWithClockAsync(incident.Id)).Escalation!.NextEscalationAt.ShouldBeNull();
        app.Clock.Advance(TimeSpan.FromHours(5));
        await app.RunJobAsync(incident.Id, incident.TenantId);
        await app.SweepAsync();
        (await EscalationsOfAsync(incident.Id)).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_severity_change_moves_the_due_time_and_the_old_timer_does_nothing_early()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(Northwind, "Worse than it looked", "Sev3");
        created.Dispose();
        Near((await maya.GetWithClockAsync(incident.Id)).Escalation!.NextEscalationAt, incident.CreatedAt.AddMinutes(240));

        app.Clock.Advance(TimeSpan.FromMinutes(2));
        using (var change = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/severity", new { severity = "Sev1" })) change.StatusCode.ShouldBe(HttpStatusCode.OK);
        var clock = (await maya.GetWithClockAsync(incident.Id)).Escalation!;
        Near(clock.AcknowledgeDueAt, incident.CreatedAt.AddMinutes(15));

        app.Clock.Advance(TimeSpan.FromMinutes(12)); // 14 minutes after opening
        await app.RunJobAsync(incident.Id, incident.TenantId);
        (await EscalationsOfAsync(incident.Id)).ShouldBeEmpty();
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        await app.RunJobAsync(incident.Id, incident.TenantId);
        var fired = (await EscalationsOfAsync(incident.Id)).ShouldHaveSingleItem();
        fired.Severity.ShouldBe(Severity.Sev1);

        using var refused = await maya.PostJsonAsync($"/api/v1/incidents/{incident.Id}/severity", new { severity = "Sev9" });
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var olivia = await app.ClientForAsync(DemoDirectory.Olivia);
        using var customer = await olivia.PostJsonAsync($"/api/v1/incidents/{incident.Id}/severity", new { severity = "Sev4" });
        customer.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_delayed_job_and_the_sweep_racing_record_one_escalation()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var incidents = new List<(Guid Id, Guid TenantId)>();
        for (var i = 0; i < 3; i++)
        {
            var (incident, created) = await maya.CreateIncidentAsync(Northwind, $"Race {i}", "Sev1");
            created.Dispose();
            incidents.Add((incident.Id, incident.TenantId));
        }
        app.Clock.Advance(TimeSpan.FromMinutes(16));
        var runners = incidents.SelectMany(i => new[] { app.RunJobAsync(i.Id, i.TenantId), app.RunJobAsync(i.Id, i.TenantId) }).Append(app.SweepAsync()).Append(app.SweepAsync());
        await Task.WhenAll(runners);
        foreach (var incident in incidents)
        {
            (await EscalationsOfAsync(incident.Id)).ShouldHaveSingleItem().Level.ShouldBe(1);
            (await maya.TimelineAsync(incident.Id)).Count(t => t.Kind == "Escalation").ShouldBe(1);
        }

        // The index itself: a second row for the same incident, kind and level is refused by the database.
        await Should.ThrowAsync<DbUpdateException>(() => app.QueryAsync(async db =>
        {
            var stored = await db.Incidents.SingleAsync(i => i.Id == incidents[0].Id);
            db.Escalations.Add(new Escalation(stored, app.HarborId, EscalationPolicy.DefaultLevels[0], app.Clock.GetUtcNow(), [], null, app.Clock.GetUtcNow()));
            return await db.SaveChangesAsync();
        }));
    }

    [Fact]
    public async Task A_job_run_early_tries_again_at_the_due_time_even_when_that_passed_while_it_ran()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(Northwind, "Early job", "Sev1");
        created.Dispose();
        app.Clock.Advance(TimeSpan.FromMinutes(15) - TimeSpan.FromMilliseconds(500)); // Hangfire ran the delayed job half a second early

        foreach (var (jobClockAhead, expected) in new[] { (TimeSpan.Zero, TimeSpan.FromMilliseconds(500)), (TimeSpan.FromSeconds(2), TimeSpan.Zero) })
        {
            // The job reads its clock after the escalator did; by then the due time may have passed (the second case).
            var jobs = new RecordingJobClient();
            await using var scope = app.Services.CreateAsyncScope();
            var job = new EscalationJob(scope.ServiceProvider.GetRequiredService<IncidentEscalator>(), jobs, new FakeTimeProvider(app.Clock.GetUtcNow() + jobClockAhead));
            var before = DateTime.UtcNow;
            await job.RunAsync(incident.Id, incident.TenantId, CancellationToken.None);
            var after = DateTime.UtcNow;

            (await EscalationsOfAsync(incident.Id)).ShouldBeEmpty("not due on the escalator's clock");
            var (scheduled, state) = jobs.Created.ShouldHaveSingleItem();
            scheduled.Args[0].ShouldBe(incident.Id);
            var enqueueAt = state.ShouldBeOfType<ScheduledState>().EnqueueAt; // Hangfire's state holds a wall-clock instant
            enqueueAt.ShouldBeGreaterThanOrEqualTo(before + expected);
            enqueueAt.ShouldBeLessThanOrEqualTo(after + expected);
        }
    }

    /// <summary>
    /// The lead moves the first acknowledgement level to ten minutes after the breach while a Sev1 waits: its old timer fires
    /// nothing, moves the next level to the new time and sets the timer for it (before, nothing did, and the level waited for the
    /// minute's sweep). The target stays the one the incident was opened under.
    /// </summary>
    [Fact]
    public async Task A_timer_that_finds_the_levels_moved_sets_the_timer_for_the_new_time()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(Northwind, "Levels moved under it", "Sev1");
        created.Dispose();
        var liam = await app.ClientForAsync(DemoDirectory.Liam);
        try
        {
            using (var changed = await liam.SendRawAsync(HttpMethod.Put, $"/api/v1/msps/{app.HarborId}/escalation-policy", System.Text.Json.JsonSerializer.Serialize(new
            {
                targets = new[] { ("Sev1", 30, 240), ("Sev2", 30, 480), ("Sev3", 240, 4320), ("Sev4", 1440, 10080) }
                    .Select(t => new { severity = t.Item1, acknowledgeMinutes = t.Item2, resolveMinutes = t.Item3 }),
                levels = new object[] { new { kind = "Acknowledge", afterMinutes = 10, roles = Leads }, new { kind = "Resolve", afterMinutes = 0, roles = Leads } },
            })))
            {
                changed.StatusCode.ShouldBe(HttpStatusCode.OK, await changed.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            }
            app.Clock.Advance(TimeSpan.FromMinutes(15)); // the old level's time

            var jobs = new RecordingJobClient();
            await using var scope = app.Services.CreateAsyncScope();
            var before = DateTime.UtcNow;
            await new EscalationJob(scope.ServiceProvider.GetRequiredService<IncidentEscalator>(), jobs, app.Clock).RunAsync(incident.Id, incident.TenantId, CancellationToken.None);
            var after = DateTime.UtcNow;

            (await EscalationsOfAsync(incident.Id)).ShouldBeEmpty("the level now fires ten minutes after the breach");
            var clock = (await maya.GetWithClockAsync(incident.Id)).Escalation!;
            Near(clock.AcknowledgeDueAt, incident.CreatedAt.AddMinutes(15)); // the target it was opened under, not the new 30
            Near(clock.NextEscalationAt, incident.CreatedAt.AddMinutes(25));
            var (scheduled, state) = jobs.Created.ShouldHaveSingleItem("a timer for the new time");
            scheduled.Args[0].ShouldBe(incident.Id);
            var enqueueAt = state.ShouldBeOfType<ScheduledState>().EnqueueAt;
            enqueueAt.ShouldBeGreaterThanOrEqualTo(before + TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
            enqueueAt.ShouldBeLessThanOrEqualTo(after + TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));

            app.Clock.Advance(TimeSpan.FromMinutes(10));
            await app.RunJobAsync(incident.Id, incident.TenantId);
            (await maya.TimelineAsync(incident.Id)).Single(t => t.Kind == "Escalation").Text
                .ShouldStartWith("Escalation level 1: Sev1 not acknowledged within 15 min", Case.Sensitive, "the target the incident is held to");
        }
        finally
        {
            await app.QueryAsync(db => db.EscalationPolicies.Where(p => p.MspId == app.HarborId).ExecuteDeleteAsync()); // the default again
        }
    }

    private static readonly string[] Leads = ["MspLead"];

    /// <summary>What the job asked Hangfire for, instead of asking it.</summary>
    private sealed class RecordingJobClient : IBackgroundJobClient
    {
        public List<(Job Job, IState State)> Created { get; } = [];
        public string Create(Job job, IState state) { Created.Add((job, state)); return Created.Count.ToString(); }
        public bool ChangeState(string jobId, IState state, string expectedState) => true;
    }

    [Fact]
    public async Task A_job_for_one_tenant_does_not_touch_another_tenants_incident()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var (incident, created) = await maya.CreateIncidentAsync(Northwind, "Scoped job", "Sev1");
        created.Dispose();
        app.Clock.Advance(TimeSpan.FromMinutes(16));
        var otherTenant = app.Demo.TenantId(DemoDirectory.Woodgrove);
        await app.RunJobAsync(incident.Id, otherTenant); // a job naming the wrong tenant finds nothing
        (await EscalationsOfAsync(incident.Id)).ShouldBeEmpty();
        await app.RunJobAsync(incident.Id, incident.TenantId);
        (await EscalationsOfAsync(incident.Id)).ShouldHaveSingleItem();
    }
}

public sealed class EscalationTimerTestsOnSqlite(EscalationSqliteApp app) : EscalationTimerTests(app), IClassFixture<EscalationSqliteApp>;

public sealed class EscalationTimerTestsOnPostgreSql(EscalationPostgresApp app) : EscalationTimerTests(app), IClassFixture<EscalationPostgresApp>;
