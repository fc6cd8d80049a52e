using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Portal.IntegrationTests.Advisories;

/// <summary>Fan-out: one linked incident per managed target and a task per matching device, once; preview; refusals; both databases.</summary>
public abstract class FanOutAdvisoryTests(PortalApp app)
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;
    protected Guid Sentinel => app.Demo.Org("Sentinel Shield Security").Id;
    protected Guid Nimbus => app.Demo.Org("Nimbus Cloud").Id;
    protected Guid Northwind => app.Demo.TenantId(DemoDirectory.Northwind);
    protected Guid Fabrikam => app.Demo.TenantId("Fabrikam Health");
    protected Guid Tailspin => app.Demo.TenantId("Tailspin Logistics");
    protected Guid Woodgrove => app.Demo.TenantId(DemoDirectory.Woodgrove);
    protected Guid[] Harbors => [Northwind, Fabrikam, Tailspin];

    protected async Task<AdvisoryDto> SensorAdvisoryAsync(string title)
    {
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        return await priya.PublishAsync(Sentinel, title, [(await priya.ServiceAsync(AdvisoryApi.SensorService)).Id]);
    }

    [Fact]
    public async Task The_preview_counts_what_the_fan_out_then_creates_in_every_managed_target_and_nothing_else()
    {
        var advisory = await SensorAdvisoryAsync("Sensor 7.11 boot loop (fan-out)");
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var filter = new { os = "windows 11", site = "hq" };

        var preview = await maya.FanOutAsync(advisory.Id, new { deviceFilter = filter }, preview: true);
        preview.Preview.ShouldBeTrue();
        preview.Tenants.Select(t => t.TenantId).ShouldBe(Harbors, ignoreOrder: true); // Bluepeak's targets are not Maya's
        foreach (var tenant in preview.Tenants) tenant.Tasks.ShouldBe(await app.MatchingDevicesAsync(tenant.TenantId, os: "windows 11", site: "hq"), tenant.TenantName);
        preview.IncidentsOpened.ShouldBe(3);
        preview.TasksCreated.ShouldBe(preview.Tenants.Sum(t => t.Tasks));
        preview.TasksCreated.ShouldBeGreaterThan(0);
        (await app.LinkedStateAsync(advisory.Id, Northwind)).Incidents.ShouldBeEmpty("a preview writes nothing");

        var result = await maya.FanOutAsync(advisory.Id, new { deviceFilter = filter });

        result.Preview.ShouldBeFalse();
        result.IncidentsOpened.ShouldBe(3);
        result.TasksCreated.ShouldBe(preview.TasksCreated);
        foreach (var tenant in result.Tenants)
        {
            tenant.Outcome.ShouldBe("Opened");
            var state = await app.LinkedStateAsync(advisory.Id, tenant.TenantId);
            var incident = state.Incidents.ShouldHaveSingleItem();
            incident.Id.ShouldBe(tenant.IncidentId!.Value);
            incident.Reference.ShouldBe(tenant.IncidentReference);
            incident.Severity.ShouldBe(Portal.Domain.Severity.Sev1);
            incident.Title.ShouldContain(advisory.Title);
            incident.CustomerSummary.ShouldBe(advisory.Impact);
            state.Tasks.Count.ShouldBe(tenant.Tasks);
            state.Tasks.ShouldAllBe(t => t.State == Portal.Domain.RemediationState.Pending && t.TenantId == tenant.TenantId && t.DeviceId != null);
            state.Tasks.Select(t => t.DeviceId).Distinct().Count().ShouldBe(tenant.Tasks);
            state.Tasks.ShouldAllBe(t => t.Id.Version == 7);
            state.Progress.ShouldHaveSingleItem().Pending.ShouldBe(tenant.Tasks);
            state.Samples.ShouldBe(1);
            state.Target!.AcknowledgedAt.ShouldNotBeNull("the fan-out acknowledges what it covers");
            state.Target.AcknowledgedByName.ShouldBe(app.Demo.User(DemoDirectory.Maya).Name);
        }
        var bluepeak = await app.LinkedStateAsync(advisory.Id, Woodgrove);
        bluepeak.Incidents.ShouldBeEmpty();
        bluepeak.Target!.AcknowledgedAt.ShouldBeNull();

        // The three incidents opened together fall due together: one escalation timer carries them, not one each.
        var opened = result.Tenants.Select(t => t.IncidentId!.Value).ToHashSet();
        var timers = app.Services.GetRequiredService<Hangfire.JobStorage>().GetMonitoringApi().ScheduledJobs(0, 1000)
            .Select(j => j.Value.Job).Where(j => j?.Type == typeof(Portal.Features.Escalations.EscalationJob)
                && (j.Args[0] is Guid[] ids ? ids.Any(opened.Contains) : j.Args[0] is Guid id && opened.Contains(id)))
            .ToList();
        var timer = timers.ShouldHaveSingleItem();
        timer.Method.Name.ShouldBe(nameof(Portal.Features.Escalations.EscalationJob.RunManyAsync));
        ((Guid[])timer.Args[0]).ShouldBe(opened, ignoreOrder: true);

        // The linked incident is an ordinary incident of its tenant: the MSP reads it and its tasks through the API.
        using var tasks = await maya.GetAsync($"/api/v1/incidents/{result.Tenants[0].IncidentId}/tasks", Ct);
        tasks.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_second_run_opens_nothing_and_says_so_per_tenant()
    {
        var advisory = await SensorAdvisoryAsync("Sensor 7.11 boot loop (twice)");
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var first = await maya.FanOutAsync(advisory.Id, new { tenantIds = new[] { Northwind } });
        first.Tenants.ShouldHaveSingleItem().Outcome.ShouldBe("Opened");
        first.TasksCreated.ShouldBe(await app.MatchingDevicesAsync(Northwind));
        var countersAfterFirst = await app.TenantCountersAsync(Northwind);

        var second = await maya.FanOutAsync(advisory.Id);

        second.IncidentsOpened.ShouldBe(2);
        second.AlreadyLinked.ShouldBe(1);
        var northwind = second.Tenants.Single(t => t.TenantId == Northwind);
        northwind.Outcome.ShouldBe("AlreadyLinked");
        northwind.IncidentId.ShouldBe(first.Tenants[0].IncidentId);
        northwind.Tasks.ShouldBe(0);
        (await app.TenantCountersAsync(Northwind)).ShouldBe(countersAfterFirst, "no number is used for a tenant that gets nothing");

        var third = await maya.FanOutAsync(advisory.Id);
        third.IncidentsOpened.ShouldBe(0);
        third.TasksCreated.ShouldBe(0);
        third.Tenants.ShouldAllBe(t => t.Outcome == "AlreadyLinked");
        foreach (var tenant in Harbors)
        {
            var state = await app.LinkedStateAsync(advisory.Id, tenant);
            state.Incidents.Count.ShouldBe(1);
            state.Tasks.Count.ShouldBe(await app.MatchingDevicesAsync(tenant));
        }
        var preview = await maya.FanOutAsync(advisory.Id, preview: true);
        preview.IncidentsOpened.ShouldBe(0);
        preview.TasksCreated.ShouldBe(0);
    }

    /// <summary>
    /// A second wave: the provider resolved the advisory, then reopened it (the fix did not hold). A tenant whose linked incident was
    /// closed gets a new one that names it; one whose incident was resolved before the reopening keeps it, back in Investigating; the
    /// provider's counts and the MSP's inbox follow the new incident, not the closed one beside it.
    /// </summary>
    [Fact]
    public async Task A_reopened_advisory_opens_a_new_incident_beside_a_closed_one_and_reopens_a_resolved_one()
    {
        var advisory = await SensorAdvisoryAsync("Sensor 7.11 boot loop (second wave)");
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var priya = await app.ClientForAsync(DemoDirectory.Priya);
        var chosen = new { tenantIds = new[] { Northwind, Fabrikam } };
        var first = await maya.FanOutAsync(advisory.Id, chosen);
        var closed = first.Tenants.Single(t => t.TenantId == Northwind);
        var resolved = first.Tenants.Single(t => t.TenantId == Fabrikam);
        foreach (var incident in new[] { closed, resolved })
        {
            await maya.AcknowledgeAsync(incident.IncidentId!.Value);
            await maya.ChangeStatusAsync(incident.IncidentId!.Value, "Resolved");
        }
        await maya.ChangeStatusAsync(closed.IncidentId!.Value, "Closed");
        await priya.PostUpdateAsync(advisory.Id, "Resolved", "Fixed by sensor 7.12.");
        (await maya.InboxAsync($"advisoryId={advisory.Id}")).Single(i => i.TenantId == Northwind).AcknowledgedAt.ShouldNotBeNull();
        await priya.PostUpdateAsync(advisory.Id, "Investigating", "Sensor 7.12 boot loops too on some machines.");

        // Back after it was resolved: what the first fan-out acknowledged asks for the MSP's attention again.
        var reopened = await maya.InboxAsync($"advisoryId={advisory.Id}");
        reopened.Single(i => i.TenantId == Northwind).AcknowledgedAt.ShouldBeNull();
        reopened.Single(i => i.TenantId == Fabrikam).AcknowledgedAt.ShouldBeNull();
        var preview = await maya.FanOutAsync(advisory.Id, chosen, preview: true);
        preview.Tenants.Single(t => t.TenantId == Northwind).ShouldSatisfyAllConditions(
            t => t.Outcome.ShouldBe("Opened"), t => t.Follows.ShouldBe(closed.IncidentReference), t => t.Tasks.ShouldBe(closed.Tasks));
        preview.Tenants.Single(t => t.TenantId == Fabrikam).ShouldSatisfyAllConditions(
            t => t.Outcome.ShouldBe("Reopened"), t => t.IncidentId.ShouldBe(resolved.IncidentId), t => t.Follows.ShouldBeNull(), t => t.Tasks.ShouldBe(0));
        preview.IncidentsReopened.ShouldBe(1);
        (await app.LinkedStateAsync(advisory.Id, Fabrikam)).Incidents.Single().Status.ShouldBe(Portal.Domain.IncidentStatus.Resolved, "a preview writes nothing");

        // Another MSP's fan-out of the same advisory covers its own tenants only: it neither reopens Harbor IT's incident nor may name it.
        var ines = await app.ClientForAsync(DemoDirectory.Ines);
        var bluepeak = await ines.FanOutAsync(advisory.Id);
        bluepeak.Tenants.ShouldNotBeEmpty();
        bluepeak.Tenants.ShouldAllBe(t => t.TenantId != Fabrikam && t.TenantId != Northwind);
        using (var foreign = await ines.PostFanOutAsync(advisory.Id, chosen, preview: false))
            foreign.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await app.LinkedStateAsync(advisory.Id, Fabrikam)).Incidents.Single().Status.ShouldBe(Portal.Domain.IncidentStatus.Resolved);

        var second = await maya.FanOutAsync(advisory.Id, chosen);

        second.IncidentsOpened.ShouldBe(1);
        second.IncidentsReopened.ShouldBe(1);
        second.AlreadyLinked.ShouldBe(0);
        var wave = second.Tenants.Single(t => t.TenantId == Northwind);
        wave.Outcome.ShouldBe("Opened");
        wave.IncidentId.ShouldNotBe(closed.IncidentId);
        wave.Follows.ShouldBe(closed.IncidentReference);
        wave.Tasks.ShouldBe(await app.MatchingDevicesAsync(Northwind));
        var state = await app.LinkedStateAsync(advisory.Id, Northwind);
        state.Incidents.Count.ShouldBe(2);
        state.Incidents.Single(i => i.Id == closed.IncidentId).Status.ShouldBe(Portal.Domain.IncidentStatus.Closed);
        state.Incidents.Single(i => i.Id == wave.IncidentId).Status.ShouldBe(Portal.Domain.IncidentStatus.New);
        var opening = await app.QueryAsync(db => db.TimelineEntries.AsNoTracking().Where(e => e.IncidentId == wave.IncidentId).OrderBy(e => e.Sequence).FirstAsync(Ct));
        opening.Text.ShouldEndWith($"(follows {closed.IncidentReference}, closed)");
        opening.Visibility.ShouldBe(Portal.Domain.NoteVisibility.Customer);

        // The resolved one is back in Investigating, saying why to its customers; its tasks are as they were, and nothing was added.
        var back = second.Tenants.Single(t => t.TenantId == Fabrikam);
        back.ShouldSatisfyAllConditions(t => t.Outcome.ShouldBe("Reopened"), t => t.IncidentId.ShouldBe(resolved.IncidentId), t => t.Tasks.ShouldBe(0));
        var fabrikam = await app.LinkedStateAsync(advisory.Id, Fabrikam);
        fabrikam.Incidents.ShouldHaveSingleItem().ShouldSatisfyAllConditions(
            i => i.Status.ShouldBe(Portal.Domain.IncidentStatus.Investigating), i => i.ResolvedAt.ShouldBeNull(),
            i => i.NextEscalationAt.ShouldNotBeNull("open again, it is due to be resolved again"));
        fabrikam.Tasks.Count.ShouldBe(resolved.Tasks);
        var reopening = await app.QueryAsync(db => db.TimelineEntries.AsNoTracking().Where(e => e.IncidentId == resolved.IncidentId).OrderByDescending(e => e.Sequence).FirstAsync(Ct));
        reopening.Text.ShouldBe("Status changed from Resolved to Investigating: Sentinel Shield Security reopened the advisory");
        reopening.Visibility.ShouldBe(Portal.Domain.NoteVisibility.Customer);
        reopening.ActorName.ShouldBe(app.Demo.User(DemoDirectory.Maya).Name);

        // The inbox shows the tenant's new incident; the provider counts it and its devices once, not the closed wave beside it.
        var inbox = await maya.InboxAsync($"advisoryId={advisory.Id}");
        inbox.Single(i => i.TenantId == Northwind).ShouldSatisfyAllConditions(
            i => i.IncidentId.ShouldBe(wave.IncidentId), i => i.IncidentStatus.ShouldBe("New"));
        inbox.Single(i => i.TenantId == Fabrikam).IncidentStatus.ShouldBe("Investigating");
        using (var response = await priya.GetAsync($"/api/v1/advisories/{advisory.Id}/impact", Ct))
        {
            var impact = await response.ReadAsync<AdvisoryImpactDto>();
            impact.Totals.IncidentsOpen.ShouldBe(2 + bluepeak.IncidentsOpened);
            impact.Totals.IncidentsResolved.ShouldBe(0);
            impact.Totals.DevicesTotal.ShouldBe(await app.MatchingDevicesAsync(Northwind) + await app.MatchingDevicesAsync(Fabrikam) + bluepeak.TasksCreated);
        }

        // The second fan-out acknowledged what it covered; a later update that does not reopen leaves that as it is.
        await priya.PostUpdateAsync(advisory.Id, "Mitigating", "A fixed 7.13 is rolling out.");
        var acknowledged = await maya.InboxAsync($"advisoryId={advisory.Id}");
        acknowledged.Single(i => i.TenantId == Northwind).AcknowledgedAt.ShouldNotBeNull();
        acknowledged.Single(i => i.TenantId == Fabrikam).AcknowledgedAt.ShouldNotBeNull();

        // Once open again, the tenant has its incident: a third run adds nothing. An incident resolved after the reopening was
        // resolved knowingly: it stays resolved.
        await maya.ChangeStatusAsync(resolved.IncidentId!.Value, "Resolved");
        var third = await maya.FanOutAsync(advisory.Id, chosen);
        third.IncidentsOpened.ShouldBe(0);
        third.IncidentsReopened.ShouldBe(0);
        third.Tenants.Single(t => t.TenantId == Northwind).ShouldSatisfyAllConditions(
            t => t.Outcome.ShouldBe("AlreadyLinked"), t => t.IncidentId.ShouldBe(wave.IncidentId));
        third.Tenants.Single(t => t.TenantId == Fabrikam).ShouldSatisfyAllConditions(
            t => t.Outcome.ShouldBe("AlreadyLinked"), t => t.IncidentId.ShouldBe(resolved.IncidentId));
        (await app.LinkedStateAsync(advisory.Id, Northwind)).Incidents.Count.ShouldBe(2);
        (await app.LinkedStateAsync(advisory.Id, Fabrikam)).Incidents.Single().Status.ShouldBe(Portal.Domain.IncidentStatus.Resolved);
    }

    /// <summary>An incident the MSP resolved while the advisory stayed open (never reopened) is theirs to call: a later fan-out leaves it resolved.</summary>
    [Fact]
    public async Task A_fan_out_leaves_alone_an_incident_resolved_while_the_advisory_was_never_reopened()
    {
        var advisory = await SensorAdvisoryAsync("Sensor 7.11 boot loop (resolved early)");
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var chosen = new { tenantIds = new[] { Northwind } };
        var first = (await maya.FanOutAsync(advisory.Id, chosen)).Tenants.Single();
        await maya.AcknowledgeAsync(first.IncidentId!.Value);
        await maya.ChangeStatusAsync(first.IncidentId!.Value, "Resolved");
        await (await app.ClientForAsync(DemoDirectory.Priya)).PostUpdateAsync(advisory.Id, "Mitigating", "7.12 is rolling out.");

        var again = await maya.FanOutAsync(advisory.Id, chosen);

        again.IncidentsReopened.ShouldBe(0);
        again.Tenants.Single().ShouldSatisfyAllConditions(t => t.Outcome.ShouldBe("AlreadyLinked"), t => t.IncidentId.ShouldBe(first.IncidentId));
        (await app.LinkedStateAsync(advisory.Id, Northwind)).Incidents.Single().Status.ShouldBe(Portal.Domain.IncidentStatus.Resolved);
    }

    /// <summary>
    /// The provider's counts take each tenant's latest linked incident of this advisory, around the tenant filters: a later incident
    /// of another advisory in the same tenant (a higher number) must not hide this one, nor this one count another's devices.
    /// </summary>
    [Fact]
    public async Task Another_advisorys_later_incident_in_the_tenant_neither_hides_this_ones_nor_is_counted_for_it()
    {
        var counted = await SensorAdvisoryAsync("Sensor 7.11 boot loop (counted)");
        var later = await SensorAdvisoryAsync("Sensor 7.11 boot loop (another, later)");
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var mine = await maya.FanOutAsync(counted.Id, new { tenantIds = new[] { Northwind } });
        var other = await maya.FanOutAsync(later.Id, new { tenantIds = new[] { Northwind }, deviceFilter = new { os = "windows" } });
        other.Tenants.Single().IncidentReference.ShouldNotBe(mine.Tenants.Single().IncidentReference);

        using var response = await (await app.ClientForAsync(DemoDirectory.Priya)).GetAsync($"/api/v1/advisories/{counted.Id}/impact", Ct);
        var impact = await response.ReadAsync<AdvisoryImpactDto>();
        impact.Totals.IncidentsOpen.ShouldBe(1);
        impact.Totals.DevicesTotal.ShouldBe(mine.TasksCreated);
    }

    /// <summary>The database keeps one linked incident per tenant and advisory that is not closed, whoever writes it.</summary>
    [Fact]
    public async Task The_database_refuses_a_second_open_linked_incident_for_a_tenant_and_advisory()
    {
        var advisory = await SensorAdvisoryAsync("Sensor 7.11 boot loop (one open incident)");
        var opened = (await (await app.ClientForAsync(DemoDirectory.Maya)).FanOutAsync(advisory.Id, new { tenantIds = new[] { Northwind } })).Tenants.Single();

        var copy = () => app.QueryAsync(async db =>
        {
            var linked = await db.Incidents.AsNoTracking().SingleAsync(i => i.Id == opened.IncidentId, Ct);
            var number = await db.Incidents.Where(i => i.TenantId == Northwind).MaxAsync(i => i.Number, Ct) + 1;
            var full = await db.Advisories.AsNoTracking().SingleAsync(a => a.Id == advisory.Id, Ct);
            db.Incidents.Add(Portal.Domain.Incident.OpenFromAdvisory(Northwind, number, "DUP", full, "Sentinel Shield Security",
                new Portal.Domain.Actor(linked.CreatedById, "Maya", Portal.Domain.TenantAccess.Msp), DateTimeOffset.UtcNow));
            return await db.SaveChangesAsync(Ct);
        });
        await Should.ThrowAsync<DbUpdateException>(copy);
        (await app.LinkedStateAsync(advisory.Id, Northwind)).Incidents.Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_fan_out_stopped_between_its_incidents_and_their_tasks_is_finished_by_the_sweep_or_the_next_call_once()
    {
        var advisory = await SensorAdvisoryAsync("Sensor 7.11 boot loop (stopped between its two steps)");
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var first = await maya.FanOutAsync(advisory.Id, new { deviceFilter = new { os = "windows" } });
        var expected = first.Tenants.ToDictionary(t => t.TenantId, t => t.Tasks);
        expected[Northwind].ShouldBe(await app.MatchingDevicesAsync(Northwind, os: "windows"));
        expected[Northwind].ShouldBeGreaterThan(0);

        // What a process stopped after the incidents' commit leaves: the incident with its plan, no tasks, no counters.
        await StopBeforeTasksAsync(first.Tenants.Single(t => t.TenantId == Northwind).IncidentId!.Value, Northwind, advisory.Id, "windows");
        (await app.LinkedStateAsync(advisory.Id, Northwind)).Tasks.ShouldBeEmpty();

        // The sweep finishes a plan older than a minute, with the plan's own filter; run again, it finds nothing left.
        await RunSweepAsync();
        await RunSweepAsync();
        var swept = await app.LinkedStateAsync(advisory.Id, Northwind);
        swept.Tasks.Count.ShouldBe(expected[Northwind]);
        swept.Tasks.Select(t => t.DeviceId).Distinct().Count().ShouldBe(expected[Northwind]);
        swept.Progress.ShouldHaveSingleItem().Pending.ShouldBe(expected[Northwind]);
        swept.Samples.ShouldBe(1);
        (await app.QueryAsync(db => db.FanOutTaskPlans.CountAsync(p => p.AdvisoryId == advisory.Id))).ShouldBe(0);

        // The next fan-out call for the advisory finishes it too, and says so for that tenant; the others get nothing new.
        await StopBeforeTasksAsync(first.Tenants.Single(t => t.TenantId == Fabrikam).IncidentId!.Value, Fabrikam, advisory.Id, "windows");
        var again = await maya.FanOutAsync(advisory.Id);
        again.IncidentsOpened.ShouldBe(0);
        again.Tenants.ShouldAllBe(t => t.Outcome == "AlreadyLinked");
        again.Tenants.Single(t => t.TenantId == Fabrikam).Tasks.ShouldBe(expected[Fabrikam]);
        again.TasksCreated.ShouldBe(expected[Fabrikam]);
        foreach (var tenant in Harbors)
        {
            var state = await app.LinkedStateAsync(advisory.Id, tenant);
            state.Tasks.Count.ShouldBe(expected[tenant]);
            state.Progress.ShouldHaveSingleItem().Pending.ShouldBe(expected[tenant]);
        }
        (await maya.FanOutAsync(advisory.Id)).TasksCreated.ShouldBe(0);
    }

    /// <summary>
    /// Another engineer's fan-out between its two steps, a moment ago (a double click, two engineers at once): the incident it
    /// opened and its fresh plan. A second call leaves those tasks to that call, and answers for its own tenants only; before, it
    /// could make them, and the call that opened the incident answered "0 devices" for it.
    /// </summary>
    [Fact]
    public async Task A_fan_out_leaves_the_tasks_of_an_incident_another_call_just_opened_to_that_call()
    {
        var advisory = await SensorAdvisoryAsync("Sensor 7.11 boot loop (another call's fresh plan)");
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var first = await maya.FanOutAsync(advisory.Id, new { deviceFilter = new { os = "windows" } });
        var incident = first.Tenants.Single(t => t.TenantId == Northwind).IncidentId!.Value;
        await StopBeforeTasksAsync(incident, Northwind, advisory.Id, "windows", touchedAgo: TimeSpan.FromSeconds(5));

        var sam = await app.ClientForAsync(DemoDirectory.Sam);
        var second = await sam.FanOutAsync(advisory.Id);
        var answer = second.Tenants.Single(t => t.TenantId == Northwind);
        (answer.Outcome, answer.Tasks).ShouldBe(("AlreadyLinked", 0));
        second.TasksCreated.ShouldBe(0);
        (await app.LinkedStateAsync(advisory.Id, Northwind)).Tasks.ShouldBeEmpty("the call that opened the incident makes its tasks");
        (await app.QueryAsync(db => db.FanOutTaskPlans.CountAsync(p => p.IncidentId == incident))).ShouldBe(1, "its plan is left to it (or to the sweep, once stale)");
    }

    private Task<int> StopBeforeTasksAsync(Guid incidentId, Guid tenantId, Guid advisoryId, string os, TimeSpan? touchedAgo = null) => app.QueryAsync(async db =>
    {
        await db.RemediationTasks.Where(t => t.IncidentId == incidentId).ExecuteDeleteAsync(Ct);
        await db.RemediationProgressSamples.Where(s => s.IncidentId == incidentId).ExecuteDeleteAsync(Ct);
        await db.RemediationProgress.Where(p => p.IncidentId == incidentId).ExecuteDeleteAsync(Ct);
        db.FanOutTaskPlans.Add(new Portal.Domain.FanOutTaskPlan(incidentId, tenantId, advisoryId, os, null, null, DateTimeOffset.UtcNow - (touchedAgo ?? TimeSpan.FromMinutes(2))));
        return await db.SaveChangesAsync(Ct);
    });

    private async Task RunSweepAsync()
    {
        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<Portal.Features.Advisories.FanOutTaskSweep>().RunAsync(Ct);
    }

    [Fact]
    public async Task The_device_filter_takes_a_tag_exactly_and_a_site_ignoring_case()
    {
        var advisory = await SensorAdvisoryAsync("BitLocker prompts after the fix");
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var result = await maya.FanOutAsync(advisory.Id, new { tenantIds = new[] { Fabrikam }, deviceFilter = new { tag = " BitLocker ", site = "BRANCH" } });
        result.TasksCreated.ShouldBe(await app.MatchingDevicesAsync(Fabrikam, tag: "bitlocker", site: "branch"));
        result.TasksCreated.ShouldBeGreaterThan(0);
        result.TasksCreated.ShouldBeLessThan(await app.MatchingDevicesAsync(Fabrikam, tag: "bitlocker"));

        var none = await maya.FanOutAsync(advisory.Id, new { tenantIds = new[] { Tailspin }, deviceFilter = new { tag = "bitlock" } }, preview: true);
        none.TasksCreated.ShouldBe(0, "a tag matches whole, not a prefix");
    }

    [Fact]
    public async Task A_tenant_not_targeted_or_not_managed_is_404_and_nothing_is_written()
    {
        var grace = await app.ClientForAsync("grace@nimbuscloud.example");
        var compute = await grace.ServiceAsync(AdvisoryApi.ComputeService);
        var advisory = await grace.PublishAsync(Nimbus, "Compute hosts restarting (West Europe)", [compute.Id], ["westeurope"], "Sev2");
        var targets = await app.TargetsAsync(advisory.Id);
        targets.ShouldNotContain(Fabrikam); // Fabrikam runs in northeurope
        var maya = await app.ClientForAsync(DemoDirectory.Maya);

        foreach (var (tenants, why) in new[] { (new[] { Fabrikam }, "not targeted"), (new[] { Northwind, Woodgrove }, "another MSP's"), (new[] { Guid.NewGuid() }, "unknown") })
        {
            foreach (var preview in new[] { true, false })
            {
                using var response = await maya.PostFanOutAsync(advisory.Id, new { tenantIds = tenants }, preview);
                var problem = await response.ReadProblemAsync(HttpStatusCode.NotFound);
                problem.Title.ShouldBe("No such tenant", why);
            }
        }
        (await app.LinkedStateAsync(advisory.Id, Northwind)).Incidents.ShouldBeEmpty("a refused request writes nothing, not even for the valid tenant");

        using (var unknown = await maya.PostFanOutAsync(Guid.NewGuid(), new { }))
            (await unknown.ReadProblemAsync(HttpStatusCode.NotFound)).Title.ShouldBe("No such advisory");
    }

    [Fact]
    public async Task Customers_and_providers_cannot_fan_out()
    {
        var advisory = await SensorAdvisoryAsync("Sensor boot loop (refusals)");
        foreach (var email in new[] { DemoDirectory.Olivia, DemoDirectory.Priya, "tom@sentinelshield.example" })
        {
            var client = await app.ClientForAsync(email);
            foreach (var preview in new[] { true, false })
            {
                using var response = await client.PostFanOutAsync(advisory.Id, new { }, preview);
                await response.ReadProblemAsync(HttpStatusCode.Forbidden);
            }
        }
        using (var foreignAdvisory = await (await app.ClientForAsync("grace@nimbuscloud.example")).PostFanOutAsync(advisory.Id, new { }))
            await foreignAdvisory.ReadProblemAsync(HttpStatusCode.NotFound); // another provider does not see it at all
        (await app.LinkedStateAsync(advisory.Id, Northwind)).Incidents.ShouldBeEmpty();
    }

    [Fact]
    public async Task Bad_input_is_refused_at_the_edge_with_the_fields_named()
    {
        var advisory = await SensorAdvisoryAsync("Sensor boot loop (bad input)");
        var maya = await app.ClientForAsync(DemoDirectory.Maya);

        using (var empty = await maya.PostFanOutAsync(advisory.Id, new { tenantIds = Array.Empty<Guid>() }))
            (await empty.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.ShouldContainKey("tenantIds");
        using (var emptyId = await maya.PostFanOutAsync(advisory.Id, new { tenantIds = new[] { Guid.Empty } }))
            (await emptyId.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.ShouldContainKey("tenantIds");
        using (var twoTags = await maya.PostFanOutAsync(advisory.Id, new { deviceFilter = new { tag = "laptop,server" } }, preview: true))
            (await twoTags.ReadProblemAsync(HttpStatusCode.BadRequest)).Errors.ShouldContainKey("deviceFilter.tag");
        using (var longOs = await maya.PostFanOutAsync(advisory.Id, new { deviceFilter = new { os = new string('w', 101), site = new string('s', 101) } }))
        {
            var problem = await longOs.ReadProblemAsync(HttpStatusCode.BadRequest);
            problem.Errors.ShouldContainKey("deviceFilter.os");
            problem.Errors.ShouldContainKey("deviceFilter.site");
        }
        using (var notJson = await maya.SendRawAsync(HttpMethod.Post, $"/api/v1/advisories/{advisory.Id}/fan-out", "{\"tenantIds\": [\"nope\"]}"))
            await notJson.ReadProblemAsync(HttpStatusCode.BadRequest);
        (await app.LinkedStateAsync(advisory.Id, Northwind)).Incidents.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_resolved_advisory_is_not_fanned_out()
    {
        var advisory = await SensorAdvisoryAsync("Sensor boot loop (resolved)");
        await (await app.ClientForAsync(DemoDirectory.Priya)).PostUpdateAsync(advisory.Id, "Resolved", "Fixed by the vendor.");
        using var response = await (await app.ClientForAsync(DemoDirectory.Maya)).PostFanOutAsync(advisory.Id, new { });
        (await response.ReadProblemAsync(HttpStatusCode.Conflict)).Code.ShouldBe("advisory_resolved");
    }
}

public sealed class FanOutAdvisoryTestsOnSqlite(SqliteApp app) : FanOutAdvisoryTests(app), IClassFixture<SqliteApp>;

public sealed class FanOutAdvisoryTestsOnPostgreSql(PostgresApp app) : FanOutAdvisoryTests(app), IClassFixture<PostgresApp>
{
    /// <summary>Two engineers fan out at the same moment: the unique (AdvisoryId, TenantId) index and the re-run leave one incident per tenant.</summary>
    [Fact]
    public async Task Two_engineers_fanning_out_at_once_open_nothing_twice()
    {
        var maya = await app.ClientForAsync(DemoDirectory.Maya);
        var sam = await app.ClientForAsync(DemoDirectory.Sam);
        for (var round = 0; round < 3; round++)
        {
            var advisory = await SensorAdvisoryAsync($"Sensor boot loop (race {round})");
            var results = await Task.WhenAll(maya.FanOutAsync(advisory.Id), sam.FanOutAsync(advisory.Id));

            foreach (var tenant in Harbors)
            {
                var state = await app.LinkedStateAsync(advisory.Id, tenant);
                state.Incidents.Count.ShouldBe(1, $"round {round}");
                state.Tasks.Count.ShouldBe(await app.MatchingDevicesAsync(tenant));
                state.Progress.ShouldHaveSingleItem().Pending.ShouldBe(state.Tasks.Count);
                results.SelectMany(r => r.Tenants).Count(t => t.TenantId == tenant && t.Outcome == "Opened").ShouldBe(1, "exactly one run opened it");
                results.ShouldAllBe(r => r.Tenants.Single(t => t.TenantId == tenant).IncidentId == state.Incidents[0].Id);
                // Who opened it says how many devices it got; the other run left it alone (before, the other could make its tasks
                // and the opener answered "0 devices" for the incident it opened).
                var answers = results.Select(r => r.Tenants.Single(t => t.TenantId == tenant)).ToList();
                answers.Single(t => t.Outcome == "Opened").Tasks.ShouldBe(state.Tasks.Count, $"round {round}: the opener's count");
                answers.Where(t => t.Outcome == "AlreadyLinked").ShouldAllBe(t => t.Tasks == 0, $"round {round}: left alone");
            }
        }
    }
}
